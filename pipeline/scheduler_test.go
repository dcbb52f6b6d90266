package pipeline

import (
	"bytes"
	"container/heap"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ollama/ollama/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/ollama"
	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
	"github.com/cxr-auditor/cxr-auditor/radiograph"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/cxr-auditor/cxr-auditor/store"
)

const (
	groundModel = "medgemma-ground"
	draftModel  = "medgemma-draft"
)

// Scripted model outputs (synthetic): the image shows a pneumothorax, the
// draft denies it, so every item has one urgent disagreement.
const (
	groundReply = `[{"label":"pneumothorax","box_2d":[0.25,0.5,0.75,0.75]},{"label":"nodule_mass","box_2d":[0.0,0.1,0.1,0.2]}]`
	draftReply  = `[{"label":"pneumothorax","status":"absent","span":"No pneumothorax."}]`
)

// syntheticPNG encodes a w x h grey gradient (synthetic, not a radiograph)
// whose first pixels spell seed, so different seeds give different files.
func syntheticPNG(t testing.TB, w, h, seed int) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetGray(x, y, color.Gray{Y: uint8((x*7 + y*3) % 256)})
		}
	}
	for i := range 4 {
		img.Pix[i] = uint8(seed >> (8 * i))
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// respond answers grounding requests (they carry an image) and draft
// requests with the scripted replies.
func respond(req *api.ChatRequest) ollamatest.Reply {
	for _, m := range req.Messages {
		if len(m.Images) > 0 {
			return ollamatest.Reply{Content: groundReply}
		}
	}
	return ollamatest.Reply{Content: draftReply}
}

func testModels(groundLatency, draftLatency time.Duration, capacity int, digest string) []ollamatest.Model {
	return []ollamatest.Model{
		{Name: groundModel, Capabilities: []string{"completion", "vision"}, Latency: groundLatency, Capacity: capacity, Respond: respond, Digest: digest},
		{Name: draftModel, Capabilities: []string{"completion"}, Latency: draftLatency, Capacity: capacity, Respond: respond},
	}
}

func schedServer(t testing.TB, models ...ollamatest.Model) *ollamatest.Server {
	srv := ollamatest.NewServer(models...)
	t.Cleanup(srv.Close)
	return srv
}

func schedOptions() ollama.Options {
	o := ollama.DefaultOptions()
	o.Timeout = 2 * time.Second
	o.Retries = 2
	o.Backoff = 5 * time.Millisecond
	return o
}

func schedHost(t testing.TB, url string, opt ollama.Options) *ollama.Host {
	h, err := ollama.NewHost(url, opt)
	require.NoError(t, err)
	return h
}

// openStore opens a store in a fresh directory, on tmpfs when the machine
// has one: the store commits durably (an fsync per record), which on a slow
// disk would dominate these tests' time without testing anything more.
func openStore(t testing.TB, _ string) *store.Store {
	dir := ""
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		d, err := os.MkdirTemp("/dev/shm", "cxr-pipeline-test-")
		if err == nil {
			dir = d
			t.Cleanup(func() { os.RemoveAll(d) })
		}
	}
	if dir == "" {
		dir = t.TempDir()
	}
	st, err := store.Open(context.Background(), filepath.Join(dir, "test.cxr.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st
}

// makeItems writes n synthetic 64x48 images (distinct pixels) and returns
// one item per image.
func makeItems(t testing.TB, dir string, n int) []audit.Item {
	items := make([]audit.Item, n)
	for i := range items {
		p := filepath.Join(dir, fmt.Sprintf("img%03d.png", i))
		data := syntheticPNG(t, 64+i%2, 48, i)
		require.NoError(t, os.WriteFile(p, data, 0o644))
		items[i] = audit.Item{ID: fmt.Sprintf("item-%03d", i), ImagePath: p, Draft: fmt.Sprintf("Case %d. No pneumothorax.", i)}
	}
	return items
}

// runAll runs items on a new scheduler and returns the results by id and
// every update in order.
func runAll(t testing.TB, cfg Config, items []audit.Item) (map[string]*audit.Result, []audit.Update) {
	t.Helper()
	s, err := NewScheduler(cfg)
	require.NoError(t, err)
	results := map[string]*audit.Result{}
	var updates []audit.Update
	err = s.RunAll(context.Background(), items, func(u audit.Update) {
		updates = append(updates, u)
		if u.Result != nil {
			results[u.ItemID] = u.Result
		}
	})
	require.NoError(t, err)
	return results, updates
}

func baseConfig(st *store.Store, hosts ...*ollama.Host) Config {
	cfg := Config{Hosts: hosts, GroundingModel: groundModel, DraftModel: draftModel, Urgent: schema.DefaultUrgent()}
	if st != nil { // a nil *store.Store in the interface would not be a nil Cache
		cfg.Store = st
	}
	return cfg
}

// TestSchedulerRunsBothStages runs both stages in each model-input
// geometry: squash (the default: the image as it is, boxes apply to it
// directly) and pad (a square; boxes mapped back, a box in the padding
// dropped).
func TestSchedulerRunsBothStages(t *testing.T) {
	for _, geo := range []radiograph.ModelGeometry{radiograph.ModelSquash, radiograph.ModelPad} {
		t.Run(string(geo), func(t *testing.T) { testRunsBothStages(t, geo) })
	}
}

func testRunsBothStages(t *testing.T, geo radiograph.ModelGeometry) {
	dir := t.TempDir()
	srv := schedServer(t, testModels(0, 0, 1, "")...)
	st := openStore(t, dir)
	items := makeItems(t, dir, 5)
	cfg := baseConfig(st, schedHost(t, srv.URL(), schedOptions()))
	if geo == radiograph.ModelPad {
		cfg.ModelInput = geo // "" is squash
	}
	results, updates := runAll(t, cfg, items)

	require.Len(t, results, len(items))
	for _, it := range items {
		r := results[it.ID]
		require.NotNil(t, r, it.ID)
		require.Equal(t, audit.StatusDone, r.Status, r.Err)
		assert.False(t, r.Cached)
		assert.Equal(t, string(geo), r.Grounding.ModelInput, "recorded on the stage record")
		require.Len(t, r.Findings, 2)
		assert.Equal(t, schema.Pneumothorax, r.Findings[0].Label)
		require.NotNil(t, r.Findings[0].Box)
		if geo == radiograph.ModelPad {
			// The model saw a 64x64 (or 65x65) square with the
			// 48-pixel-high image centred: boxes come back in the
			// original image's frame.
			side := float64(64 + 0)
			if strings.HasSuffix(it.ID, "1") || strings.HasSuffix(it.ID, "3") {
				side = 65
			}
			off := float64(int(side-48) / 2)
			assert.InDelta(t, (0.25*side-off)/48, r.Findings[0].Box.Y0, 1e-9)
			assert.InDelta(t, (0.75*side-off)/48, r.Findings[0].Box.Y1, 1e-9)
			// The nodule box lies in the top padding: dropped, label kept, noted.
			assert.Equal(t, schema.Finding{Label: schema.NoduleMass}, r.Findings[1])
			assert.Contains(t, fmt.Sprint(r.Grounding.Diagnostics.Notes), "dropped_box")
		} else {
			// The server's own resize was the only geometry change: the
			// boxes apply to the image as the model gave them.
			assert.Equal(t, schema.Box{Y0: 0.25, X0: 0.5, Y1: 0.75, X1: 0.75}, *r.Findings[0].Box)
			assert.Equal(t, schema.Box{Y0: 0, X0: 0.1, Y1: 0.1, X1: 0.2}, *r.Findings[1].Box)
			assert.NotContains(t, fmt.Sprint(r.Grounding.Diagnostics.Notes), "dropped_box")
		}
		require.NotNil(t, r.Report)
		assert.True(t, r.Report.Urgent)
		kinds := map[schema.Label]audit.Kind{}
		for _, d := range r.Report.Disagreements {
			kinds[d.Label] = d.Kind
		}
		assert.Equal(t, audit.ContradictedByImage, kinds[schema.Pneumothorax])
		assert.Equal(t, audit.MissedInDraft, kinds[schema.NoduleMass])

		// Provenance: both records carry their key inputs.
		assert.Equal(t, HashDraft(it.Draft), r.Draft.DraftHash)
		data, err := os.ReadFile(it.ImagePath)
		require.NoError(t, err)
		assert.Equal(t, HashBytes(data), r.Grounding.ImageHash)
		assert.Equal(t, provenanceOf(*r.Grounding).Key(), r.Grounding.Key)
		assert.Equal(t, provenanceOf(*r.Draft).Key(), r.Draft.Key)
		assert.NotEmpty(t, r.Grounding.ModelDigest)

		// Stored: both stage records and the result.
		rr, ok, err := st.GetResult(context.Background(), it.ID)
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, r.Grounding.Key, rr.GroundingKey)
		assert.Equal(t, r.Draft.Key, rr.DraftKey)
		assert.Equal(t, r.Report, rr.Report)
		g, ok, err := st.GetStage(context.Background(), rr.GroundingKey)
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, string(geo), g.ModelInput)
	}
	// What the model saw: the image's own aspect ratio, or a square.
	for _, req := range srv.Requests() {
		for _, m := range req.Messages {
			for _, img := range m.Images {
				c, err := png.DecodeConfig(bytes.NewReader(img))
				require.NoError(t, err)
				assert.Equal(t, geo == radiograph.ModelPad, c.Width == c.Height, "%dx%d", c.Width, c.Height)
			}
		}
	}
	// Stage-level updates: each stage ran and finished, for every item.
	seen := map[string]int{}
	for _, u := range updates {
		seen[fmt.Sprintf("%s/%s", u.Stage, u.Status)]++
	}
	assert.Equal(t, len(items), seen["grounding/running"])
	assert.Equal(t, len(items), seen["grounding/done"])
	assert.Equal(t, len(items), seen["draft/running"])
	assert.Equal(t, len(items), seen["draft/done"])
	assert.Equal(t, len(items), seen["/done"])
	assert.Equal(t, len(items), srv.Stats(groundModel).Served)
	assert.Equal(t, len(items), srv.Stats(draftModel).Served)
}

