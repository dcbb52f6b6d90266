// Package compare is the judgment layer of cxr-auditor: the deterministic
// comparator between what a vision model grounded in the image and what a
// draft impression says (Compare), and the evaluation of predictions
// against ground truth. No model is involved, so the same inputs always
// give the same results. docs/metrics.md defines every figure.
//
// Evaluation:
//
//   - Scores reduces one run's items (EvalItem: truth, prediction, parse
//     failure) to counts; Evaluate gives its Report, every figure of the
//     model card's table with a percentile bootstrap interval, under the
//     item protocol or the card's (Protocol).
//   - CompareRuns scores several runs on the same items, each against the
//     first, with paired resamples and McNemar's exact test (Comparison,
//     Pair); AttachTally adds reviewers' preference tallies.
//   - TruthErrors lists one item's errors against its truth (missed,
//     spurious, mislocated, matched) for triage; RunDifferences lists where
//     two runs differ on one item, for the compare screen.
//   - Live keeps one run's figures current as items change, for the
//     workstation's metrics pane.
//
// Report and Comparison marshal to the JSON of eval --json and print the
// tables of eval (WriteText).
package compare
