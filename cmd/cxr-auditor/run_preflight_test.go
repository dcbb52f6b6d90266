package main

import (
	"context"
	"database/sql"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ollama/ollama/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
	"github.com/cxr-auditor/cxr-auditor/session"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// TestRunPreflight: a grounding model missing on every host, or one without
// the vision capability, stops run before any model call: exit 1, one
// line saying why with the fix (no warning repeating it first), no
// /api/chat sent for either stage, and the fix is the line
// doctor prints for the same problem.
func TestRunPreflight(t *testing.T) {
	for _, tt := range []struct {
		name   string
		models []ollamatest.Model
		want   []string
	}{
		{
			name:   "missing everywhere",
			models: []ollamatest.Model{{Name: runDraftModel, Capabilities: []string{"completion"}}},
			want:   []string{"grounding model " + runGroundModel + " is not on any Ollama host", "ollama create " + runGroundModel + " "},
		},
		{
			name: "no vision",
			models: []ollamatest.Model{
				{Name: runGroundModel, Capabilities: []string{"completion"}},
				{Name: runGroundModel + "-vision", Capabilities: []string{"completion"}},
				{Name: runDraftModel, Capabilities: []string{"completion"}},
			},
			// The first free name, as doctor chooses it.
			want: []string{`has no "vision" capability`, "--grounding-model " + runGroundModel + "-vision-2;", "ollama create " + runGroundModel + "-vision-2 "},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := ollamatest.NewServer(tt.models...)
			t.Cleanup(srv.Close)
			wl := runWorklist(t, t.TempDir(), 3)
			r := invokeMain(t, "", append(runArgs(srv, wl), "--embedded-prompt-ok")...)
			assert.Equal(t, 1, r.code, r.stderr)
			for _, w := range tt.want {
				assert.Contains(t, r.stderr, w)
			}
			assert.Equal(t, 1, strings.Count(strings.TrimSpace(r.stderr), "\n")+1, "one line:\n%s", r.stderr)
			assert.NotContains(t, r.stderr, "warning")
			assert.Empty(t, r.stdout)
			assert.Zero(t, srv.Stats(runGroundModel).Requests, "no grounding call")
			assert.Zero(t, srv.Stats(runDraftModel).Requests, "no draft call")

			d := invokeMain(t, "", "doctor", "--ollama", srv.URL(), "--grounding-model", runGroundModel, "--draft-model", runDraftModel,
				"--db", filepath.Join(t.TempDir(), "d.cxr.db"))
			var fixes []string
			for _, l := range strings.Split(d.stdout, "\n") {
				if f, ok := strings.CutPrefix(strings.TrimSpace(l), "fix: "); ok && strings.Contains(f, "ollama ") {
					fixes = append(fixes, f)
				}
			}
			require.Len(t, fixes, 1, "doctor:\n%s", d.stdout)
			assert.True(t, strings.HasSuffix(strings.TrimSpace(r.stderr), "; fix: "+fixes[0]), "run's fix is doctor's:\nrun: %s\ndoctor: %s", r.stderr, fixes[0])
		})
	}
}

// TestRunOffline: with no host answering, run writes every cached result
// (cached, unverified) and fails only the uncached items, in worklist order.
func TestRunOffline(t *testing.T) {
	t.Parallel() // it waits out the client's retries on a dead host: other tests run meanwhile
	dir := t.TempDir()
	srv := runServer(t)
	wl := runWorklist(t, dir, 2)
	r := invokeMain(t, "", runArgs(srv, wl)...)
	require.Equal(t, 0, r.code, r.stderr)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	down := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close())
	wl = runWorklist(t, dir, 3) // case-2 is new: nothing cached
	args := []string{"run", wl, "--ollama", down, "--grounding-model", runGroundModel, "--draft-model", runDraftModel, "--timeout", "2s"}
	done := make(chan cliResult, 1)
	go func() { done <- invokeMain(t, "", args...) }()
	select {
	case r = <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("run never finished offline")
	}
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Contains(t, r.stderr, "no Ollama host answered")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, lines, 3, r.stdout)
	for i, id := range []string{"case-0", "case-1", "case-2"} {
		assert.Contains(t, lines[i], `"id":"`+id+`"`, "worklist order")
	}
	out := readRunLines(t, r.stdout)
	for _, id := range []string{"case-0", "case-1"} {
		assert.Equal(t, true, out[id]["cached"], id)
		assert.Equal(t, true, out[id]["unverified"], id)
		assert.Nil(t, out[id]["error"], id)
	}
	assert.NotEmpty(t, out["case-2"]["error"])
}

// TestRunCountsUnstoredResults: a result that could not be stored (here:
// another program holds the store's write lock past its busy timeout) is
// a failure: the summary says so and the exit status is 2 (a disk-full run
// once reported every item done). CXR_AUDITOR_BUSY_TIMEOUT keeps the wait
// short.
func TestRunCountsUnstoredResults(t *testing.T) {
	t.Parallel() // it waits for a held write lock: other tests run meanwhile
	dir := t.TempDir()
	respond := func(req *api.ChatRequest) ollamatest.Reply {
		return ollamatest.Reply{Content: `[]`, Latency: time.Second}
	}
	srv := ollamatest.NewServer(
		ollamatest.Model{Name: runGroundModel, Capabilities: []string{"completion", "vision"}, Respond: respond},
		ollamatest.Model{Name: runDraftModel, Capabilities: []string{"completion"}, Respond: respond},
	)
	t.Cleanup(srv.Close)
	wl := runWorklist(t, dir, 1)
	db := store.DefaultPath(wl)

	stderr := &stopOnWriter{want: "not stored"}
	var stdout strings.Builder
	done := make(chan int, 1)
	go func() {
		getenv := func(k string) string { return map[string]string{session.EnvBusyTimeout: "300ms"}[k] }
		done <- realMain(context.Background(), env{stdin: strings.NewReader(""), stdout: &stdout, stderr: stderr, getenv: getenv},
			runArgs(srv, wl))
	}()
	// Once the run has recorded its items, hold the write lock.
	require.Eventually(t, func() bool {
		st, err := store.Open(context.Background(), db, store.ReadOnly())
		if err != nil {
			return false
		}
		defer st.Close()
		items, err := st.Items(context.Background())
		return err == nil && len(items) == 1
	}, time.Minute, 20*time.Millisecond)
	// Wait for the run's own writes, then hold the lock.
	lock, err := sql.Open("sqlite", "file:"+db+"?_pragma=busy_timeout(20000)")
	require.NoError(t, err)
	defer lock.Close()
	conn, err := lock.Conn(context.Background())
	require.NoError(t, err)
	_, err = conn.ExecContext(context.Background(), "BEGIN IMMEDIATE")
	require.NoError(t, err)
	require.Eventually(t, func() bool { return strings.Contains(stderr.String(), "not stored") }, time.Minute, 50*time.Millisecond)
	_, err = conn.ExecContext(context.Background(), "ROLLBACK")
	require.NoError(t, err)
	require.NoError(t, conn.Close())

	code := <-done
	assert.Equal(t, 2, code, stderr.String())
	assert.Contains(t, stderr.String(), "case-0 failed: result not stored:")
	assert.Contains(t, stderr.String(), "1 of 1 items: 0 done, 1 (1 not stored) failed")
	line := readRunLines(t, stdout.String())["case-0"]
	assert.Contains(t, line["store_error"], "locked")
	assert.Contains(t, line["store_error"], "waited 300ms", "the variable sets the wait")
}
