package main

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ollama/ollama/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// invokeWithin runs the command line and fails the test if it has not
// finished within a minute (a command blocked on a named pipe never would).
func invokeWithin(t *testing.T, args ...string) cliResult {
	t.Helper()
	done := make(chan cliResult, 1)
	go func() { done <- invokeMain(t, "", args...) }()
	select {
	case r := <-done:
		return r
	case <-time.After(time.Minute):
		t.Fatalf("cxr-auditor %s blocked", strings.Join(args, " "))
		return cliResult{}
	}
}

// TestOutRefusesTheStoreAndTheWorklist: --out (run, export) naming the
// store, its WAL or shared-memory file, or the worklist is refused by file
// identity, and the named file is left as it was (run and export --out
// evil.cxr.db once truncated the store).
func TestOutRefusesTheStoreAndTheWorklist(t *testing.T) {
	dir := t.TempDir()
	srv := runServer(t)
	wl := runWorklist(t, dir, 2)
	db := store.DefaultPath(wl)
	r := invokeMain(t, "", runArgs(srv, wl)...)
	require.Equal(t, 0, r.code, r.stderr)
	require.NoError(t, os.Link(db, filepath.Join(dir, "hard.db")))
	require.NoError(t, os.Symlink(db, filepath.Join(dir, "soft.db")))
	require.NoError(t, os.Symlink(wl, filepath.Join(dir, "wl-link.csv")))
	t.Chdir(dir)

	for _, tt := range []struct{ out, what string }{
		{db, "is the store"},
		{"./wl.cxr.db", "is the store"},
		{"hard.db", "is the store"},
		{"soft.db", "is the store"},
		{db + "-wal", "is the store's write-ahead log"},
		{"wl.cxr.db-shm", "is the store's shared-memory file"},
		{wl, "is the worklist"},
		{"./wl-link.csv", "is the worklist"},
	} {
		for _, args := range [][]string{
			runArgs(srv, wl, "--out", tt.out),
			{"export", wl, "--out", tt.out},
		} {
			t.Run(args[0]+" "+tt.out, func(t *testing.T) {
				before, _ := os.ReadFile(tt.out)
				r := invokeMain(t, "", args...)
				assert.Equal(t, 2, r.code, r.stderr)
				assert.Contains(t, r.stderr, "--out "+tt.out+" "+tt.what)
				assert.Contains(t, r.stderr, "writing there would destroy it")
				after, _ := os.ReadFile(tt.out)
				assert.Equal(t, before, after, "left as it was")
			})
		}
	}
	// The store still holds both results.
	st, err := store.Open(context.Background(), db, store.ReadOnly())
	require.NoError(t, err)
	defer st.Close()
	items, err := st.Items(context.Background())
	require.NoError(t, err)
	assert.Len(t, items, 2)
}

