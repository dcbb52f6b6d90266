package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/labeler"
	"github.com/cxr-auditor/cxr-auditor/pipeline"
	"github.com/cxr-auditor/cxr-auditor/prompts"
	"github.com/cxr-auditor/cxr-auditor/session"
	"github.com/cxr-auditor/cxr-auditor/store"
	"github.com/cxr-auditor/cxr-auditor/worklist"
)

// The demo is synthetic: phantoms drawn by code, hand-written outputs.
var demoDir = filepath.Join("..", "..", "testdata", "demo")

// smallDemo copies the listed items of the demo (worklist rows and their
// recorded outputs) into a temporary directory, the worklist pointing at the
// committed images, so that tests start quickly and can create and delete
// stores beside it without touching testdata.
func smallDemo(t *testing.T, ids ...string) string {
	t.Helper()
	dir := t.TempDir()
	wl, err := worklist.Load(t.Context(), filepath.Join(demoDir, session.DemoWorklist), worklist.AllowOutsidePaths())
	require.NoError(t, err)
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	require.NoError(t, w.Write([]string{"id", "image", "draft"}))
	for _, it := range wl.Items {
		if slices.Contains(ids, it.ID) {
			abs, err := filepath.Abs(it.ImagePath)
			require.NoError(t, err)
			require.NoError(t, w.Write([]string{it.ID, abs, it.Draft}))
		}
	}
	w.Flush()
	require.NoError(t, os.WriteFile(filepath.Join(dir, session.DemoWorklist), b.Bytes(), 0o644))

	rec, err := os.Open(filepath.Join(demoDir, session.DemoRecording))
	require.NoError(t, err)
	defer rec.Close()
	var out bytes.Buffer
	sc := bufio.NewScanner(rec)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line struct{ ID string }
		require.NoError(t, json.Unmarshal(sc.Bytes(), &line))
		if slices.Contains(ids, line.ID) {
			out.Write(sc.Bytes())
			out.WriteByte('\n')
		}
	}
	require.NoError(t, sc.Err())
	require.NoError(t, os.WriteFile(filepath.Join(dir, session.DemoRecording), out.Bytes(), 0o644))
	return dir
}

// Two small demo items: a draft asserting what the image lacks, and the
// draft with hostile escape sequences.
var smallIDs = []string{"demo-07-unsupported", "demo-10-hostile-draft"}

func TestDemoUsageErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{"missing demo dir", []string{"--dir", missing}, 1, "run it from the repository root or pass --dir"},
		{"unknown graphics", []string{"--dir", missing, "--graphics", "telepathy"}, 2, `unknown graphics protocol "telepathy"`},
		{"stray argument", []string{"worklist.csv"}, 2, "demo takes no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := invokeMain(t, "", append([]string{"demo"}, tt.args...)...)
			assert.Equal(t, tt.wantCode, r.code)
			assert.Contains(t, r.stderr, tt.wantStderr)
			assert.Empty(t, r.stdout, "the terminal belongs to the TUI: nothing on stdout")
		})
	}
}

func TestStartDemoServesTheRecording(t *testing.T) {
	ctx := t.Context()
	dir := smallDemo(t, "demo-10-hostile-draft")
	d, err := session.StartDemo(ctx, session.DemoOptions{Dir: dir, Fast: true})
	require.NoError(t, err)
	t.Cleanup(d.Close)
	assert.Equal(t, filepath.Join(dir, "worklist.cxr.db"), d.DB, "the store lives beside the demo worklist")

	info, err := d.Host.ModelInfo(ctx, prompts.DefaultGroundingModel)
	require.NoError(t, err)
	assert.True(t, info.Has("vision"))
	wl, err := worklist.Load(ctx, d.Worklist, worklist.AllowOutsidePaths())
	require.NoError(t, err)
	require.Len(t, wl.Items, 1)
	rec, err := d.Host.ParseDraft(ctx, prompts.DefaultDraftModel, wl.Items[0].Draft, true)
	require.NoError(t, err)
	require.NotEmpty(t, rec.Labels)
	assert.Equal(t, "cardiomegaly", string(rec.Labels[0].Label))
	assert.NotContains(t, rec.Raw, "\x1b", "the recorded output holds no escape")
}

