// Package schema is the shared vocabulary of cxr-auditor: the six canonical
// chest X-ray labels, the draft statuses, the urgent whitelist, the box
// format, the types that flow between stages (Finding, Box, DraftLabel), the
// tolerant parsers that turn raw model output into those types, and the JSON
// schemas sent to Ollama as the structured-output `format`.
//
// The tolerant parsers, ExtractFindings and ExtractDraftLabels, never fail
// on a fault that costs only part of the answer: a bad box costs the box, an
// unknown label costs its entry, a cut-off list keeps what was complete. They
// return an error (ErrNoJSON, ErrUnexpectedShape) only when the text holds no
// label list at all, and note every repair and drop in Diagnostics.
//
// Models write boxes normalized to [0,1] or on Gemma's 0-1000 scale, and
// overshoot both a little; ReadBox is the one rule that reads either.
//
// It imports only the standard library: every other package may depend on it
// and it depends on none of them.
//
// cxr-auditor is for research and education only; it is not a medical device.
package schema
