// Package ollamatest provides a protocol-faithful, in-process Ollama server
// for tests, benchmarks and the demo, in the manner of net/http/httptest.
//
// NewServer starts real HTTP on 127.0.0.1 with the endpoints cxr-auditor
// uses: GET /api/version, GET /api/tags, POST /api/show, GET /api/ps and
// POST /api/chat (streamed NDJSON or a single JSON object with
// "stream": false), plus HEAD/GET / like Ollama's heartbeat. Its replies
// follow what a real Ollama server (v0.24.0) was seen to send: the status
// codes, the content types ("application/x-ndjson" for streams,
// "application/json; charset=utf-8" for objects, "application/json" for an
// error raised once generation started), {"error": ...} bodies with Ollama's
// messages verbatim, content split into token-sized chunks, a final done line
// with done_reason and metrics, "load"/"unload" replies to a chat with no
// messages, thinking chunks for models with the "thinking" capability,
// validation of "format", and what a client can observe of the model: a
// model without "vision" never sees the images (Ollama drops them without
// an error, leaving a "[img-N]" tag in the text), a num_ctx above the
// model's ContextLength is cut to it, /api/show reports the capabilities
// and the metadata keys of the model's family, eval_count counts the
// end-of-text token, tools on a model without "tools" are refused. Before
// any handler it makes Ollama's two access checks: an Origin it does not
// allow, or a Host header that is not a local address or name, gets HTTP
// 403 with an empty body. What no endpoint serves gets gin's plain-text
// 404 or 405.
//
// The make target e2e runs a conformance test that sends the same
// requests to a real Ollama server and to this one and compares the
// replies.
//
// Each Model has a simulated generation time (Latency, spread over the
// chunks; a scripted Reply may set its own) and a parallel capacity:
// requests beyond it wait, like requests on a GPU, and a client that gives
// up frees its place. Faults can be injected per model (InjectFault) or
// scripted per input (Reply.Fault): HTTP 404, 500 and 503, HTTP 403 with an
// empty body, a stream cut half-way, a stall, a malformed line, an error
// line after HTTP 200, and Ollama's repetition abort (a stream that ends
// without done:true).
//
// Everything the server returns is synthetic; it never runs a model.
package ollamatest
