package ollama

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
	// ErrOutputTooLarge: the reply went past MaxReplyBytes; reading stopped
	// there and only its beginning is kept.
	ErrOutputTooLarge = errors.New("reply too large")
)

// MaxReplyBytes bounds the output of one call (content and thinking
// together, as streamed): 1 MiB. A findings or label list is a few KiB; a
// reply past the bound is a model or server gone wrong, and holding it
// would cost memory on every slot and space in the store (see
// docs/performance.md). Reading stops at the bound, the call fails with
// ErrOutputTooLarge, and the record keeps the first keptRawBytes.
const MaxReplyBytes = 1 << 20

// keptRawBytes is how much of a reply over MaxReplyBytes its record keeps.
const keptRawBytes = 64 << 10
