package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

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
func TestSignalKeepsNoteDraft(t *testing.T) {
	t.Parallel() // it waits on processes in a pty
	dir := t.TempDir()
	state := t.TempDir()
	srv := runServer(t)
	wl := runWorklist(t, dir, 2)
	start := func() (*exec.Cmd, *os.File, *syncBuffer) {
		cmd := exec.Command(binary(t), "review", wl, "--ollama", srv.URL(), "--grounding-model", runGroundModel,
			"--draft-model", runDraftModel, "--graphics", "text", "--annotator", "tester")
		cmd.Env = append(os.Environ(), "TERM=xterm-256color", "XDG_STATE_HOME="+state)
		tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
		require.NoError(t, err)
		t.Cleanup(func() { _ = cmd.Process.Kill(); tty.Close() })
		screen := &syncBuffer{}
		go func() { _, _ = copyAll(screen, tty) }()
		require.Eventually(t, func() bool { return strings.Contains(screen.String(), "case-1") },
			time.Minute, 50*time.Millisecond, "the workstation never drew the worklist")
		return cmd, tty, screen
	}
	cmd, tty, screen := start()
	_, err := tty.WriteString("a")
	require.NoError(t, err)
	require.Eventually(t, func() bool { return strings.Contains(screen.String(), "note · ") }, 30*time.Second, 20*time.Millisecond)
	_, err = tty.WriteString("check the apex on CT")
	require.NoError(t, err)
	require.Eventually(t, func() bool { return strings.Contains(screen.String(), "CT") }, 30*time.Second, 20*time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	assert.Equal(t, 143, waitExit(t, cmd))
	require.Eventually(t, func() bool { return strings.Contains(screen.String(), "was kept as a draft in") },
		5*time.Second, 20*time.Millisecond, "stderr says the draft was kept")
	files, _ := filepath.Glob(filepath.Join(state, "cxr-auditor", "drafts", "*.json"))
	require.Len(t, files, 1)
	b, err := os.ReadFile(files[0])
	require.NoError(t, err)
	assert.Contains(t, string(b), "check the apex on CT")

	cmd2, tty2, screen2 := start()
	require.Eventually(t, func() bool {
		return strings.Contains(screen2.String(), "unsaved note draft of a session that was stopped")
	},
		30*time.Second, 20*time.Millisecond, "the next session brings it back")
	_, err = tty2.WriteString("qq")
	require.NoError(t, err)
	assert.Equal(t, 0, waitExit(t, cmd2))
}
