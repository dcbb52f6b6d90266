// Package compare is the judgment layer of cxr-auditor: the deterministic
// comparator between what a vision model grounded in the image and what a
// draft impression says (Compare), and the evaluation of predictions against
// ground truth (Evaluate). No model is involved, so the same inputs always
// give the same report. docs/metrics.md defines every figure.
package compare
