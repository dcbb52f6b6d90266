package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ollama/ollama/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
	"github.com/cxr-auditor/cxr-auditor/store"
)

const (
	runGroundModel = "test-grounding"
	runDraftModel  = "test-draft"
)

// runServer serves synthetic replies: a pneumothorax in every image, a
// draft that denies it (one urgent disagreement per item).
func runServer(t testing.TB) *ollamatest.Server {
	respond := func(req *api.ChatRequest) ollamatest.Reply {
		for _, m := range req.Messages {
			if len(m.Images) > 0 {
				return ollamatest.Reply{Content: `[{"label":"pneumothorax","box_2d":[0.2,0.5,0.6,0.8]}]`}
			}
		}
		return ollamatest.Reply{Content: `[{"label":"pneumothorax","status":"absent","span":"No pneumothorax."}]`}
	}
	srv := ollamatest.NewServer(
		ollamatest.Model{Name: runGroundModel, Capabilities: []string{"completion", "vision"}, Respond: respond},
		ollamatest.Model{Name: runDraftModel, Capabilities: []string{"completion"}, Respond: respond},
	)
	t.Cleanup(srv.Close)
	return srv
}

// writeRunImage writes a small synthetic PNG whose first pixel is seed.
func writeRunImage(t testing.TB, path string, seed int) {
	img := image.NewGray(image.Rect(0, 0, 32, 24))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	img.SetGray(0, 0, color.Gray{Y: uint8(seed)})
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
}

// runWorklist writes n synthetic items plus the extra CSV lines and returns
// the worklist path.
func runWorklist(t *testing.T, dir string, n int, extra ...string) string {
	var b strings.Builder
	b.WriteString("id,image,draft\n")
	for i := range n {
		writeRunImage(t, filepath.Join(dir, fmt.Sprintf("c%d.png", i)), i)
		fmt.Fprintf(&b, "case-%d,c%d.png,Case %d. No pneumothorax.\n", i, i, i)
	}
	for _, l := range extra {
		b.WriteString(l + "\n")
	}
	p := filepath.Join(dir, "wl.csv")
	require.NoError(t, os.WriteFile(p, []byte(b.String()), 0o644))
	return p
}

func readRunLines(t *testing.T, data string) map[string]map[string]any {
	out := map[string]map[string]any{}
	sc := bufio.NewScanner(strings.NewReader(data))
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m), sc.Text())
		out[m["id"].(string)] = m
	}
	return out
}

func runArgs(srv *ollamatest.Server, wl string, more ...string) []string {
	return append([]string{"run", wl, "--ollama", srv.URL(), "--grounding-model", runGroundModel, "--draft-model", runDraftModel}, more...)
}

func TestRunCommand(t *testing.T) {
	dir := t.TempDir()
	srv := runServer(t)
	wl := runWorklist(t, dir, 3, "bad,missing.png,x", "case-0,c0.png,duplicate")
	out := filepath.Join(dir, "results.jsonl")

	r := invokeMain(t, "", runArgs(srv, wl, "--out", out)...)
	assert.Equal(t, 2, r.code, "bad worklist rows make the exit status 2; stderr: %s", r.stderr)
	assert.Contains(t, r.stderr, wl+":5: bad: image:")
	assert.Contains(t, r.stderr, wl+":6: case-0: duplicate id")
	assert.Contains(t, r.stderr, "3 of 3 items: 3 done, 0 failed, 0 salvaged, 0 cached, 3 urgent")
	assert.Contains(t, r.stderr, "--jobs auto: Ollama does not report how many calls a server runs at once", "how the calls in flight are chosen, without --jobs")
	assert.Empty(t, r.stdout)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	lines := readRunLines(t, string(data))
	require.Len(t, lines, 3)
	l := lines["case-1"]
	for _, k := range []string{"id", "image", "findings", "draft_labels", "disagreements", "urgent", "provenance", "timings", "salvaged", "cached"} {
		assert.Contains(t, l, k)
	}
	assert.NotContains(t, l, "error")
	assert.Equal(t, filepath.Join(dir, "c1.png"), l["image"])
	assert.Equal(t, true, l["urgent"])
	assert.Len(t, l["findings"], 1)
	prov := l["provenance"].(map[string]any)
	g := prov["grounding"].(map[string]any)
	assert.Equal(t, runGroundModel, g["model"])
	assert.NotEmpty(t, g["model_digest"])
	assert.NotEmpty(t, g["key"])
	assert.NotEmpty(t, g["input_hash"])
	assert.Contains(t, prov, "draft")
	assert.FileExists(t, filepath.Join(dir, "wl.cxr.db"), "the default store lives beside the worklist")
	st, err := store.Open(context.Background(), filepath.Join(dir, "wl.cxr.db"), store.ReadOnly())
	require.NoError(t, err)
	evs, err := st.Events(context.Background(), 0, 10)
	require.NoError(t, err)
	require.Len(t, evs, 2)
	assert.Equal(t, "run_start", evs[0].Kind)
	assert.Equal(t, "run_end", evs[1].Kind)
	assert.Contains(t, evs[1].Data, `"done":3`)
	items, err := st.Items(context.Background())
	require.NoError(t, err)
	assert.Len(t, items, 3)
	require.NoError(t, st.Close())

	// A clean worklist, run again: everything cached, exit 0, stdout output.
	wl = runWorklist(t, dir, 3)
	before := srv.Stats(runGroundModel).Served
	r = invokeMain(t, "", runArgs(srv, wl, "--jobs", "2")...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "3 done, 0 failed, 0 salvaged, 3 cached, 3 urgent")
	assert.NotContains(t, r.stderr, "Ollama does not report", "--jobs given")
	assert.Equal(t, before, srv.Stats(runGroundModel).Served)
	lines = readRunLines(t, r.stdout)
	require.Len(t, lines, 3)
	assert.Equal(t, true, lines["case-2"]["cached"])
}

