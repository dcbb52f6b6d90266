package replay

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"runtime"
	"time"

	"github.com/ollama/ollama/api"
	"golang.org/x/sync/errgroup"

	"github.com/cxr-auditor/cxr-auditor/ollama/internal/wire"
	"github.com/cxr-auditor/cxr-auditor/prompts"
	"github.com/cxr-auditor/cxr-auditor/radiograph"
	"github.com/cxr-auditor/cxr-auditor/worklist"
)

// Range is a span of latencies. A reply's latency is picked in [Min, Max]
// from its item id and stage, so the same replay always takes the same
// time per item.
type Range struct {
	Min, Max time.Duration
}

// pick returns the latency for key: Min plus a fraction of (Max-Min) taken
// from an FNV hash of key. A negative Min counts as 0 and a Max below Min
// as Min.
func (r Range) pick(key string) time.Duration {
	lo := max(r.Min, 0)
	if r.Max <= lo {
		return lo
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(key))
	frac := float64(h.Sum64()>>11) / float64(1<<53)
	return lo + time.Duration(frac*float64(r.Max-lo))
}

// Options shapes the replay server. The zero Options replays instantly
// (tests); DefaultOptions is what the demo uses.
type Options struct {
	// GroundingLatency and DraftLatency are the simulated generation times
	// of each stage's replies, per item within the range. Zero: instant.
	GroundingLatency Range
	DraftLatency     Range
	// Capacity is how many requests each model generates at once, like one
	// GPU; more wait their turn. 0 means 1.
	Capacity int
	// LazyImages decodes no image at start: each item's model input is
	// prepared when a grounding request first needs it (in worklist
	// order, up to the one the request carries), so the demo's first
	// frame waits for no decode. A bad image or two items sharing a
	// model input with different recorded replies is then said in the
	// reply, not by NewServer.
	LazyImages bool
}

// DefaultOptions returns the demo's options: each stage takes 1 to 3 s per
// item, one request at a time per model, like a single local GPU.
func DefaultOptions() Options {
	return Options{
		GroundingLatency: Range{Min: time.Second, Max: 3 * time.Second},
		DraftLatency:     Range{Min: time.Second, Max: 3 * time.Second},
		Capacity:         1,
	}
}

// Models the replay server serves, with the capabilities the pipeline
// checks before use.
var (
	groundingCaps = []string{"completion", "vision"}
	draftCaps     = []string{"completion", "thinking"}
)

// noRecording is the reply to an input the recording does not cover: prose,
// so the pipeline shows it as a failed parse naming the problem rather than
// inventing findings.
const noRecording = "replay: no recorded output for this input (the image or draft differs from the recorded worklist)"

