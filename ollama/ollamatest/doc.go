// Package ollamatest provides a protocol-faithful, in-process Ollama server
// for tests, benchmarks and development tools, in the manner of
// net/http/httptest: NewServer starts it on 127.0.0.1 and the caller
// Closes it.
//
// The server answers as a real Ollama v0.24.0 does (the endpoints, the
// replies and the faults are listed in docs/ollama.md); each Model has a
// simulated generation time and a parallel capacity, and faults can be
// injected per model (InjectFault) or scripted per input (Reply.Fault,
// Script). The make target e2e checks it against a real server.
//
// The production binary never imports this package: the demo serves its
// recording through ollama/replay, which shares the same server code
// (ollama/internal/wire). Everything the server returns is synthetic; it
// never runs a model.
package ollamatest
