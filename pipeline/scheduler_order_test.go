package pipeline

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/ollama"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Synthetic uniform grey images tell the two items apart in a grounding
// call (the padded model input keeps the centre pixel's grey level).
const (
	firstGrey   = 40
	stalledGrey = 220
)

// stallRunner answers every call at once, except the "stalled" item's call
// of one stage, which never answers (it blocks until its context ends, as
// a hung model would until the call timeout). When that call starts it
// sends on started whether the "first" item's call of the same stage had
// already returned.
type stallRunner struct {
	stage   audit.Stage
	wake    func() // broadcasts the scheduler's condition (set once it exists)
	started chan bool

	mu       sync.Mutex
	returned map[bool]bool // by "is the stalled item"
	began    bool
}

func (r *stallRunner) URL() string             { return "fake://stall" }
func (r *stallRunner) Options() ollama.Options { return ollama.DefaultOptions() }
func (r *stallRunner) Models(context.Context) ([]string, error) {
	return nil, nil
}
func (r *stallRunner) ModelInfo(_ context.Context, model string) (ollama.ModelInfo, error) {
	return ollama.ModelInfo{Name: model, Digest: HashDraft(model), Capabilities: []string{"completion", "vision"}}, nil
}

func (r *stallRunner) stallStarted() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.began
}

// call runs one stage call; stalled says whose it is.
func (r *stallRunner) call(ctx context.Context, stage audit.Stage, stalled bool) error {
	if stage == r.stage && stalled {
		r.mu.Lock()
		r.began = true
		firstDone := r.returned[false]
		r.mu.Unlock()
		r.wake()
		r.started <- firstDone
		<-ctx.Done()
		return ctx.Err()
	}
	if stage == r.stage {
		r.mu.Lock()
		r.returned[stalled] = true
		r.mu.Unlock()
	}
	return nil
}

func (r *stallRunner) GroundWith(ctx context.Context, _ string, _ ollama.Options, data []byte) (audit.StageRecord, error) {
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return audit.StageRecord{}, err
	}
	b := img.Bounds()
	g := color.GrayModel.Convert(img.At((b.Min.X+b.Max.X)/2, (b.Min.Y+b.Max.Y)/2)).(color.Gray)
	rec := audit.StageRecord{Raw: `[]`, Done: true, DoneReason: "stop", Findings: []schema.Finding{}}
	if err := r.call(ctx, audit.StageGrounding, g.Y > 128); err != nil {
		rec.Error = err.Error()
		return rec, err
	}
	return rec, nil
}

func (r *stallRunner) ParseDraftWith(ctx context.Context, _ string, _ ollama.Options, draft string, _ bool) (audit.StageRecord, error) {
	rec := audit.StageRecord{Raw: `[]`, Done: true, DoneReason: "stop", Labels: []schema.DraftLabel{}}
	if err := r.call(ctx, audit.StageDraft, strings.Contains(draft, "stalled")); err != nil {
		rec.Error = err.Error()
		return rec, err
	}
	return rec, nil
}

func writeGreyPNG(t *testing.T, path string, grey uint8) {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 32, 24))
	for i := range img.Pix {
		img.Pix[i] = grey
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
}

// TestSchedulerStalledCallHoldsBackNoEarlierItem: with one slot per model,
// a later item whose call never answers must not start ahead of an earlier
// item whose input was still being prepared (prep workers finish items out
// of order); otherwise the earlier item waits behind the hung call until
// the call timeout (the flaky `run` interrupt test: item 2 finished only
// after item 3's draft timed out, 5 minutes later).
//
// The first item's preparation of the stage is held until the stalled
// item's job for it is ready and either its call started (the bug) or the
// slots are blocked waiting for the first item (the fix), so the outcome
// does not depend on goroutine timing.
func TestSchedulerStalledCallHoldsBackNoEarlierItem(t *testing.T) {
	for _, stage := range []audit.Stage{audit.StageGrounding, audit.StageDraft} {
		t.Run(string(stage), func(t *testing.T) {
			dir := t.TempDir()
			first, stalled := filepath.Join(dir, "first.png"), filepath.Join(dir, "stalled.png")
			writeGreyPNG(t, first, firstGrey)
			writeGreyPNG(t, stalled, stalledGrey)
			items := []audit.Item{
				{ID: "first", ImagePath: first, Draft: "Case first. No pneumothorax."},
				{ID: "stalled", ImagePath: stalled, Draft: "Case stalled. No pneumothorax."},
			}
			r := &stallRunner{stage: stage, started: make(chan bool, 1), returned: map[bool]bool{}}
			s, err := newScheduler(baseConfig(nil), []stageRunner{r})
			require.NoError(t, err)
			r.wake = func() { s.mu.Lock(); s.cond.Broadcast(); s.mu.Unlock() }
			model := s.modelOf(stage)
			s.beforeStage = func(_ context.Context, it audit.Item, st audit.Stage) {
				if it.ID != "first" || st != stage {
					return
				}
				s.mu.Lock()
				defer s.mu.Unlock()
				for !s.stopping && !r.stallStarted() && !(stalledReady(s, stage) && s.q.blocked(model)) {
					s.cond.Wait()
				}
			}

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			runErr := make(chan error, 1)
			go func() { runErr <- s.Run(ctx) }()
			s.Submit(items)

			firstDone := <-r.started
			assert.True(t, firstDone, "the stalled item's %s call started before the first item's", stage)
			if !firstDone {
				cancel() // the first item would wait for the hung call
			}
			results := map[string]*audit.Result{}
			for u := range s.Updates() {
				if u.Result != nil {
					results[u.ItemID] = u.Result
				}
				if results["first"] != nil {
					cancel()
				}
			}
			require.NoError(t, <-runErr)
			if firstDone {
				require.Contains(t, results, "first")
				assert.Equal(t, audit.StatusDone, results["first"].Status)
			}
			assert.NotContains(t, results, "stalled", "a cancelled call is not a result")
		})
	}
}

// stalledReady reports whether the stalled item's job for stage is ready
// for a slot (s.mu held).
func stalledReady(s *Scheduler, stage audit.Stage) bool {
	st, ok := s.q.items["stalled"]
	if !ok {
		return false
	}
	for _, j := range st.jobs {
		if j.stage == stage && !j.prepping {
			return true
		}
	}
	return false
}