// demoStore creates a store at path holding the given items.
func demoStore(t *testing.T, path string, items ...audit.ItemRecord) {
	t.Helper()
	s, err := store.Open(t.Context(), path)
	require.NoError(t, err)
	require.NoError(t, s.PutItems(t.Context(), items))
	require.NoError(t, s.Close())
}

func TestRemoveDemoStore(t *testing.T) {
	ctx := t.Context()
	dir := smallDemo(t, smallIDs...)
	wlPath := filepath.Join(dir, session.DemoWorklist)
	wl, err := worklist.Load(ctx, wlPath, worklist.AllowOutsidePaths())
	require.NoError(t, err)
	own := audit.ItemRecord{ID: wl.Items[0].ID, Image: wl.Items[0].ImagePath, Draft: wl.Items[0].Draft}
	// The same demo item stored by a run from another working directory.
	ownElsewhere := audit.ItemRecord{ID: wl.Items[1].ID, Image: filepath.Join("elsewhere", filepath.Base(wl.Items[1].ImagePath)), Seq: 1}

	tests := []struct {
		name    string
		setup   func(path string)
		wantErr string
		gone    bool
	}{
		{"missing store is fine", func(string) {}, "", true},
		{"the demo's own store", func(p string) {
			demoStore(t, p, own, ownElsewhere)
			require.NoError(t, os.WriteFile(p+"-shm", nil, 0o644))
		}, "", true},
		{"an empty store", func(p string) { demoStore(t, p) }, "", true},
		{"another worklist's store", func(p string) {
			demoStore(t, p, own, audit.ItemRecord{ID: "case-0042", Image: "/data/case-0042.dcm", Seq: 1})
		}, `not the demo's own store (it holds item "case-0042"`, false},
		{"same id, other image", func(p string) {
			demoStore(t, p, audit.ItemRecord{ID: own.ID, Image: "/data/other.png"})
		}, "not the demo's own store", false},
		{"not a store", func(p string) { require.NoError(t, os.WriteFile(p, []byte("precious"), 0o644)) }, "refusing to delete", false},
		{"a directory", func(p string) { require.NoError(t, os.Mkdir(p, 0o755)) }, "is a directory", false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "case"+string(rune('a'+i))+".cxr.db")
			tt.setup(path)
			// --fresh with --db names the store to delete.
			d, err := session.StartDemo(ctx, session.DemoOptions{Dir: dir, DB: path, Fast: true, Fresh: true})
			if err == nil {
				d.Close()
			}
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				_, serr := os.Stat(path)
				assert.NoError(t, serr, "left untouched")
				return
			}
			require.NoError(t, err)
			assert.NoFileExists(t, path)
			assert.NoFileExists(t, path+"-wal")
			assert.NoFileExists(t, path+"-shm")
		})
	}
}

func TestStartDemoFresh(t *testing.T) {
	ctx := t.Context()
	dir := smallDemo(t, "demo-07-unsupported")
	db := filepath.Join(dir, "worklist.cxr.db")
	wl, err := worklist.Load(ctx, filepath.Join(dir, session.DemoWorklist), worklist.AllowOutsidePaths())
	require.NoError(t, err)
	demoStore(t, db, audit.ItemRecord{ID: wl.Items[0].ID, Image: wl.Items[0].ImagePath})

	d, err := session.StartDemo(ctx, session.DemoOptions{Dir: dir, Fast: true})
	require.NoError(t, err)
	d.Close()
	assert.FileExists(t, db, "without --fresh the store is kept")

	d, err = session.StartDemo(ctx, session.DemoOptions{Dir: dir, Fast: true, Fresh: true})
	require.NoError(t, err)
	d.Close()
	assert.NoFileExists(t, db)

	// A foreign --db is never deleted, and the demo does not start.
	other := filepath.Join(t.TempDir(), "mine.cxr.db")
	demoStore(t, other, audit.ItemRecord{ID: "case-1", Image: "/data/case-1.png"})
	_, err = session.StartDemo(ctx, session.DemoOptions{Dir: dir, DB: other, Fast: true, Fresh: true})
	require.ErrorIs(t, err, session.ErrNotDemoStore)
	assert.FileExists(t, other)
}