func TestRunCommandFailures(t *testing.T) {
	dir := t.TempDir()
	srv := runServer(t)
	wl := runWorklist(t, dir, 3)
	srv.InjectFault(runGroundModel, ollamatest.FaultServerError, 1)
	r := invokeMain(t, "", runArgs(srv, wl, "--db", filepath.Join(dir, "x.db"))...)
	require.Equal(t, 2, r.code, r.stderr)
	assert.Contains(t, r.stderr, "1 failed")
	lines := readRunLines(t, r.stdout)
	require.Len(t, lines, 3)
	var failed map[string]any
	for _, l := range lines {
		if l["error"] != nil {
			failed = l
		}
	}
	require.NotNil(t, failed)
	assert.Contains(t, failed["error"], "grounding")
	assert.Nil(t, failed["findings"], "eval reads a failed grounding as no prediction")
	assert.Contains(t, r.stderr, failed["id"].(string)+" failed:")

	// The fault cleared: the rerun completes the failed item from where it was.
	r = invokeMain(t, "", runArgs(srv, wl, "--db", filepath.Join(dir, "x.db"))...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "3 done, 0 failed, 0 salvaged, 2 cached")
}

func TestRunCommandUsage(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"run"}, "want one WORKLIST"},
		{[]string{"run", "a", "b"}, "want one WORKLIST"},
		{[]string{"run", "wl.csv", "--jobs", "0"}, "--jobs 0: want auto or a number of 1 or more"},
		{[]string{"run", "wl.csv", "--jobs", "many"}, "--jobs many: want auto"},
		{[]string{"run", "wl.csv", "--urgent", "bogus"}, `unknown label "bogus"`},
	} {
		r := invokeMain(t, "", tt.args...)
		assert.Equal(t, 2, r.code, tt.args)
		assert.Contains(t, r.stderr, tt.want)
	}
	// A worklist without a single good row is an error (exit 1).
	srv := runServer(t)
	wl := filepath.Join(dir, "empty.csv")
	require.NoError(t, os.WriteFile(wl, []byte("id,image,draft\na,nope.png,x\n"), 0o644))
	r := invokeMain(t, "", runArgs(srv, wl)...)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "no usable rows")
	assert.Contains(t, r.stderr, wl+":2: a: image:")
}

