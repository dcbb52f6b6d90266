// Package e2e is cxr-auditor's end-to-end suite against a real Ollama
// server: it builds the cxr-auditor binary and drives it through its
// command line, as a user would (doctor, run, review in a real terminal
// under tmux, export), against `ollama serve` with tiny random-weight
// models the project writes itself (packages realollama and tinymodel).
//
// The tests carry the build tag e2e and run with
//
//	make e2e                       # OLLAMA_BIN, else ollama on PATH
//	OLLAMA_BIN=/path/to/ollama make e2e
//
// Without an ollama binary every test skips, saying how to run it; the
// review test also needs tmux. CI runs it with Ollama v0.24.0
// (../shared/ollama/ollama beside the project). A model call takes a
// second or two on a CPU, so the suite takes a minute or two; the tests
// assert behaviour, never time.
//
// The name: this package holds the suite, and its sub-packages hold what
// the suite needs and nothing else uses (the server harness, the model
// writer); the ollama/ollamatest conformance tests borrow them.
package e2e