// TestSchedulerModelInputInKey: the geometry is part of the grounding
// key: switching it calls the grounding model again, not the draft's.
func TestSchedulerModelInputInKey(t *testing.T) {
	dir := t.TempDir()
	srv := schedServer(t, testModels(0, 0, 1, "")...)
	st := openStore(t, dir)
	items := makeItems(t, dir, 2)
	host := schedHost(t, srv.URL(), schedOptions())
	runAll(t, baseConfig(st, host), items)
	cfg := baseConfig(st, host)
	cfg.ModelInput = radiograph.ModelPad
	res, _ := runAll(t, cfg, items)
	assert.Equal(t, 2*len(items), srv.Stats(groundModel).Served)
	assert.Equal(t, len(items), srv.Stats(draftModel).Served)
	for _, it := range items {
		assert.False(t, res[it.ID].Cached)
	}
	cfg.ModelInput = "sideways"
	_, err := NewScheduler(cfg)
	require.ErrorContains(t, err, "want squash or pad")
}

func TestSchedulerCacheAndProvenance(t *testing.T) {
	dir := t.TempDir()
	srv := schedServer(t, testModels(0, 0, 1, "")...)
	st := openStore(t, dir)
	items := makeItems(t, dir, 4)
	host := schedHost(t, srv.URL(), schedOptions())
	first, _ := runAll(t, baseConfig(st, host), items)

	// Same provenance: everything from the store, no model call.
	before := len(srv.Requests())
	again, _ := runAll(t, baseConfig(st, host), items)
	assert.Len(t, srv.Requests(), before)
	for _, it := range items {
		require.True(t, again[it.ID].Cached, it.ID)
		assert.Equal(t, first[it.ID].Report, again[it.ID].Report)
		assert.Equal(t, first[it.ID].Findings, again[it.ID].Findings)
	}

	// A changed draft recomputes only that item's draft stage.
	changed := append([]audit.Item(nil), items...)
	changed[0].Draft = "Small right pneumothorax."
	gBefore, dBefore := srv.Stats(groundModel).Served, srv.Stats(draftModel).Served
	res, _ := runAll(t, baseConfig(st, host), changed)
	assert.Equal(t, gBefore, srv.Stats(groundModel).Served)
	assert.Equal(t, dBefore+1, srv.Stats(draftModel).Served)
	assert.False(t, res[items[0].ID].Cached)

	// A changed option recomputes every stage.
	opt := schedOptions()
	opt.NumCtx = 4096
	runAll(t, baseConfig(st, schedHost(t, srv.URL(), opt)), items)
	assert.Equal(t, gBefore+len(items), srv.Stats(groundModel).Served)

	// A changed model digest (the model was re-pulled) recomputes that
	// model's stage only.
	srv2 := schedServer(t, testModels(0, 0, 1, strings.Repeat("ab", 32))...)
	runAll(t, baseConfig(st, schedHost(t, srv2.URL(), schedOptions())), items)
	assert.Equal(t, len(items), srv2.Stats(groundModel).Served)
	assert.Zero(t, srv2.Stats(draftModel).Served)

	// Rerun ignores the cache.
	s, err := NewScheduler(baseConfig(st, schedHost(t, srv2.URL(), schedOptions())))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)
	s.Rerun(items[1])
	for u := range s.Updates() {
		if u.Result != nil {
			require.Equal(t, items[1].ID, u.ItemID)
			assert.False(t, u.Result.Cached)
			cancel()
		}
	}
	assert.Equal(t, len(items)+1, srv2.Stats(groundModel).Served)
	assert.Equal(t, 1, srv2.Stats(draftModel).Served)
}