// watchWriter collects output (safe for concurrent use) and tells waiters
// when it contains what they wait for.
type watchWriter struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	waiters map[string]chan struct{}
}

func newWatchWriter() *watchWriter { return &watchWriter{waiters: map[string]chan struct{}{}} }

// waitFor returns a channel closed once the output contains want.
func (w *watchWriter) waitFor(want string) <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	c := make(chan struct{})
	w.waiters[want] = c
	w.notifyLocked()
	return c
}

func (w *watchWriter) notifyLocked() {
	for want, c := range w.waiters {
		if bytes.Contains(w.buf.Bytes(), []byte(want)) {
			close(c)
			delete(w.waiters, want)
		}
	}
}

func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	w.notifyLocked()
	return n, err
}

func (w *watchWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// The whole demo path on two items: replay server, scheduler, store and
// TUI. The test waits for the urgent miss of the first item on screen, moves
// to the hostile draft and waits for its text, then quits with q. The
// draft's escape sequences must never reach the terminal.
func TestDemoEndToEndThroughTheWorkstation(t *testing.T) {
	for _, queueAll := range []bool{true, false} {
		t.Run(fmt.Sprintf("queueAll=%v", queueAll), func(t *testing.T) {
			testDemoEndToEnd(t, queueAll)
		})
	}
}

// testDemoEndToEnd runs the demo path; without queueAll only the TUI's
// Focus (the item under the cursor, then the prefetch window) starts work,
// as in review without --all.
func testDemoEndToEnd(t *testing.T, queueAll bool) {
	ctx := t.Context()
	dir := smallDemo(t, "demo-03-ptx-missed", "demo-10-hostile-draft")
	d, err := session.StartDemo(ctx, session.DemoOptions{Dir: dir, Fast: true})
	require.NoError(t, err)
	t.Cleanup(d.Close)

	keys, press := io.Pipe()
	t.Cleanup(func() { press.Close() })
	out := newWatchWriter()
	urgent := out.waitFor("URGENT")
	var errOut bytes.Buffer
	e := env{stdin: keys, stdout: out, stderr: &errOut, getenv: func(string) string { return "" }}
	cfg := d.Workstation(session.WorkstationConfig{Graphics: "text", Annotator: "tester"})
	cfg.Width, cfg.Height = 240, 40 // wide enough for the whole status bar
	cfg.QueueAll = queueAll
	ran := make(chan error, 1)
	go func() { ran <- session.Workstation(ctx, e.session(), cfg) }()

	step := func(seen <-chan struct{}, what string) {
		t.Helper()
		select {
		case <-seen:
		case err := <-ran:
			t.Fatalf("the workstation quit before showing %s: %v\n%s", what, err, errOut.String())
		}
	}
	step(urgent, "the urgent miss")
	hostile := out.waitFor("pleural effusion. No pneumothorax.")
	_, err = press.Write([]byte("j"))
	require.NoError(t, err)
	step(hostile, "the hostile draft")
	_, err = press.Write([]byte("q"))
	require.NoError(t, err)
	require.NoError(t, <-ran, errOut.String())

	screen := out.String()
	assert.True(t, strings.HasPrefix(screen, "\x1b"), "nothing but the TUI on stdout: %q", screen[:min(40, len(screen))])
	assert.Contains(t, screen, session.DemoStatus)
	assert.Contains(t, screen, "Enlarged cardiac silhouette consistent with cardiomegaly.")
	assert.NotContains(t, screen, "\x1b]52;", "the draft's OSC 52 never reaches the terminal")
	assert.NotContains(t, screen, "Y3hyLWF1ZGl0b3I=", "nor its payload")
	// The renderer clears the screen at start (and again when a busy
	// machine makes it repaint), always after moving the cursor home; the
	// draft's raw clear screen would come alone.
	assert.Positive(t, strings.Count(screen, "\x1b[H\x1b[2J"))
	assert.Equal(t, strings.Count(screen, "\x1b[H\x1b[2J"), strings.Count(screen, "\x1b[2J"), "every clear screen is the renderer's own")
	assert.Contains(t, screen, "store "+d.DB)
	assert.FileExists(t, d.DB)
}

// TestDemoRulesDraftModel: demo --draft-model rules runs the whole demo
// with no draft model: every item finishes (the one whose grounding is
// prose fails, as in the demo), the replay server gets no draft call, and
// each stored draft record names the rules and their digest. It watches
// the store, not the screen, for the end.
func TestDemoRulesDraftModel(t *testing.T) {
	ctx := t.Context()
	db := filepath.Join(t.TempDir(), "demo.cxr.db")
	d, err := session.StartDemo(ctx, session.DemoOptions{Dir: demoDir, DB: db, Fast: true})
	require.NoError(t, err)
	t.Cleanup(d.Close)
	cfg := d.Workstation(session.WorkstationConfig{Config: session.Config{DraftModel: pipeline.RulesDraftModel},
		Graphics: "text", Annotator: "tester"})
	require.Equal(t, pipeline.RulesDraftModel, cfg.DraftModel)
	cfg.Width, cfg.Height = 240, 40

	keys, press := io.Pipe()
	t.Cleanup(func() { press.Close() })
	var errOut bytes.Buffer
	e := env{stdin: keys, stdout: newWatchWriter(), stderr: &errOut, getenv: func(string) string { return "" }}
	ran := make(chan error, 1)
	go func() { ran <- session.Workstation(ctx, e.session(), cfg) }()
	results := waitForResults(t, db, 13, ran, &errOut)
	_, err = press.Write([]byte("q"))
	require.NoError(t, err)
	require.NoError(t, <-ran, errOut.String())

	assert.Zero(t, d.Calls(prompts.DefaultDraftModel), "no draft reached the replay server")
	assert.Positive(t, d.Calls(prompts.DefaultGroundingModel))
	rs, err := labeler.Default()
	require.NoError(t, err)
	st, err := store.Open(ctx, db, store.ReadOnly())
	require.NoError(t, err)
	defer st.Close()
	failed := 0
	for id, r := range results {
		if r.Error != "" {
			failed++
		}
		rec, ok, err := st.GetStage(ctx, r.DraftKey)
		require.NoError(t, err)
		require.True(t, ok, id)
		assert.Equal(t, pipeline.RulesDraftModel, rec.Model, id)
		assert.Equal(t, rs.Digest(), rec.ModelDigest, id)
	}
	assert.Equal(t, 1, failed, "only the item whose grounding is prose")
}

// waitForResults polls the store at db (read-only, beside the session
// that writes it) until it holds n results, and returns them; it fails if
// the session ends first.
func waitForResults(t *testing.T, db string, n int, ran <-chan error, errOut *bytes.Buffer) map[string]audit.ResultRecord {
	t.Helper()
	for {
		select {
		case err := <-ran:
			t.Fatalf("the workstation quit before the demo finished: %v\n%s", err, errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
		st, err := store.Open(t.Context(), db, store.ReadOnly())
		if err != nil {
			continue // not created yet
		}
		results, err := st.Results(t.Context())
		_ = st.Close()
		if err == nil && len(results) == n {
			return results
		}
	}
}
