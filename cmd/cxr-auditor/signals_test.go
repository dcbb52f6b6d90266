package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/ollama/ollama/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// asMain, set in a process's environment, makes the test binary run as
// cxr-auditor itself (TestMain calls main): the tests that need the
// program in a real process (signals, a terminal, a shell) re-execute the
// test binary, so no second binary is built.
const asMain = "CXR_AUDITOR_TEST_AS_MAIN"

// binary returns the path of a program that runs as cxr-auditor in the
// processes this test starts: the test binary itself (see asMain).
func binary(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	return exe
}

func TestMain(m *testing.M) {
	if os.Getenv(asMain) == "1" {
		main()
		return
	}
	// Inherited by every process the tests start (exec.Command with a nil
	// Env or one built from os.Environ()).
	if err := os.Setenv(asMain, "1"); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

// slowThirdServer answers at once, except the draft of "Case 2." (the
// third item), which takes an hour: a run finishes two items, then waits.
func slowThirdServer(t *testing.T) *ollamatest.Server {
	respond := func(req *api.ChatRequest) ollamatest.Reply {
		for _, m := range req.Messages {
			if len(m.Images) > 0 {
				return ollamatest.Reply{Content: `[{"label":"pneumothorax","box_2d":[0.2,0.5,0.6,0.8]}]`}
			}
			if strings.Contains(m.Content, "Case 2.") {
				return ollamatest.Reply{Content: `[]`, Latency: time.Hour}
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

// startRun starts `cxr-auditor run` and returns once its progress says two
// of the three items are done; stderr keeps being collected.
func startRun(t *testing.T, args []string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	var buf syncBuffer
	seen := make(chan struct{})
	once := sync.Once{}
	cmd.Stderr = &lineWatcher{buf: &buf, on: func(line string) {
		if strings.Contains(line, "2/3") {
			once.Do(func() { close(seen) })
		}
	}}
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	select {
	case <-seen:
	case <-time.After(time.Minute):
		t.Fatalf("two items never finished; stderr:\n%s", buf.String())
	}
	return cmd, &buf
}

// lineWatcher is a command's Stderr: it keeps everything written to buf
// and calls on with each complete line. exec copies the output into it and
// Wait waits for that copy, so the last lines are never lost (reading a
// StderrPipe races Wait, which closes the pipe: the summary line went
// missing under load).
type lineWatcher struct {
	buf     *syncBuffer
	on      func(line string)
	mu      sync.Mutex
	partial []byte
}

func (w *lineWatcher) Write(p []byte) (int, error) {
	w.buf.Write(p)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := string(w.partial[:i])
		w.partial = w.partial[i+1:]
		if w.on != nil {
			w.on(line)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) WriteString(v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.WriteString(v)
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitExit waits for cmd and returns its exit status.
func waitExit(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("the process did not stop")
	}
	return cmd.ProcessState.ExitCode()
}

// TestRunStopsOnSignals: SIGHUP (a closed SSH session) stops run like
// SIGTERM and Ctrl-C: the finished items are in --out, the store holds
// them, and the exit status is 128 + the signal (SIGHUP once left --out
// empty although the results were stored).
func TestRunStopsOnSignals(t *testing.T) {
	t.Parallel() // it waits on processes: other tests run meanwhile
	for _, tt := range []struct {
		sig  syscall.Signal
		code int
		name string
	}{
		{syscall.SIGHUP, 129, "hangup"},
		{syscall.SIGINT, 130, "interrupt"},
		{syscall.SIGTERM, 143, "terminated"},
	} {
		t.Run(tt.sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			srv := slowThirdServer(t)
			wl := runWorklist(t, dir, 3)
			out := filepath.Join(dir, "results.jsonl")
			require.NoError(t, os.WriteFile(out, []byte("previous\n"), 0o600))
			cmd, stderr := startRun(t, runArgs(srv, wl, "--out", out))
			require.NoError(t, cmd.Process.Signal(tt.sig))
			assert.Equal(t, tt.code, waitExit(t, cmd), stderr.String())
			assert.Contains(t, stderr.String(), "interrupted ("+tt.name+"); finished items are stored")

			data, err := os.ReadFile(out)
			require.NoError(t, err)
			lines := readRunLines(t, string(data))
			assert.Len(t, lines, 2, "--out holds the finished items")
			assert.Contains(t, lines, "case-0")
			st, err := store.Open(context.Background(), store.DefaultPath(wl), store.ReadOnly())
			require.NoError(t, err)
			defer st.Close()
			evs, err := st.Events(context.Background(), 0, 10)
			require.NoError(t, err)
			require.Len(t, evs, 2)
			assert.Contains(t, evs[1].Data, `"interrupted":true`)
			partial, _ := filepath.Glob(filepath.Join(dir, "*.partial"))
			assert.Empty(t, partial)
		})
	}
}

// TestRunKilledKeepsPartial: after kill -9 the previous --out is intact
// and the lines of the finished items are in the partial file beside it.
func TestRunKilledKeepsPartial(t *testing.T) {
	dir := t.TempDir()
	srv := slowThirdServer(t)
	wl := runWorklist(t, dir, 3)
	out := filepath.Join(dir, "results.jsonl")
	require.NoError(t, os.WriteFile(out, []byte("previous\n"), 0o600))
	cmd, _ := startRun(t, runArgs(srv, wl, "--out", out))
	require.NoError(t, cmd.Process.Kill())
	_ = waitExit(t, cmd)

	data, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, "previous\n", string(data), "the previous results file is untouched")
	partial, err := filepath.Glob(filepath.Join(dir, "results.jsonl.*.partial"))
	require.NoError(t, err)
	require.Len(t, partial, 1)
	data, err = os.ReadFile(partial[0])
	require.NoError(t, err)
	assert.Len(t, readRunLines(t, string(data)), 2, "every finished item was flushed")
	st, err := os.Stat(partial[0])
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
}

// TestReviewStopsOnSignals: review in a real terminal (a pty) stopped by
// SIGHUP, SIGINT or SIGTERM leaves the alternate screen, shows the cursor
// again and exits 128 + the signal (SIGHUP once left the terminal raw in
// the alternate screen; SIGINT exited 0).
func TestReviewStopsOnSignals(t *testing.T) {
	t.Parallel() // it waits on processes in a pty: other tests run meanwhile
	for _, tt := range []struct {
		sig  syscall.Signal
		code int
	}{
		{syscall.SIGHUP, 129},
		{syscall.SIGINT, 130},
		{syscall.SIGTERM, 143},
	} {
		t.Run(tt.sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			srv := runServer(t)
			wl := runWorklist(t, dir, 2)
			cmd := exec.Command(binary(t), "review", wl, "--ollama", srv.URL(), "--grounding-model", runGroundModel,
				"--draft-model", runDraftModel, "--graphics", "text", "--annotator", "tester")
			cmd.Env = append(os.Environ(), "TERM=xterm-256color")
			tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
			require.NoError(t, err)
			defer tty.Close()
			t.Cleanup(func() { _ = cmd.Process.Kill() })
			var screen syncBuffer
			copied := make(chan struct{})
			go func() {
				defer close(copied)
				_, _ = io.Copy(&screen, tty)
			}()
			require.Eventually(t, func() bool { return strings.Contains(screen.String(), "case-1") },
				time.Minute, 50*time.Millisecond, "the workstation never drew the worklist")
			require.NoError(t, cmd.Process.Signal(tt.sig))
			assert.Equal(t, tt.code, waitExit(t, cmd))
			select {
			case <-copied:
			case <-time.After(5 * time.Second):
			}
			s := screen.String()
			enter := strings.LastIndex(s, "\x1b[?1049h")
			require.GreaterOrEqual(t, enter, 0, "entered the alternate screen")
			after := s[enter:]
			assert.Contains(t, after, "\x1b[?1049l", "left the alternate screen")
			assert.Contains(t, after, "\x1b[?25h", "showed the cursor")
			assert.Contains(t, after, "cxr-auditor review: 0 verdicts")
		})
	}
}

// copyAll copies r to w until r fails (a pty reports EIO once the child
// has exited).
func copyAll(w *syncBuffer, r *os.File) (int64, error) {
	return io.Copy(w, r)
}