func TestSchedulerFaults(t *testing.T) {
	tests := []struct {
		name  string
		fault ollamatest.Fault
		model string
		want  string // in the failed item's error; "" = the host's retries absorb the fault
	}{
		// The stall is cut by the host's per-call timeout (1s here).
		{"404 missing model", ollamatest.FaultNotFound, groundModel, "model not found"},
		{"500", ollamatest.FaultServerError, groundModel, "ollama server error"},
		{"503 busy then ok", ollamatest.FaultBusy, groundModel, ""},
		{"stream cut", ollamatest.FaultStreamCut, groundModel, "grounding"},
		{"stall and timeout", ollamatest.FaultStall, draftModel, "timed out"},
		{"malformed line", ollamatest.FaultMalformedLine, draftModel, "draft"},
		{"error line", ollamatest.FaultErrorLine, groundModel, "ollama server error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			srv := schedServer(t, testModels(5*time.Millisecond, 5*time.Millisecond, 1, "")...)
			st := openStore(t, dir)
			items := makeItems(t, dir, 4)
			opt := schedOptions()
			if tt.fault == ollamatest.FaultStall {
				opt.Timeout = time.Second
			}
			host := schedHost(t, srv.URL(), opt)
			srv.InjectFault(tt.model, tt.fault, 1)

			results, _ := runAll(t, baseConfig(st, host), items)
			require.Len(t, results, len(items))
			var failed []string
			salvaged := 0
			for _, it := range items {
				r := results[it.ID]
				if r.Salvaged {
					salvaged++
				}
				if r.Status == audit.StatusError {
					failed = append(failed, it.ID)
					assert.Contains(t, r.Err, tt.want)
					assert.Nil(t, r.Report)
				} else {
					require.Equal(t, audit.StatusDone, r.Status, r.Err)
				}
			}
			switch {
			case tt.want == "":
				for _, id := range failed {
					t.Log(results[id].Err)
				}
				require.Empty(t, failed)
				return
			case tt.fault == ollamatest.FaultStreamCut:
				// What arrived before the cut may be salvageable: then the
				// item is done but marked salvaged.
				require.Equal(t, 1, len(failed)+salvaged)
			default:
				require.Len(t, failed, 1)
			}
			if len(failed) == 1 {
				rr, ok, err := st.GetResult(context.Background(), failed[0])
				require.NoError(t, err)
				require.True(t, ok)
				assert.NotEmpty(t, rr.Error)
			}

			// The fault has cleared: a rerun completes the failed item and
			// serves the rest (and the failed item's good stage) from the store.
			before := len(srv.Requests())
			again, _ := runAll(t, baseConfig(st, host), items)
			assert.Len(t, srv.Requests(), before+1, "only the failed stage is called again")
			cached := 0
			for _, it := range items {
				require.Equal(t, audit.StatusDone, again[it.ID].Status, again[it.ID].Err)
				assert.False(t, again[it.ID].Salvaged)
				if again[it.ID].Cached {
					cached++
				}
			}
			assert.Equal(t, len(items)-1, cached)
		})
	}
}