// TestRunOutIsWrittenAtomically: --out replaces a previous results file
// only when the run ends, the new file is mode 0600, and no partial file is
// left behind. A run whose results file fails mid-run (here: a write to
// the partial file fails after the first line) keeps the previous file
// and removes the partial one.
func TestRunOutIsWrittenAtomically(t *testing.T) {
	dir := t.TempDir()
	wl := runWorklist(t, dir, 3)
	out := filepath.Join(dir, "results.jsonl")
	require.NoError(t, os.WriteFile(out, []byte("previous results\n"), 0o644))

	// The second item's draft waits for release, so the run is caught
	// with one line written.
	release := make(chan struct{})
	respond := func(req *api.ChatRequest) ollamatest.Reply {
		for _, m := range req.Messages {
			if len(m.Images) > 0 {
				return ollamatest.Reply{Content: `[{"label":"pneumothorax","box_2d":[0.2,0.5,0.6,0.8]}]`}
			}
			if strings.Contains(m.Content, "Case 1.") {
				<-release
			}
		}
		return ollamatest.Reply{Content: `[{"label":"pneumothorax","status":"absent","span":"No pneumothorax."}]`}
	}
	held := ollamatest.NewServer(
		ollamatest.Model{Name: runGroundModel, Capabilities: []string{"completion", "vision"}, Respond: respond},
		ollamatest.Model{Name: runDraftModel, Capabilities: []string{"completion"}, Respond: respond},
	)
	t.Cleanup(held.Close)
	done := make(chan cliResult, 1)
	go func() {
		done <- invokeMain(t, "", runArgs(held, wl, "--out", out, "--db", filepath.Join(dir, "held.db"))...)
	}()
	partial := waitForPartial(t, dir, 1)
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, "previous results\n", string(got), "untouched while the run goes on")
	failWrites(t, partial)
	close(release)
	r := <-done
	require.Equal(t, 1, r.code, r.stderr)
	assert.Contains(t, r.stderr, "writing results:")
	got, err = os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, "previous results\n", string(got), "a failed results file never replaces the previous one")
	assert.NoFileExists(t, partial)

	srv := runServer(t)
	r = invokeMain(t, "", runArgs(srv, wl, "--out", out)...)
	require.Equal(t, 0, r.code, r.stderr)
	got, err = os.ReadFile(out)
	require.NoError(t, err)
	assert.Len(t, readRunLines(t, string(got)), 3)
	st, err := os.Stat(out)
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o600), st.Mode().Perm())
	left, _ := filepath.Glob(filepath.Join(dir, "*.partial"))
	assert.Empty(t, left)

	// export --out too.
	exp := filepath.Join(dir, "review.csv")
	r = invokeMain(t, "", "export", wl, "--format", "csv", "--out", exp)
	require.Equal(t, 0, r.code, r.stderr)
	st, err = os.Stat(exp)
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o600), st.Mode().Perm())
}

// waitForPartial waits until the one partial results file in dir holds n
// lines and returns its path.
func waitForPartial(t *testing.T, dir string, n int) string {
	t.Helper()
	var path string
	require.Eventually(t, func() bool {
		found, _ := filepath.Glob(filepath.Join(dir, "*.partial"))
		if len(found) != 1 {
			return false
		}
		data, err := os.ReadFile(found[0])
		path = found[0]
		return err == nil && strings.Count(string(data), "\n") == n
	}, time.Minute, 5*time.Millisecond, "no partial file with %d line(s)", n)
	return path
}

// failWrites makes every later write to the file at path, open in this
// process, fail: a read-only descriptor takes the place of the one it is
// written through (the number stays taken, so nothing else is written
// there instead).
func failWrites(t *testing.T, path string) {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("needs /proc/self/fd")
	}
	ro, err := os.Open(os.DevNull)
	require.NoError(t, err)
	defer ro.Close()
	for _, e := range fds {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name())); err == nil && target == path {
			fd, err := strconv.Atoi(e.Name())
			require.NoError(t, err)
			require.NoError(t, syscall.Dup2(int(ro.Fd()), fd))
			return
		}
	}
	t.Fatalf("%s is not open in this process", path)
}

