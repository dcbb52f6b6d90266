package compare

import (
	"slices"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// TruthErrors compares one item's predicted findings with its truth, label
// by label in schema.PositiveLabels order, as the item protocol scores it:
//
//   - a label in the truth and not in the prediction gives one
//     audit.ErrorMissed row per truth finding (Urgent when the label is in
//     urgent);
//   - a label in the prediction and not in the truth gives one
//     audit.ErrorSpurious row per predicted finding;
//   - a label in both: boxes are matched one-to-one from the highest IoU
//     down at threshold (LooseIoU when threshold <= 0), each match an
//     audit.ErrorMatched row with its IoU. The boxes left over are paired
//     the same way at any IoU, each pair an audit.ErrorMislocated row; a box
//     left over after that is a mislocated row paired with the box of the
//     other side it overlaps most. When one side has no box for the label,
//     nothing can be located: each box of the other side (or, with no box
//     on either side, the label once) is a matched row without an IoU.
//
// Findings with a nil or invalid box take part in presence only. A pure
// function of its inputs, cheap enough to call on every item shown; rows
// of one label come in the order described, matched rows by falling IoU.
// docs/metrics.md has examples.
func TruthErrors(truth, pred []schema.Finding, urgent []schema.Label, threshold float64) []audit.TruthError {
	if threshold <= 0 {
		threshold = LooseIoU
	}
	var rows []audit.TruthError
	for _, l := range schema.PositiveLabels() {
		ti, pi := findingsOf(truth, l), findingsOf(pred, l)
		switch {
		case len(ti) == 0 && len(pi) == 0:
		case len(pi) == 0:
			u := slices.Contains(urgent, l)
			for _, i := range ti {
				rows = append(rows, audit.TruthError{Label: l, Kind: audit.ErrorMissed, Urgent: u,
					TruthIndex: i, PredIndex: -1, Truth: truth[i].Box})
			}
		case len(ti) == 0:
			for _, j := range pi {
				rows = append(rows, audit.TruthError{Label: l, Kind: audit.ErrorSpurious,
					TruthIndex: -1, PredIndex: j, Pred: pred[j].Box})
			}
		default:
			rows = locate(rows, l, truth, pred, ti, pi, threshold)
		}
	}
	return rows
}

// findingsOf returns the indices of the findings about l.
func findingsOf(fs []schema.Finding, l schema.Label) []int {
	var out []int
	for i, f := range fs {
		if f.Label == l {
			out = append(out, i)
		}
	}
	return out
}

// boxedOf keeps the indices whose finding has a valid box.
func boxedOf(fs []schema.Finding, idx []int) []int {
	var out []int
	for _, i := range idx {
		if fs[i].Box != nil && fs[i].Box.Valid() {
			out = append(out, i)
		}
	}
	return out
}

// locate appends the rows of a label that both sides have (TruthErrors).
func locate(rows []audit.TruthError, l schema.Label, truth, pred []schema.Finding, ti, pi []int, threshold float64) []audit.TruthError {
	tb, pb := boxedOf(truth, ti), boxedOf(pred, pi)
	row := func(kind audit.ErrorKind, t, p int, iou *float64) audit.TruthError {
		e := audit.TruthError{Label: l, Kind: kind, TruthIndex: t, PredIndex: p, IoU: iou}
		if t >= 0 {
			e.Truth = truth[t].Box
		}
		if p >= 0 {
			e.Pred = pred[p].Box
		}
		return e
	}
	switch {
	case len(tb) == 0 && len(pb) == 0:
		return append(rows, row(audit.ErrorMatched, ti[0], pi[0], nil))
	case len(pb) == 0:
		for _, t := range tb {
			rows = append(rows, row(audit.ErrorMatched, t, pi[0], nil))
		}
		return rows
	case len(tb) == 0:
		for _, p := range pb {
			rows = append(rows, row(audit.ErrorMatched, ti[0], p, nil))
		}
		return rows
	}
	usedT, usedP := make([]bool, len(tb)), make([]bool, len(pb))
	pairUp := func(min float64, kind audit.ErrorKind) {
		var cands []pair
		for a, t := range tb {
			for b, p := range pb {
				if usedT[a] || usedP[b] {
					continue
				}
				if iou := truth[t].Box.IoU(*pred[p].Box); iou >= min {
					cands = append(cands, pair{iou, a, b})
				}
			}
		}
		sortPairs(cands)
		for _, c := range cands {
			if usedT[c.t] || usedP[c.p] {
				continue
			}
			usedT[c.t], usedP[c.p] = true, true
			rows = append(rows, row(kind, tb[c.t], pb[c.p], ptr(c.iou)))
		}
	}
	pairUp(threshold, audit.ErrorMatched)
	pairUp(0, audit.ErrorMislocated)
	for a, t := range tb {
		if !usedT[a] {
			b, iou := bestOverlap(*truth[t].Box, pred, pb)
			rows = append(rows, row(audit.ErrorMislocated, t, b, ptr(iou)))
		}
	}
	for b, p := range pb {
		if !usedP[b] {
			a, iou := bestOverlap(*pred[p].Box, truth, tb)
			rows = append(rows, row(audit.ErrorMislocated, a, p, ptr(iou)))
		}
	}
	return rows
}

// bestOverlap returns the index (among idx) of the finding whose box
// overlaps b most, the first on a tie, and that IoU.
func bestOverlap(b schema.Box, fs []schema.Finding, idx []int) (int, float64) {
	best, bestIoU := idx[0], -1.0
	for _, i := range idx {
		if iou := b.IoU(*fs[i].Box); iou > bestIoU {
			best, bestIoU = i, iou
		}
	}
	return best, bestIoU
}

func ptr(v float64) *float64 { return &v }

// RunDifferences lists where two runs' findings on one item differ, label
// by label in schema.PositiveLabels order: a label only one run has (one
// row per finding of that run), or, for a label both have, each box of one
// run with no box of the other at StrictIoU or more (matched one-to-one
// from the highest IoU down; a leftover box is paired with the other run's
// box it overlaps most). When one run has no box for a label both have,
// there is nothing to compare and no row. Runs that agree give no rows.
// The compare screen lists items with rows first and records verdicts
// against RunDifference.Key.
func RunDifferences(a, b []schema.Finding) []audit.RunDifference {
	var rows []audit.RunDifference
	for _, l := range schema.PositiveLabels() {
		ai, bi := findingsOf(a, l), findingsOf(b, l)
		switch {
		case len(ai) == 0 && len(bi) == 0:
		case len(bi) == 0:
			for _, i := range ai {
				rows = append(rows, audit.RunDifference{Label: l, Kind: audit.OnlyA, IndexA: i, IndexB: -1, BoxA: a[i].Box})
			}
		case len(ai) == 0:
			for _, j := range bi {
				rows = append(rows, audit.RunDifference{Label: l, Kind: audit.OnlyB, IndexA: -1, IndexB: j, BoxB: b[j].Box})
			}
		default:
			// The truth-error rule with A as the truth: its mislocated rows
			// are the moved boxes.
			for _, e := range locate(nil, l, a, b, ai, bi, StrictIoU) {
				if e.Kind == audit.ErrorMislocated {
					rows = append(rows, audit.RunDifference{Label: l, Kind: audit.Moved,
						IndexA: e.TruthIndex, IndexB: e.PredIndex, BoxA: e.Truth, BoxB: e.Pred, IoU: e.IoU})
				}
			}
		}
	}
	return rows
}
