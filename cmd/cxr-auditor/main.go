// Command cxr-auditor is a keyboard-driven terminal workstation for auditing
// chest X-ray draft impressions against what a vision model grounds in the
// image. It is for research and education only: it is not a medical device
// and must not be used for clinical decisions.
//
// Usage:
//
//	cxr-auditor <command> [flags] [args]
//
// Commands (each takes --help):
//
//	review    open the review workstation on a worklist (real Ollama hosts)
//	demo      open the workstation on the bundled synthetic demo (no GPU)
//	study     blind double-reading studies with adjudication
//	run       run both model stages over a worklist, batch, with a progress bar
//	doctor    check Ollama hosts, models and the store, and say how to fix them
//	export    write results with verdicts and notes as JSONL or CSV
//	agreement reader agreement on the verdicts (kappa, confusion tables)
//	parse     parse raw model output: `parse findings` or `parse draft`
//	label     read drafts with the rule-based labeler (no model)
//	compare   compare findings with draft labels
//	eval      evaluate predictions against ground truth
//	render    draw an image with boxes for the terminal (sixel, kitty, ...)
//	version   print the version
//	completion  shell completion scripts (bash, zsh, fish, powershell)
//	man       the manual page (roff), e.g. cxr-auditor man | man -l -
//
// The commands are cobra commands, one per file (cmd_<name>.go); fang
// styles the help and errors on a terminal and adds --version.
//
// Example:
//
//	cxr-auditor parse findings model-output.txt --explain
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// disclaimer is printed by every --help and shown in the TUI.
const disclaimer = "For research and education only. Not a medical device; not for clinical use. Model outputs are frequently wrong."

// env is what a command may touch of the outside world; tests pass their own.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

// errUsage marks an error caused by the command line; it exits 2.
var errUsage = errors.New("usage")

// exitError carries a specific exit status (for example 2 from run when some
// items failed) without printing anything more.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func main() {
	ctx, stop := signalContext(context.Background())
	e := env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	code := realMain(ctx, e, os.Args[1:])
	stop()
	os.Exit(code)
}

// signalError is the cause of a context cancelled by a signal.
type signalError struct{ sig os.Signal }

func (e signalError) Error() string { return "received " + e.sig.String() }

// signalContext returns a context that the first SIGINT (Ctrl-C), SIGTERM
// or SIGHUP (a closed terminal or SSH session) cancels, with a
// signalError as its cause, so that every command stops the same way:
// finished work kept and flushed, the terminal restored, and the exit
// status 128 + the signal's number (interruptedError). Later signals are
// caught too and ignored while the command winds down. stop releases the
// signals; the goroutine it owns ends with it.
func signalContext(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			cancel(signalError{s})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}

// interruptedError is the exit status of a command stopped by ctx: 128 +
// the signal's number (130 for Ctrl-C, 129 for SIGHUP, 143 for SIGTERM),
// or 130 when the context was cancelled some other way (tests).
func interruptedError(ctx context.Context) exitError {
	var se signalError
	if errors.As(context.Cause(ctx), &se) {
		if n, ok := se.sig.(syscall.Signal); ok {
			return exitError{128 + int(n)}
		}
	}
	return exitError{130}
}

// signalName names what stopped ctx, for the line a command prints when it
// stops early ("interrupted (hangup)").
func signalName(ctx context.Context) string {
	var se signalError
	if errors.As(context.Cause(ctx), &se) {
		return se.sig.String()
	}
	return "interrupt"
}
