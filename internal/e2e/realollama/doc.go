// Package realollama runs a real Ollama server for tests: `ollama serve`
// from $OLLAMA_BIN (else `ollama` on PATH; tests skip, saying how to run
// them, when there is neither), on a loopback port, with its own model
// store and home directory in the test's temporary directory, stopped by
// its own process id when the test ends. It creates the project's tiny
// random-weight models on it (package tinymodel) with `ollama create`, as a
// user would import a model.
//
// The make target `e2e` runs the suites that use it (build tag e2e); CI
// sets OLLAMA_BIN to the Ollama v0.24.0 binary kept beside the project.
// Any recent Ollama is the same program and should pass too.
package realollama