// TestRunPeakRSS measures the peak memory of a `cxr-auditor run` process
// over a large worklist with instant model replies (all rows point at one
// small synthetic image; ids and drafts are distinct). It is a measurement,
// not a check: it runs only when CXR_RUN_RSS_ROWS is set, e.g.
//
//	CXR_RUN_RSS_ROWS=100000 go test ./cmd/cxr-auditor -run TestRunPeakRSS -v -timeout 1h
//
// CXR_RUN_RSS_LOG=FILE keeps the run's whole stderr (add GODEBUG=gctrace=1
// to see the heap over time).
func TestRunPeakRSS(t *testing.T) {
	rows, _ := strconv.Atoi(os.Getenv("CXR_RUN_RSS_ROWS"))
	if rows <= 0 {
		t.Skip("set CXR_RUN_RSS_ROWS to measure")
	}
	dir := t.TempDir()
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		// The store commits durably; tmpfs keeps the disk's fsync out of
		// a memory measurement.
		d, err := os.MkdirTemp("/dev/shm", "cxr-rss-")
		require.NoError(t, err)
		t.Cleanup(func() { os.RemoveAll(d) })
		dir = d
	}
	bin := filepath.Join(t.TempDir(), "cxr-auditor")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())

	writeRunImage(t, filepath.Join(dir, "one.png"), 1)
	var b strings.Builder
	b.WriteString("id,image,draft\n")
	for i := range rows {
		fmt.Fprintf(&b, "row-%07d,one.png,Synthetic draft %d: no pneumothorax.\n", i, i)
	}
	wl := filepath.Join(dir, "big.csv")
	require.NoError(t, os.WriteFile(wl, []byte(b.String()), 0o644))
	srv := runServer(t)

	cmd := exec.Command(bin, runArgs(srv, wl, "--out", filepath.Join(dir, "out.jsonl"), "--jobs", "4")...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if log := os.Getenv("CXR_RUN_RSS_LOG"); log != "" {
		// Keep the whole stderr (progress lines, GODEBUG=gctrace=1 output).
		f, err := os.Create(log)
		require.NoError(t, err)
		defer f.Close()
		cmd.Stderr = io.MultiWriter(&stderr, f)
	}
	start := time.Now()
	require.NoError(t, cmd.Run(), stderr.String())
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	t.Logf("%d rows: max RSS %.1f MiB, wall %s; %s", rows, float64(ru.Maxrss)/1024, time.Since(start).Round(time.Second), lines[len(lines)-1])
}

// TestRunCommandInterrupted: Ctrl-C (the context from main) stops the run
// with status 130, keeps what finished, and the next run resumes.
func TestRunCommandInterrupted(t *testing.T) {
	dir := t.TempDir()
	respond := func(req *api.ChatRequest) ollamatest.Reply {
		for _, m := range req.Messages {
			if len(m.Images) > 0 {
				return ollamatest.Reply{Content: `[]`}
			}
			if strings.Contains(m.Content, "Case 2.") {
				return ollamatest.Reply{Content: `[]`, Latency: time.Hour}
			}
		}
		return ollamatest.Reply{Content: `[]`}
	}
	srv := ollamatest.NewServer(
		ollamatest.Model{Name: runGroundModel, Capabilities: []string{"completion", "vision"}, Respond: respond},
		ollamatest.Model{Name: runDraftModel, Capabilities: []string{"completion"}, Respond: respond},
	)
	t.Cleanup(srv.Close)
	wl := runWorklist(t, dir, 3)
	db := filepath.Join(dir, "wl.db")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Interrupt once two items are reported done (the third waits an hour
	// for its draft).
	stderr := &stopOnWriter{want: "2/3", hit: cancel}
	var stdout bytes.Buffer
	code := realMain(ctx, env{stdin: strings.NewReader(""), stdout: &stdout, stderr: stderr, getenv: func(string) string { return "" }},
		runArgs(srv, wl, "--db", db))
	require.Equal(t, 130, code, stderr.String())
	assert.Contains(t, stderr.String(), "interrupted")
	assert.Len(t, readRunLines(t, stdout.String()), 2)

	// Resume: only the interrupted draft is computed again.
	srv2 := runServer(t)
	r := invokeMain(t, "", runArgs(srv2, wl, "--db", db)...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "3 done, 0 failed, 0 salvaged, 2 cached")
	assert.Equal(t, 1, srv2.Stats(runDraftModel).Served)
	// The third grounding (no latency) had most likely finished and was kept.
	assert.LessOrEqual(t, srv2.Stats(runGroundModel).Served, 1)
}

// stopOnWriter collects what is written and calls hit once when want
// appears in it.
type stopOnWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	hit  func()
}

func (w *stopOnWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if w.hit != nil && strings.Contains(w.buf.String(), w.want) {
		w.hit()
		w.hit = nil
	}
	return n, err
}

func (w *stopOnWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
