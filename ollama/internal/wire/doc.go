// Package wire is the server side of Ollama's HTTP API, with scripted
// replies in place of a model: real HTTP on a listener, the endpoints
// cxr-auditor calls (/api/version, /api/tags, /api/show, /api/ps,
// /api/chat and the heartbeat), answered as a real Ollama v0.24.0 answers
// them (status codes, content types, token-sized stream chunks, the done
// line and its metrics, error bodies, access checks), with simulated
// generation time, per-model capacity and injectable faults.
//
// It is the one copy of that wire behaviour, shared by the test fake
// (ollamatest) and the demo's replay server (replay), so the production
// binary serves the demo without importing a test package. What it
// imitates, and how that is checked against a real server, is in
// docs/ollama.md and docs/e2e.md. Everything it returns is synthetic; it
// never runs a model.
package wire
