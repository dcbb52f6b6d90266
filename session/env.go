package session

import (
	"errors"
	"fmt"
	"io"

	"github.com/cxr-auditor/cxr-auditor/internal/termtext"
)

// Env is what a session may touch of the outside world; tests pass their
// own readers, writers and environment.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads an environment variable ("" when unset).
	Getenv func(string) string
}

// ErrUsage marks an error caused by the command line (a flag, an argument
// or an environment variable the user set): the command exits 2.
var ErrUsage = errors.New("usage")

// ExitError ends a command with a given exit status without printing
// anything more: the session has already said what happened.
type ExitError struct{ Code int }

// Error names the status.
func (e ExitError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// WriteLine writes one line that may carry outside text (ids, paths,
// server messages): the whole line goes through termtext.Line, so nothing
// in it can act on the terminal.
func WriteLine(w io.Writer, format string, args ...any) {
	_, _ = io.WriteString(w, termtext.Line(fmt.Sprintf(format, args...))+"\n")
}