// NewServer loads the worklist at worklistPath and the recording at
// recordingPath and starts a server that replays the recording:
// a grounding model (prompts.DefaultGroundingModel, "vision") answering each
// item's model-input image, keyed by the exact PNG bytes the pipeline sends,
// a second one (SecondGroundingModel) answering as the first except where
// the recording has a line of its own for it,
// and a draft model (prompts.DefaultDraftModel, "completion" and
// "thinking") answering each item's draft prompt (prompts.DraftPrompt). An
// input not in the recording gets a prose reply saying so, which the
// pipeline reports as a parse failure.
//
// Every worklist item must have both stages recorded and every record must
// name a worklist item; errors name the file and line (a bad worklist row,
// a bad recording line, an unknown id, a missing stage, an unreadable
// image). Two items with the same model-input image or the same draft must
// have the same recorded reply for it, since the server cannot tell them
// apart. Images are decoded once here, so startup takes as long as
// preparing every image for the model, unless Options.LazyImages.
//
// The caller must Close the returned server.
func NewServer(ctx context.Context, worklistPath, recordingPath string, opt Options) (*Server, error) {
	// The demo's worklist is bundled data that names the shared phantoms
	// in ../phantoms.
	wl, err := worklist.Load(ctx, worklistPath, worklist.AllowOutsidePaths())
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	if len(wl.Problems) > 0 {
		return nil, fmt.Errorf("replay: %w", wl.Problems[0])
	}
	recs, err := ReadRecording(ctx, recordingPath)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	byItem, err := indexRecords(wl, recs, recordingPath)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}

	var keys []string
	lazy := newLazyGround(ctx)
	if !opt.LazyImages {
		if keys, err = imageKeys(ctx, wl, worklistPath); err != nil {
			return nil, fmt.Errorf("replay: %w", err)
		}
	}

	second := secondModel(recs)
	ground, groundB := wire.NewScript(), wire.NewScript()
	groundFrom := map[string]string{} // image key -> item id that set it
	draft := &draftScript{byPrompt: map[string]wire.Reply{}}
	draftFrom := map[string]string{}
	for i, it := range wl.Items {
		where := &LineError{File: worklistPath, Line: it.Line}
		g, d := byItem[it.ID][0], byItem[it.ID][1]
		gr := g.reply()
		gr.Latency = opt.GroundingLatency.pick(it.ID + "/" + StageGrounding)
		grB := gr
		if b, ok := second[it.ID]; ok {
			grB = b.reply()
			grB.Latency = opt.GroundingLatency.pick(it.ID + "/" + StageGrounding + "/b")
		}
		if opt.LazyImages {
			lazy.add(it, [2]wire.Reply{gr, grB})
		} else {
			key := keys[i]
			if other, dup := groundFrom[key]; dup && byItem[other][0].reply() != g.reply() {
				where.Err = fmt.Errorf("%s: same model-input image as %s but a different recorded grounding output", it.ID, other)
				return nil, fmt.Errorf("replay: %w", where)
			}
			groundFrom[key] = it.ID
			ground.ByImage(key, gr)
			groundB.ByImage(key, grB)
		}

		prompt, err := prompts.DraftPrompt(it.Draft)
		if err != nil {
			where.Err = fmt.Errorf("%s: draft: %w", it.ID, err)
			return nil, fmt.Errorf("replay: %w", where)
		}
		dr := d.reply()
		dr.Latency = opt.DraftLatency.pick(it.ID + "/" + StageDraft)
		if other, dup := draftFrom[prompt]; dup && byItem[other][1].reply() != d.reply() {
			where.Err = fmt.Errorf("%s: same draft as %s but a different recorded draft output", it.ID, other)
			return nil, fmt.Errorf("replay: %w", where)
		}
		draftFrom[prompt] = it.ID
		draft.byPrompt[prompt] = dr
	}
	ground.Default(wire.Reply{Content: noRecording})
	groundB.Default(wire.Reply{Content: noRecording})
	respondGround, respondGroundB := ground.Respond, groundB.Respond
	if opt.LazyImages {
		respondGround, respondGroundB = lazy.responder(0), lazy.responder(1)
	}

	return listen(opt, respondGround, respondGroundB, draft.respond)
}

// listen starts the server: the two grounding models and the draft model
// answering through the functions given.
func listen(opt Options, ground, groundB, draft func(*api.ChatRequest) wire.Reply) (*Server, error) {
	capacity := max(opt.Capacity, 1)
	srv, err := wire.Listen("127.0.0.1:0",
		wire.Model{Name: prompts.DefaultGroundingModel, Capabilities: groundingCaps, Capacity: capacity, Respond: ground},
		wire.Model{Name: prompts.DefaultDraftModel, Capabilities: draftCaps, Capacity: capacity, Respond: draft},
		wire.Model{Name: SecondGroundingModel, Capabilities: groundingCaps, Capacity: capacity, Respond: groundB},
	)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	// Nobody reads the requests back, and each holds its image.
	srv.SetRecordLimit(0)
	return &Server{srv: srv}, nil
}