func TestSchedulerBadImages(t *testing.T) {
	dir := t.TempDir()
	srv := schedServer(t, testModels(0, 0, 1, "")...)
	st := openStore(t, dir)
	items := makeItems(t, dir, 3)
	corrupt := filepath.Join(dir, "corrupt.png")
	require.NoError(t, os.WriteFile(corrupt, []byte("\x89PNG\r\n\x1a\nnot really"), 0o644))
	items = append(items,
		audit.Item{ID: "corrupt", ImagePath: corrupt, Draft: "No pneumothorax."},
		audit.Item{ID: "missing", ImagePath: filepath.Join(dir, "gone.png"), Draft: "No pneumothorax."})
	results, _ := runAll(t, baseConfig(st, schedHost(t, srv.URL(), schedOptions())), items)
	for _, it := range items[:3] {
		assert.Equal(t, audit.StatusDone, results[it.ID].Status)
	}
	for _, id := range []string{"corrupt", "missing"} {
		r := results[id]
		require.Equal(t, audit.StatusError, r.Status)
		assert.Contains(t, r.Err, "grounding")
		// The draft stage still ran and its labels are there.
		assert.NotEmpty(t, r.DraftLabels)
	}
	assert.Contains(t, results["corrupt"].Err, corrupt)
	assert.Contains(t, results["missing"].Err, "gone.png")
	assert.Equal(t, 3, srv.Stats(groundModel).Served)
}

