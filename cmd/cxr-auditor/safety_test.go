package main

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
// identity, and the named file is left as it was (issue 10: run and export
// --out evil.cxr.db used to truncate the store).
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
// left behind.
func TestRunOutIsWrittenAtomically(t *testing.T) {
	dir := t.TempDir()
	srv := runServer(t)
	wl := runWorklist(t, dir, 3)
	out := filepath.Join(dir, "results.jsonl")
	require.NoError(t, os.WriteFile(out, []byte("previous results\n"), 0o644))

	// A run that fails before any item keeps the previous file.
	r := invokeMain(t, "", runArgs(srv, wl, "--out", out, "--jobs", "0")...)
	require.Equal(t, 2, r.code)
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, "previous results\n", string(got))

	r = invokeMain(t, "", runArgs(srv, wl, "--out", out)...)
	require.Equal(t, 0, r.code, r.stderr)
	got, err = os.ReadFile(out)
	require.NoError(t, err)
	assert.Len(t, readRunLines(t, string(got)), 3)
	st, err := os.Stat(out)
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o600), st.Mode().Perm())
	partial, _ := filepath.Glob(filepath.Join(dir, "*.partial"))
	assert.Empty(t, partial)

	// export --out too.
	exp := filepath.Join(dir, "review.csv")
	r = invokeMain(t, "", "export", wl, "--format", "csv", "--out", exp)
	require.Equal(t, 0, r.code, r.stderr)
	st, err = os.Stat(exp)
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o600), st.Mode().Perm())
}

// TestNoCommandBlocksOnAFIFO: a named pipe where a file is expected is
// refused at once, with an error saying what it is (issue 10: doctor --db
// FIFO blocked and ignored SIGTERM).
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
// password is refused, and no message carries the password (issue 10).
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
