// Package schema is the shared vocabulary of cxr-auditor: the six canonical
// chest X-ray labels, the draft statuses, the urgent whitelist, the box
// format, the types that flow between stages (Finding, Box, DraftLabel), the
// tolerant parsers that turn raw model output into those types, and the JSON
// schemas sent to Ollama as the structured-output `format`.
//
// It imports only the standard library: every other package may depend on it
// and it depends on none of them.
//
// cxr-auditor is for research and education only; it is not a medical device.
package schema