func TestSchedulerCancel(t *testing.T) {
	dir := t.TempDir()
	srv := schedServer(t, testModels(time.Minute, time.Minute, 1, "")...)
	st := openStore(t, dir)
	items := makeItems(t, dir, 3)
	s, err := NewScheduler(baseConfig(st, schedHost(t, srv.URL(), schedOptions())))
	require.NoError(t, err)
	s.Submit(items)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runErr := make(chan error, 1)
	go func() { runErr <- s.Run(ctx) }()
	var got []audit.Update
	for u := range s.Updates() {
		got = append(got, u)
		if u.Stage == audit.StageGrounding && u.Status == audit.StatusRunning {
			cancel()
		}
	}
	require.NoError(t, <-runErr)
	for _, u := range got {
		assert.Nil(t, u.Result, "a cancelled call is not a result")
	}
	for _, it := range items {
		_, ok, err := st.GetResult(context.Background(), it.ID)
		require.NoError(t, err)
		assert.False(t, ok)
	}
	// Every call was cancelled: nothing in flight on the server.
	assert.Eventually(t, func() bool { return srv.Stats(groundModel).InFlight == 0 }, 5*time.Second, 10*time.Millisecond)
}

// TestSchedulerKeepsFinishedStagesOnCancel: the fast draft stage finishes,
// the slow grounding is cancelled; the draft record is kept and served from
// the store by the next run.
func TestSchedulerKeepsFinishedStagesOnCancel(t *testing.T) {
	dir := t.TempDir()
	srv := schedServer(t, testModels(time.Minute, 0, 1, "")...)
	st := openStore(t, dir)
	items := makeItems(t, dir, 1)
	host := schedHost(t, srv.URL(), schedOptions())
	s, err := NewScheduler(baseConfig(st, host))
	require.NoError(t, err)
	s.Submit(items)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)
	for u := range s.Updates() {
		if u.Stage == audit.StageDraft && u.Status == audit.StatusDone {
			cancel()
		}
	}
	srv2 := schedServer(t, testModels(0, 0, 1, "")...)
	results, _ := runAll(t, baseConfig(st, schedHost(t, srv2.URL(), schedOptions())), items)
	assert.Equal(t, audit.StatusDone, results[items[0].ID].Status)
	assert.Equal(t, 1, srv2.Stats(groundModel).Served)
	assert.Zero(t, srv2.Stats(draftModel).Served, "the draft stage finished before the cancel and was kept")
}

func TestSchedulerHostsShareWork(t *testing.T) {
	dir := t.TempDir()
	a := schedServer(t, testModels(10*time.Millisecond, 5*time.Millisecond, 4, "")...)
	b := schedServer(t, testModels(10*time.Millisecond, 5*time.Millisecond, 4, "")...)
	items := makeItems(t, dir, 16)
	cfg := baseConfig(nil, schedHost(t, a.URL(), schedOptions()), schedHost(t, b.URL(), schedOptions()))
	cfg.Capacity = 2
	results, _ := runAll(t, cfg, items)
	for _, it := range items {
		require.Equal(t, audit.StatusDone, results[it.ID].Status, results[it.ID].Err)
	}
	for _, srv := range []*ollamatest.Server{a, b} {
		for _, m := range []string{groundModel, draftModel} {
			stats := srv.Stats(m)
			assert.Positive(t, stats.Served, m)
			assert.LessOrEqual(t, stats.MaxConcurrent, 2, "at most Capacity calls per model per host")
		}
	}
	assert.Equal(t, 16, a.Stats(groundModel).Served+b.Stats(groundModel).Served)
}

// TestSchedulerFailover: a host that keeps answering 503 after its own
// retries does not fail the items: each job is tried once more on the
// healthy host.
func TestSchedulerFailover(t *testing.T) {
	dir := t.TempDir()
	bad := schedServer(t, testModels(0, 0, 1, "")...)
	good := schedServer(t, testModels(5*time.Millisecond, 5*time.Millisecond, 1, "")...)
	bad.InjectFault(groundModel, ollamatest.FaultBusy, 1000)
	bad.InjectFault(draftModel, ollamatest.FaultBusy, 1000)
	opt := schedOptions()
	opt.Retries = 0
	items := makeItems(t, dir, 6)
	var mu sync.Mutex
	var logs []string
	cfg := baseConfig(nil, schedHost(t, bad.URL(), opt), schedHost(t, good.URL(), opt))
	cfg.Logf = func(f string, a ...any) { mu.Lock(); logs = append(logs, fmt.Sprintf(f, a...)); mu.Unlock() }
	results, _ := runAll(t, cfg, items)
	for _, it := range items {
		require.Equal(t, audit.StatusDone, results[it.ID].Status, results[it.ID].Err)
		assert.Equal(t, good.URL(), results[it.ID].Grounding.Host)
	}
	assert.Positive(t, bad.Stats(groundModel).Requests)
	assert.Equal(t, len(items), good.Stats(groundModel).Served)
}

