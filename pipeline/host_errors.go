package pipeline

import "errors"

// Sentinel errors of Host calls. Errors returned by a Host wrap one of them
// (test with errors.Is) together with the underlying cause, such as an
// api.StatusError or ctx.Err().
var (
	// ErrModelNotFound: the host does not have the model (HTTP 404). Pull
	// or create it; retrying will not help.
	ErrModelNotFound = errors.New("model not found")
	// ErrCanceled: the caller's context was cancelled (or its deadline
	// passed) before the call finished. It is not a result: nothing about
	// the item should be stored or shown as an outcome.
	ErrCanceled = errors.New("canceled")
	// ErrTimeout: one call took longer than Options.Timeout (for example a
	// stalled stream). It also wraps context.DeadlineExceeded.
	ErrTimeout = errors.New("timed out")
	// ErrUnreachable: the host could not be reached (connection refused,
	// reset, DNS, TLS) after the retries.
	ErrUnreachable = errors.New("ollama host unreachable")
	// ErrBusy: the host answered HTTP 503 (its queue is full) after the
	// retries.
	ErrBusy = errors.New("ollama host busy")
	// ErrServer: the host reported an error: an HTTP error status other
	// than 404 and 503, an {"error": ...} line in a stream, or a line that
	// is not JSON.
	ErrServer = errors.New("ollama server error")
	// ErrIncomplete: the reply ended without done:true (stream cut,
	// repetition abort) and nothing usable could be recovered from it.
	ErrIncomplete = errors.New("incomplete reply")
	// ErrNoOutput: the reply finished but its output held nothing the
	// parser could use.
	ErrNoOutput = errors.New("no usable output")
)
