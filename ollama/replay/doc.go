// Package replay serves recorded model outputs through a real, in-process
// Ollama imitation (the server code ollamatest shares, ollama/internal/wire),
// so the demo and end-to-end tests run exactly the client code production
// runs, with no GPU and no Ollama.
//
// A replay is a worklist plus a recording: a JSONL file with one line per
// item and stage,
//
//	{"id":"demo-03","stage":"grounding","content":"[...]","done_reason":"length"}
//	{"id":"demo-03","stage":"draft","content":"[...]","thinking":"..."}
//
// NewServer keys each grounding reply by the exact bytes of the model input
// (the padded PNG the pipeline sends) and each draft reply by the exact
// draft prompt (prompts.DraftPrompt of the item's draft), and answers with
// a latency that is realistic (seconds) yet deterministic per item. An input
// the recording does not cover gets prose saying so, which the pipeline
// shows as a failed parse rather than someone else's findings.
//
// The bundled demo (testdata/demo) is synthetic throughout: the images are
// phantoms drawn by code (radiograph/phantom) and the "recorded" outputs were
// written by hand to look like what the models emit. Neither comes from a
// patient or a model. Regenerate it with
//
//	go generate ./ollama/replay
package replay

//go:generate go run ./cmd/gendemo -out ../../testdata/demo