// TestSchedulerUnreachableHost: a host that is down at start is left out
// with a warning; the other does the work.
func TestSchedulerUnreachableHost(t *testing.T) {
	dir := t.TempDir()
	down := ollamatest.NewServer(testModels(0, 0, 1, "")...)
	downURL := down.URL()
	down.Close()
	up := schedServer(t, testModels(0, 0, 1, "")...)
	opt := schedOptions()
	opt.Retries = 0
	var mu sync.Mutex
	var logs []string
	cfg := baseConfig(nil, schedHost(t, downURL, opt), schedHost(t, up.URL(), opt))
	cfg.Logf = func(f string, a ...any) { mu.Lock(); logs = append(logs, fmt.Sprintf(f, a...)); mu.Unlock() }
	items := makeItems(t, dir, 3)
	results, _ := runAll(t, cfg, items)
	for _, it := range items {
		require.Equal(t, audit.StatusDone, results[it.ID].Status, results[it.ID].Err)
	}
	mu.Lock()
	defer mu.Unlock()
	assert.Contains(t, strings.Join(logs, "\n"), downURL)
}

// TestSchedulerModelMissingEverywhere: with no host serving the grounding
// model, every item fails saying so with the fix, and no model call is
// made at all (the draft stage would be wasted: about 10 s an item on a
// CPU server).
func TestSchedulerModelMissingEverywhere(t *testing.T) {
	dir := t.TempDir()
	srv := schedServer(t, testModels(0, 0, 1, "")[1])
	items := makeItems(t, dir, 2)
	results, _ := runAll(t, baseConfig(nil, schedHost(t, srv.URL(), schedOptions())), items)
	for _, it := range items {
		r := results[it.ID]
		require.Equal(t, audit.StatusError, r.Status)
		assert.Contains(t, r.Err, "grounding model "+groundModel+" is not on any Ollama host")
		assert.Contains(t, r.Err, "ollama create "+groundModel)
	}
	assert.Zero(t, srv.Stats(draftModel).Requests, "no /api/chat was sent")
}

// TestSchedulerModelMissingServesCache: with the grounding model gone
// from a host that answers, the stored results are still served (they
// used to fail "not on any Ollama host", though the store held them: the
// grounding record was looked up without its image's hash).
func TestSchedulerModelMissingServesCache(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t, dir)
	full := schedServer(t, testModels(0, 0, 1, "")...)
	items := makeItems(t, dir, 2)
	first, _ := runAll(t, baseConfig(st, schedHost(t, full.URL(), schedOptions())), items)
	for _, it := range items {
		require.Equal(t, audit.StatusDone, first[it.ID].Status, first[it.ID].Err)
	}
	gone := schedServer(t, testModels(0, 0, 1, "")[1]) // the grounding model deleted
	again, _ := runAll(t, baseConfig(st, schedHost(t, gone.URL(), schedOptions())), items)
	for _, it := range items {
		r := again[it.ID]
		require.Equal(t, audit.StatusDone, r.Status, r.Err)
		assert.True(t, r.Cached)
		assert.True(t, r.Unverified, "no host confirmed the digest")
	}
	assert.Zero(t, gone.Stats(draftModel).Requests, "no /api/chat was sent")
}

func TestSchedulerDigestMismatchWarns(t *testing.T) {
	dir := t.TempDir()
	a := schedServer(t, testModels(0, 0, 1, strings.Repeat("aa", 32))...)
	b := schedServer(t, testModels(0, 0, 1, strings.Repeat("bb", 32))...)
	var mu sync.Mutex
	var logs []string
	st := openStore(t, dir)
	cfg := baseConfig(st, schedHost(t, a.URL(), schedOptions()), schedHost(t, b.URL(), schedOptions()))
	cfg.Logf = func(f string, a ...any) { mu.Lock(); logs = append(logs, fmt.Sprintf(f, a...)); mu.Unlock() }
	items := makeItems(t, dir, 4)
	results, _ := runAll(t, cfg, items)
	mu.Lock()
	assert.Contains(t, strings.Join(logs, "\n"), "different builds of "+groundModel)
	mu.Unlock()
	for _, it := range items {
		r := results[it.ID]
		require.Equal(t, audit.StatusDone, r.Status)
		// The key carries the digest of the host that ran the call.
		want := strings.Repeat("aa", 32)
		if r.Grounding.Host == b.URL() {
			want = strings.Repeat("bb", 32)
		}
		assert.Equal(t, want, r.Grounding.ModelDigest)
	}
	// Both builds' records are found again: a rerun is fully cached.
	again, _ := runAll(t, cfg, items)
	for _, it := range items {
		assert.True(t, again[it.ID].Cached)
	}
}

