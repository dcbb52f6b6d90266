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
// Boxes are read on one of two scales, decided by the largest coordinate
// (ReadBox): at most NormalizedLimit (1.5), the box is normalized to [0,1];
// above, it is on the 0-1000 scale and divided by 1000. Coordinates within
// Margin (0.5) of the image are then clamped onto its edge, and a box with
// one further out is dropped: [-0.1, 0.2, 1.3, 0.5] is a normalized box
// clamped to [0, 0.2, 1, 0.5], [500, 200, 1030, 400] a 0-1000 box clamped
// to [0.5, 0.2, 1, 0.4].
//
// It imports only the standard library: every other package may depend on it
// and it depends on none of them.
//
// cxr-auditor is for research and education only; it is not a medical device.
package schema
