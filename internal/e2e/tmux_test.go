//go:build e2e && unix

package e2e_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// terminal is the binary running in a real terminal: a tmux session of
// its own (its own tmux server, on a socket in the test's directory), so
// that the workstation draws, reads keys and quits as it does for a user.
type terminal struct {
	t       *testing.T
	socket  string
	session string
	exit    string // file the command's exit status is written to
}

// screenTimeout bounds a wait for the screen to show something.
const screenTimeout = 90 * time.Second

// openTerminal starts cxr-auditor args in a width x height terminal. It
// skips t when tmux is not installed. The tmux server is killed when t
// ends.
func openTerminal(t *testing.T, width, height int, args ...string) *terminal {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (apt-get install -y tmux); the review test drives the workstation in it")
	}
	dir := t.TempDir()
	term := &terminal{t: t, socket: filepath.Join(dir, "tmux.sock"), session: "e2e", exit: filepath.Join(dir, "exit")}
	// The command's environment is the clean one of every other test;
	// its exit status goes to a file, and the shell then waits so that
	// the last screen can still be read.
	var env strings.Builder
	// A UTF-8 locale, as a user's terminal has: without one the
	// workstation draws its ASCII glyph set (tui.WantASCII).
	for _, kv := range append(cleanEnv(t), "LANG=C.UTF-8") {
		env.WriteString(shellQuote(kv) + " ")
	}
	var quoted []string
	for _, a := range append([]string{binary}, args...) {
		quoted = append(quoted, shellQuote(a))
	}
	script := fmt.Sprintf("env -i %s%s; echo $? > %s; exec sleep 3600", env.String(), strings.Join(quoted, " "), shellQuote(term.exit))
	term.tmux("new-session", "-d", "-s", term.session, "-x", fmt.Sprint(width), "-y", fmt.Sprint(height), script)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("last screen:\n%s", term.screen())
		}
		_ = exec.Command("tmux", "-S", term.socket, "kill-server").Run()
	})
	return term
}

func (term *terminal) tmux(args ...string) string {
	term.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "tmux", append([]string{"-S", term.socket}, args...)...).CombinedOutput()
	require.NoError(term.t, err, "tmux %s: %s", strings.Join(args, " "), out)
	return string(out)
}

// screen returns the visible screen, as text.
func (term *terminal) screen() string {
	out, err := exec.Command("tmux", "-S", term.socket, "capture-pane", "-p", "-t", term.session).CombinedOutput()
	if err != nil {
		return fmt.Sprintf("(capture-pane: %v: %s)", err, out)
	}
	return string(out)
}

// waitFor waits until the screen contains every one of texts and returns
// that screen; it fails t after screenTimeout.
func (term *terminal) waitFor(texts ...string) string {
	term.t.Helper()
	deadline := time.Now().Add(screenTimeout)
	for {
		s := term.screen()
		missing := ""
		for _, x := range texts {
			if !strings.Contains(s, x) {
				missing = x
				break
			}
		}
		if missing == "" {
			return s
		}
		if time.Now().After(deadline) {
			term.t.Fatalf("the screen never showed %q within %v:\n%s", missing, screenTimeout, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// press sends keys, one tmux key name each ("i", "q", "Enter").
func (term *terminal) press(keys ...string) {
	term.t.Helper()
	term.tmux(append([]string{"send-keys", "-t", term.session}, keys...)...)
}

// exitStatus waits for the command to end and returns its exit status.
func (term *terminal) exitStatus() string {
	term.t.Helper()
	deadline := time.Now().Add(screenTimeout)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(term.exit); err == nil && strings.HasSuffix(string(b), "\n") {
			return strings.TrimSpace(string(b))
		}
		time.Sleep(100 * time.Millisecond)
	}
	term.t.Fatalf("the command did not end within %v", screenTimeout)
	return ""
}

// shellQuote quotes s for sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