func TestSchedulerQueueOrder(t *testing.T) {
	items := makeItems(t, t.TempDir(), 10)
	s, err := newScheduler(baseConfig(nil), []stageRunner{schedHost(t, "http://127.0.0.1:1", schedOptions())})
	require.NoError(t, err)
	s.Register(items)
	s.Submit(items[:5])
	s.Submit(items[:2]) // idempotent
	s.Focus(items[8].ID, []string{items[9].ID, "unknown", items[1].ID, items[2].ID, items[3].ID})
	s.Focus(items[6].ID, nil) // a later focus goes first
	s.Rerun(items[4])         // front of the queue
	var order []string
	for s.q.pending.Len() > 0 {
		order = append(order, heap.Pop(&s.q.pending).(*itemState).item.ID)
	}
	// Prefetch (3) cut the ahead list after items[1]; items[5] and [7]
	// are registered only.
	want := []string{items[4].ID, items[6].ID, items[8].ID, items[9].ID, items[1].ID, items[0].ID, items[2].ID, items[3].ID}
	assert.Equal(t, want, order)
	assert.True(t, s.q.items[items[4].ID].noCache)
}

// TestSchedulerFocusWhileRunning: the item the reviewer opens mid-run
// finishes right after the calls already in flight.
func TestSchedulerFocusWhileRunning(t *testing.T) {
	dir := t.TempDir()
	srv := schedServer(t, testModels(20*time.Millisecond, 5*time.Millisecond, 1, "")...)
	items := makeItems(t, dir, 12)
	s, err := NewScheduler(baseConfig(nil, schedHost(t, srv.URL(), schedOptions())))
	require.NoError(t, err)
	var order []string
	focused := false
	require.NoError(t, s.RunAll(context.Background(), items, func(u audit.Update) {
		if u.Result == nil {
			return
		}
		order = append(order, u.ItemID)
		if !focused {
			focused = true
			s.Focus(items[11].ID, nil)
		}
	}))
	require.Len(t, order, len(items))
	pos := slices.Index(order, items[11].ID)
	assert.LessOrEqual(t, pos, 3, "order %v", order)
}

func TestSchedulerPrefetchOnlyQueuesFocus(t *testing.T) {
	dir := t.TempDir()
	srv := schedServer(t, testModels(0, 0, 1, "")...)
	items := makeItems(t, dir, 6)
	s, err := NewScheduler(Config{Hosts: []*ollama.Host{schedHost(t, srv.URL(), schedOptions())},
		GroundingModel: groundModel, DraftModel: draftModel, Prefetch: 2})
	require.NoError(t, err)
	s.Register(items)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)
	s.Focus(items[0].ID, []string{items[1].ID, items[2].ID, items[3].ID})
	done := map[string]bool{}
	for u := range s.Updates() {
		if u.Result != nil {
			done[u.ItemID] = true
			if len(done) == 3 {
				cancel()
			}
		}
	}
	assert.Equal(t, map[string]bool{items[0].ID: true, items[1].ID: true, items[2].ID: true}, done)
	assert.Equal(t, 3, srv.Stats(groundModel).Served, "only the focused item and Prefetch=2 ahead ran")
	// Lookup serves the in-memory results (no store) for the current draft only.
	r, ok := s.Lookup(context.Background(), items[1])
	require.True(t, ok)
	assert.Equal(t, items[1].ID, r.ItemID)
	changed := items[1]
	changed.Draft = "Something else."
	_, ok = s.Lookup(context.Background(), changed)
	assert.False(t, ok)
	_, ok = s.Lookup(context.Background(), items[4])
	assert.False(t, ok)
}

