package session

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"
)

// signalError is the cause of a context cancelled by a signal.
type signalError struct{ sig os.Signal }

func (e signalError) Error() string { return "received " + e.sig.String() }

// SignalContext returns a context that the first SIGINT (Ctrl-C), SIGTERM
// or SIGHUP (a closed terminal or SSH session) cancels, with the signal as
// its cause, so that every command stops the same way: finished work kept
// and flushed, the terminal restored, and the exit status 128 + the
// signal's number (Interrupted). Later signals are caught too and ignored
// while the command winds down. stop releases the signals; the goroutine
// it owns ends with it.
func SignalContext(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	// SIGPIPE is caught and never read, so that a write to a closed stdout
	// (`run | head`) fails with EPIPE instead of killing the process before
	// it can stop cleanly; the command maps EPIPE to exit 141 (BrokenPipe).
	pipe := make(chan os.Signal, 1)
	signal.Notify(pipe, syscall.SIGPIPE)
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
		signal.Stop(pipe)
		close(done)
		cancel(nil)
	}
}

// Interrupted is the exit status of a command stopped by ctx: 128 + the
// signal's number (130 for Ctrl-C, 129 for SIGHUP, 143 for SIGTERM), or
// 130 when the context was cancelled some other way (tests).
func Interrupted(ctx context.Context) ExitError {
	var se signalError
	if errors.As(context.Cause(ctx), &se) {
		if n, ok := se.sig.(syscall.Signal); ok {
			return ExitError{Code: 128 + int(n)}
		}
	}
	return ExitError{Code: 130}
}

// SignalName names what stopped ctx, for the line a command prints when
// it stops early ("interrupted (hangup)").
func SignalName(ctx context.Context) string {
	var se signalError
	if errors.As(context.Cause(ctx), &se) {
		return se.sig.String()
	}
	return "interrupt"
}

// BrokenPipe is the exit status of a command whose output was closed by
// its reader (`run | head`): 128 + SIGPIPE, as a shell reports a process
// that SIGPIPE killed.
const BrokenPipe = 128 + int(syscall.SIGPIPE)

// IsBrokenPipe reports whether err is a write to an output its reader
// closed.
func IsBrokenPipe(err error) bool { return errors.Is(err, syscall.EPIPE) }
