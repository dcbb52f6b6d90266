package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/creack/pty"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWorkstationNeedsTerminal: review and demo with stdin from /dev/null
// used to fail with Bubble Tea's "could not create cancelable reader",
// and with a pipe wrote escapes and waited. Both refuse with a clear
// message and exit 2, in real processes.
func TestWorkstationNeedsTerminal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tt := range []struct {
		name  string
		args  []string
		stdin string // "null" or "pipe"
	}{
		{"review /dev/null", []string{"review", filepath.Join(dir, "wl.csv"), "--graphics", "text"}, "null"},
		{"review pipe", []string{"review", filepath.Join(dir, "wl.csv"), "--graphics", "text"}, "pipe"},
		{"demo /dev/null", []string{"demo", "--dir", filepath.Join(dir, "demo"), "--graphics", "text"}, "null"},
		{"demo pipe", []string{"demo", "--dir", filepath.Join(dir, "demo"), "--graphics", "text"}, "pipe"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(binary(t), tt.args...)
			var stderr, stdout bytes.Buffer
			cmd.Stderr, cmd.Stdout = &stderr, &stdout
			if tt.stdin == "null" {
				null, err := os.Open(os.DevNull)
				require.NoError(t, err)
				defer null.Close()
				cmd.Stdin = null
			} else {
				cmd.Stdin = strings.NewReader("q") // exec makes a pipe
			}
			err := cmd.Run()
			var ee *exec.ExitError
			require.True(t, errors.As(err, &ee), "exits with a status: %v", err)
			assert.Equal(t, 2, ee.ExitCode())
			assert.Contains(t, stderr.String(), tt.args[0]+" needs a terminal")
			assert.NotContains(t, stdout.String(), "\x1b[", "no escapes written")
		})
	}
}

// TestReviewKeysRefused: an unknown --keys profile and a key file with a
// clash are usage errors naming the profile or the file and line.
func TestReviewKeysRefused(t *testing.T) {
	r := invokeMain(t, "", "review", "--keys", "osirix", "--graphics", "text", filepath.Join(t.TempDir(), "wl.csv"))
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, `unknown key profile "osirix" (profiles: default, ohif)`)

	cfg := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(cfg, "cxr-auditor"), 0o755))
	file := filepath.Join(cfg, "cxr-auditor", "keys.yaml")
	require.NoError(t, os.WriteFile(file, []byte("browse:\n  invert: i\n"), 0o600))
	r = invokeMainEnv(t, map[string]string{"XDG_CONFIG_HOME": cfg}, "review", "--graphics", "text", filepath.Join(t.TempDir(), "wl.csv"))
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "key map "+file+": line 2: \"i\" is the key of both image_right (built in) and invert (line 2)")

	r = invokeMainEnv(t, map[string]string{"XDG_CONFIG_HOME": cfg}, "review", "--keys", "ohif", "--graphics", "text", filepath.Join(t.TempDir(), "wl.csv"))
	assert.NotContains(t, r.stderr, "key map", "on the ohif profile, i is free for invert")
}

// TestSignalKeepsNoteDraft: SIGTERM (or SIGHUP: an SSH drop) used to
// discard a note being typed without a word. The text is kept as a draft
// file, stderr says where, and the next session brings it back.
//
// It waits on what the screen shows, never on time. The note is pasted
// (one bracketed paste is one update, so its text is drawn whole in one
// frame, written as one run of new cells): typed key by key, the renderer
// drew it in pieces as frames fell, and "CT" could be drawn as "C", then
// "T", never seen whole on a loaded machine. What stderr says after the
// exit is read once the terminal's output has all been copied.
func TestSignalKeepsNoteDraft(t *testing.T) {
	t.Parallel() // it waits on processes in a pty
	dir := t.TempDir()
	state := t.TempDir()
	srv := runServer(t)
	wl := runWorklist(t, dir, 2)
	const note = "check_the_apex_on_CT"
	start := func(first string) (*ptySession, <-chan struct{}) {
		cmd := exec.Command(binary(t), "review", wl, "--ollama", srv.URL(), "--grounding-model", runGroundModel,
			"--draft-model", runDraftModel, "--graphics", "text", "--annotator", "tester")
		cmd.Env = append(os.Environ(), "TERM=xterm-256color", "XDG_STATE_HOME="+state)
		p := startPTY(t, cmd)
		seen := p.screen.waitFor(first)
		p.await(t, p.screen.waitFor("case-1"), "the worklist")
		return p, seen
	}
	p, _ := start("case-1")
	p.press(t, "a")
	p.await(t, p.screen.waitFor("0/10000"), "the note editor")
	p.press(t, "\x1b[200~"+note+"\x1b[201~")
	p.await(t, p.screen.waitFor(note), "the pasted note")
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	assert.Equal(t, 143, p.wait())
	assert.Contains(t, p.screen.String(), "was kept as a draft in", "stderr says the draft was kept")
	files, _ := filepath.Glob(filepath.Join(state, "cxr-auditor", "drafts", "*.json"))
	require.Len(t, files, 1)
	b, err := os.ReadFile(files[0])
	require.NoError(t, err)
	assert.Contains(t, string(b), note)

	p2, back := start("unsaved note draft of a session that was stopped")
	p2.await(t, back, "the next session brings it back")
	p2.press(t, "qq")
	assert.Equal(t, 0, p2.wait())
}

// ptySession is a process on a pseudo-terminal and what it drew.
type ptySession struct {
	cmd    *exec.Cmd
	tty    *os.File
	screen *watchWriter
	copied chan struct{} // closed when all the terminal's output is in screen
	exited chan struct{} // closed when the process has exited
}

// startPTY starts cmd on a 120x40 pseudo-terminal; it is killed when the
// test ends.
func startPTY(t *testing.T, cmd *exec.Cmd) *ptySession {
	t.Helper()
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	require.NoError(t, err)
	p := &ptySession{cmd: cmd, tty: tty, screen: newWatchWriter(), copied: make(chan struct{}), exited: make(chan struct{})}
	go func() {
		defer close(p.copied)
		_, _ = io.Copy(p.screen, tty) // ends with EIO once the process has exited
	}()
	go func() {
		defer close(p.exited)
		_ = cmd.Wait()
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-p.exited; tty.Close() })
	return p
}

// await waits until seen is closed; the process exiting first fails the
// test with the screen.
func (p *ptySession) await(t *testing.T, seen <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-seen:
	case <-p.exited:
		<-p.copied
		select {
		case <-seen:
		default:
			t.Fatalf("the process exited (%v) before showing %s; screen:\n%q", p.cmd.ProcessState, what, tail(p.screen.String(), 3000))
		}
	}
}

// press types keys on the terminal.
func (p *ptySession) press(t *testing.T, keys string) {
	t.Helper()
	_, err := p.tty.WriteString(keys)
	require.NoError(t, err)
}

// wait waits for the process to exit and for all it wrote, and returns
// its exit status.
func (p *ptySession) wait() int {
	<-p.exited
	<-p.copied
	return p.cmd.ProcessState.ExitCode()
}