func TestSchedulerLookup(t *testing.T) {
	dir := t.TempDir()
	srv := schedServer(t, testModels(0, 0, 1, "")...)
	st := openStore(t, dir)
	items := makeItems(t, dir, 2)
	host := schedHost(t, srv.URL(), schedOptions())
	first, _ := runAll(t, baseConfig(st, host), items)

	s, err := NewScheduler(baseConfig(st, host))
	require.NoError(t, err)
	// Before Run: the stored digest is trusted, nothing is called.
	before := len(srv.Requests())
	r, ok := s.Lookup(context.Background(), items[0])
	require.True(t, ok)
	assert.True(t, r.Cached)
	assert.Equal(t, first[items[0].ID].Report, r.Report)
	assert.Equal(t, first[items[0].ID].Findings, r.Findings)
	assert.Len(t, srv.Requests(), before)

	changed := items[0]
	changed.Draft = "Cardiomegaly."
	_, ok = s.Lookup(context.Background(), changed)
	assert.False(t, ok, "a changed draft is not served")
	_, ok = s.Lookup(context.Background(), audit.Item{ID: "unknown"})
	assert.False(t, ok)

	// With other options, the stored result is not current.
	opt := schedOptions()
	opt.Seed = 7
	s2, err := NewScheduler(baseConfig(st, schedHost(t, srv.URL(), opt)))
	require.NoError(t, err)
	_, ok = s2.Lookup(context.Background(), items[0])
	assert.False(t, ok)
}

func TestSchedulerUpdatesDoNotBlockWorkers(t *testing.T) {
	// Nobody reads Updates while 60 items run: the workers must not stall
	// (the updates wait in the internal queue) and every item gets stored.
	dir := t.TempDir()
	srv := schedServer(t, testModels(0, 0, 1, "")...)
	st := openStore(t, dir)
	items := makeItems(t, dir, 60)
	// More updates than the channel's buffer.
	require.Greater(t, 5*len(items), updatesBuffer)
	s, err := NewScheduler(baseConfig(st, schedHost(t, srv.URL(), schedOptions())))
	require.NoError(t, err)
	s.Submit(items)
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() { runErr <- s.Run(ctx) }()
	require.Eventually(t, func() bool {
		rs, err := st.Results(context.Background())
		return err == nil && len(rs) == len(items)
	}, 20*time.Second, 20*time.Millisecond)
	cancel()
	require.NoError(t, <-runErr)
}

func TestNewSchedulerValidates(t *testing.T) {
	h := schedHost(t, "http://127.0.0.1:1", schedOptions())
	for _, cfg := range []Config{
		{GroundingModel: "g", DraftModel: "d"},
		{Hosts: []*ollama.Host{h}, DraftModel: "d"},
		{Hosts: []*ollama.Host{h}, GroundingModel: "g"},
		{Hosts: []*ollama.Host{h}, GroundingModel: "g", DraftModel: "d", Capacity: -1},
		{Hosts: []*ollama.Host{nil}, GroundingModel: "g", DraftModel: "d"},
	} {
		_, err := NewScheduler(cfg)
		assert.Error(t, err)
	}
	s, err := NewScheduler(Config{Hosts: []*ollama.Host{h}, GroundingModel: "g", DraftModel: "d"})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.NoError(t, s.Run(ctx))
	assert.Error(t, s.Run(ctx), "Run twice")
}

// TestSchedulerFailedRerunKeepsGoodRecords: a Rerun that fails must not
// lose what was stored: the good stage records stay and the next normal run
// serves them without calling the model.
func TestSchedulerFailedRerunKeepsGoodRecords(t *testing.T) {
	dir := t.TempDir()
	srv := schedServer(t, testModels(0, 0, 1, "")...)
	st := openStore(t, dir)
	items := makeItems(t, dir, 2)
	host := schedHost(t, srv.URL(), schedOptions())
	first, _ := runAll(t, baseConfig(st, host), items)
	goodKey := first[items[0].ID].Grounding.Key

	srv.InjectFault(groundModel, ollamatest.FaultServerError, 1)
	s, err := NewScheduler(baseConfig(st, host))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)
	s.Rerun(items[0])
	for u := range s.Updates() {
		if u.Result != nil {
			assert.Equal(t, audit.StatusError, u.Result.Status)
			assert.Equal(t, goodKey, u.Result.Grounding.Key)
			assert.NotEmpty(t, u.Result.Grounding.Raw+u.Result.Grounding.Error)
			cancel()
		}
	}
	rec, ok, err := st.GetStage(context.Background(), goodKey)
	require.NoError(t, err)
	require.True(t, ok, "the good record is still served")
	assert.Empty(t, rec.Error)

	served := srv.Stats(groundModel).Served
	again, _ := runAll(t, baseConfig(st, host), items)
	assert.Equal(t, served, srv.Stats(groundModel).Served)
	for _, it := range items {
		assert.Equal(t, audit.StatusDone, again[it.ID].Status)
		assert.True(t, again[it.ID].Cached)
	}
}