// TestNoCommandBlocksOnAFIFO: a named pipe where a file is expected is
// refused at once, with an error saying what it is (doctor --db FIFO once
// blocked and ignored SIGTERM).
func TestNoCommandBlocksOnAFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	srv := runServer(t)
	wl := runWorklist(t, dir, 1)
	findings := writeTemp(t, "f.json", "[]")
	r := invokeMain(t, "", runArgs(srv, wl)...) // the store export reads
	require.Equal(t, 0, r.code, r.stderr)

	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"doctor --db", []string{"doctor", "--ollama", srv.URL(), "--grounding-model", runGroundModel, "--draft-model", runDraftModel, "--db", fifo}, 1, "is a named pipe (FIFO), not a store file"},
		{"run --db", runArgs(srv, wl, "--db", fifo), 1, "is a named pipe (FIFO), not a regular file; --db must name a store file"},
		{"run --out", runArgs(srv, wl, "--db", filepath.Join(dir, "x.db"), "--out", fifo), 1, "is a named pipe (FIFO), not a file to write results to"},
		{"run worklist", []string{"run", fifo, "--ollama", srv.URL()}, 1, "is a named pipe (FIFO); give a CSV or JSONL file"},
		{"review --db", []string{"review", wl, "--db", fifo, "--ollama", srv.URL(), "--graphics", "text"}, 1, "is a named pipe (FIFO)"},
		{"review --debug", []string{"review", wl, "--debug", fifo, "--ollama", srv.URL(), "--graphics", "text"}, 2, "is a named pipe (FIFO), not a log file"},
		{"export --db", []string{"export", "--db", fifo}, 1, "is a named pipe (FIFO)"},
		{"export --out", []string{"export", wl, "--out", fifo}, 1, "is a named pipe (FIFO)"},
		{"parse", []string{"parse", "findings", fifo}, 1, "give - and send it to stdin"},
		{"compare", []string{"compare", "--findings", fifo, "--draft", findings}, 1, "is a named pipe (FIFO)"},
		{"eval", []string{"eval", "--truth", fifo, "--pred", findings}, 1, "is a named pipe (FIFO)"},
		{"render", []string{"render", fifo, "--protocol", "text"}, 1, "is a named pipe (FIFO)"},
		{"render --findings", []string{"render", filepath.Join(dir, "c0.png"), "--protocol", "text", "--findings", fifo}, 1, "is a named pipe (FIFO)"},
		{"demo --db", []string{"demo", "--dir", filepath.Join("..", "..", "testdata", "demo"), "--db", fifo, "--fresh"}, 1, "is a named pipe (FIFO)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := invokeWithin(t, tt.args...)
			assert.Equal(t, tt.code, r.code, "stdout %s\nstderr %s", r.stdout, r.stderr)
			assert.Contains(t, r.stdout+r.stderr, tt.want)
		})
	}
}

// TestOllamaCredentialsAreNeverShown: a host URL with a user name and
// password is refused, and no message carries the password.
func TestOllamaCredentialsAreNeverShown(t *testing.T) {
	wl := runWorklist(t, t.TempDir(), 1)
	for _, args := range [][]string{
		{"run", wl, "--ollama", "http://alice:s3cret-pw@gpu1:11434"},
		{"doctor", "--ollama", "https://alice:s3cret-pw@gpu1"},
		{"review", wl, "--ollama", "alice:s3cret-pw@gpu1:11434"},
		{"doctor", "--ollama", "http://s3cret-pw@gpu1"},
		{"doctor", "--ollama", "http://alice:s3cret-pw@bad host"},
	} {
		r := invokeMain(t, "", args...)
		assert.Equal(t, 2, r.code, args)
		assert.NotContains(t, r.stdout+r.stderr, "s3cret-pw", args)
		assert.Contains(t, r.stderr, "xxxxx", args)
		assert.Contains(t, r.stderr, "user name or password in a host URL is not supported")
	}
	t.Setenv("OLLAMA_HOST", "http://alice:s3cret-pw@gpu1:11434")
	r := invokeMain(t, "", "doctor")
	assert.Equal(t, 2, r.code)
	assert.NotContains(t, r.stdout+r.stderr, "s3cret-pw")
	assert.Contains(t, r.stderr, "OLLAMA_HOST http://alice:xxxxx@gpu1:11434")
}

// TestRunOutsidePaths: rows naming files outside the worklist's folder are
// skipped with a hint naming --allow-outside-paths, which lets them in.
func TestRunOutsidePaths(t *testing.T) {
	outside := t.TempDir()
	writeRunImage(t, filepath.Join(outside, "elsewhere.png"), 7)
	dir := t.TempDir()
	srv := runServer(t)
	wl := runWorklist(t, dir, 1, "far,"+filepath.Join(outside, "elsewhere.png")+",Case far. No pneumothorax.")

	r := invokeMain(t, "", runArgs(srv, wl)...)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, wl+":3: far: image \""+filepath.Join(outside, "elsewhere.png")+"\" is an absolute path, outside the worklist's folder "+dir)
	assert.Contains(t, r.stderr, "1 row(s) name files outside the worklist's folder and were skipped")
	assert.Contains(t, r.stderr, "pass --allow-outside-paths")
	assert.Len(t, readRunLines(t, r.stdout), 1)

	r = invokeMain(t, "", runArgs(srv, wl, "--allow-outside-paths")...)
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Len(t, readRunLines(t, r.stdout), 2)
}
