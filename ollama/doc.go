// Package ollama is cxr-auditor's client of an Ollama server: one Host per
// server, the two model stages as calls (Host.Ground on the image,
// Host.ParseDraft on the draft), the model lookups a caller checks before
// use (ModelInfo with its digest and capabilities, Models, Preload,
// Version), the generation options sent identically on every call
// (Options), and the errors a call ends with (ErrUnreachable, ErrBusy, ...,
// ModelError, HostsDownError).
//
// A Host retries only where retrying can help (a refused connection, HTTP
// 503, nothing received yet), bounds every reply (MaxReplyBytes), and
// returns a stage record even when the call failed, so the failure can be
// shown and stored. A stage calls its model as the served app does: its
// own num_predict, the draft's system message first, and on a complete
// reply with no usable list the retry ladder (Ladder; docs/prompts.md).
// Which host runs which call, and how many at once, is
// the scheduler's (package pipeline). The wire details, and why /api/chat
// is read by hand, are in docs/ollama.md.
//
// cxr-auditor is for research and education only; it is not a medical
// device. All test data in this package is synthetic.
package ollama