// secondModel indexes the second grounding model's records by item: it
// answers as the first model but where it has a line of its own.
func secondModel(recs []Record) map[string]Record {
	second := map[string]Record{}
	for _, r := range recs {
		if r.Model == SecondGroundingModel {
			second[r.ID] = r
		}
	}
	return second
}

// Server is a running replay: an Ollama server on 127.0.0.1 that answers
// from the recording. It is safe for concurrent use.
type Server struct {
	srv *wire.Server
}

// URL returns the server's base URL, such as "http://127.0.0.1:40123",
// for ollama.NewHost.
func (s *Server) URL() string { return s.srv.URL() }

// Close stops the server and blocks until every request in flight has
// returned. It is safe to call more than once.
func (s *Server) Close() { s.srv.Close() }

// Calls returns how many /api/chat requests model has received (0 for a
// model the server does not serve).
func (s *Server) Calls(model string) int { return s.srv.Stats(model).Requests }

// indexRecords pairs every worklist item with its grounding and draft
// records, checking that each record names an item and each item has both.
func indexRecords(wl worklist.List, recs []Record, recordingPath string) (map[string][2]Record, error) {
	known := make(map[string]bool, len(wl.Items))
	for _, it := range wl.Items {
		known[it.ID] = true
	}
	byItem := make(map[string][2]Record, len(wl.Items))
	have := map[string][2]bool{}
	for _, r := range recs {
		if !known[r.ID] {
			return nil, &LineError{recordingPath, r.Line, fmt.Errorf("unknown id %q (not in %s)", r.ID, wl.Path)}
		}
		if r.Model != "" {
			continue // the second grounding model's, indexed apart
		}
		slot := 0
		if r.Stage == StageDraft {
			slot = 1
		}
		pair, h := byItem[r.ID], have[r.ID]
		pair[slot], h[slot] = r, true
		byItem[r.ID], have[r.ID] = pair, h
	}
	var errs []error
	for _, it := range wl.Items {
		for slot, stage := range []string{StageGrounding, StageDraft} {
			if !have[it.ID][slot] {
				errs = append(errs, &LineError{wl.Path, it.Line, fmt.Errorf("%s: no %s output recorded in %s", it.ID, stage, recordingPath)})
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return byItem, nil
}

// imageKeys returns the ImageKey of every item's model input, in item
// order. Preparing an image (decode, window, resample, PNG encode) is the
// slow part of startup, so images are prepared in parallel, one per CPU.
func imageKeys(ctx context.Context, wl worklist.List, worklistPath string) ([]string, error) {
	keys := make([]string, len(wl.Items))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, it := range wl.Items {
		g.Go(func() error {
			png, err := modelInput(ctx, it.ImagePath)
			if err != nil {
				return &LineError{worklistPath, it.Line, fmt.Errorf("%s: %w", it.ID, err)}
			}
			keys[i] = wire.ImageKey(png)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return keys, nil
}

// modelInput returns the PNG the pipeline sends to the grounding model for
// the image at path by default: decoded, windowed with its default window,
// downscaled, with its own aspect ratio (radiograph.ModelInput, ModelSquash).
// Grounding replies are keyed by these exact bytes, so a run with
// --model-input pad gets "no recorded output".
func modelInput(ctx context.Context, path string) ([]byte, error) {
	r, err := radiograph.Load(ctx, path, radiograph.LoadOptions{})
	if err != nil {
		return nil, err
	}
	png, _, err := radiograph.ModelInput(r, r.DefaultWindow, radiograph.ModelSquash)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", path, err)
	}
	return png, nil
}

// draftScript answers draft requests whose message is exactly a recorded
// item's draft prompt. It is read-only once the server starts, so
// concurrent requests need no lock.
type draftScript struct {
	byPrompt map[string]wire.Reply
}

func (d *draftScript) respond(req *api.ChatRequest) wire.Reply {
	for i := len(req.Messages) - 1; i >= 0; i-- {
		if r, ok := d.byPrompt[req.Messages[i].Content]; ok {
			return r
		}
	}
	return wire.Reply{Content: noRecording}
}
