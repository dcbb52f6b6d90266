package compare

import (
	"fmt"
	"slices"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// The IoU thresholds at which localization is scored. A predicted box
// matches a truth box when their IoU is at least the threshold.
const (
	LooseIoU  = 0.3
	StrictIoU = 0.5
	// AnyOverlapIoU is the threshold of "any overlap", the second mean IoU
	// the card reports (its harness passes this same value).
	AnyOverlapIoU = 1e-9
)

// Protocol names how predictions are scored against the truth
// (docs/metrics.md, "Two protocols").
type Protocol string

// The two protocols.
const (
	// ProtocolItem matches boxes within each item and defines 0/0 as 0:
	// what a reviewer sees item by item.
	ProtocolItem Protocol = "item"
	// ProtocolCard reproduces the model project's evaluation harness:
	// boxes pooled per label across items before matching, undefined
	// ratios left undefined, macro-F1 over the defined F1s only.
	ProtocolCard Protocol = "card"
)

// ParseProtocol reads a protocol name ("" is ProtocolItem); an unknown name
// is an error that lists the two.
func ParseProtocol(s string) (Protocol, error) {
	switch Protocol(s) {
	case "", ProtocolItem:
		return ProtocolItem, nil
	case ProtocolCard:
		return ProtocolCard, nil
	}
	return "", fmt.Errorf("unknown protocol %q (want %q or %q)", s, ProtocolItem, ProtocolCard)
}

// EvalItem is one item to score: what the model predicted and what the
// ground truth says.
type EvalItem struct {
	ID    string
	Pred  []schema.Finding
	Truth []schema.Finding
	// ParseFailed marks an item whose prediction could not be recovered
	// (an "error" prediction line). Its Pred is ignored: it predicts nothing.
	ParseFailed bool
	// Missing marks an item of the truth that had no prediction at all. Its
	// Pred is ignored: it predicts nothing. It is counted apart from
	// ParseFailed.
	Missing bool
}

// predicted is what the item predicts: nothing when it failed or is
// missing.
func (it EvalItem) predicted() []schema.Finding {
	if it.ParseFailed || it.Missing {
		return nil
	}
	return it.Pred
}

func has(fs []schema.Finding, l schema.Label) bool {
	for _, f := range fs {
		if f.Label == l {
			return true
		}
	}
	return false
}

// boxesFor appends to dst the valid boxes of the findings about l, in order.
func boxesFor(dst []schema.Box, fs []schema.Finding, l schema.Label) []schema.Box {
	for _, f := range fs {
		if f.Label == l && f.Box != nil && f.Box.Valid() {
			dst = append(dst, *f.Box)
		}
	}
	return dst
}

// pair is one candidate truth/prediction match.
type pair struct {
	iou  float64
	t, p int
}

// sortPairs orders candidates from the highest IoU down; equal IoUs go to
// the lower truth index, then the lower prediction index.
func sortPairs(ps []pair) {
	slices.SortFunc(ps, func(a, b pair) int {
		switch {
		case a.iou > b.iou:
			return -1
		case a.iou < b.iou:
			return 1
		case a.t != b.t:
			return a.t - b.t
		default:
			return a.p - b.p
		}
	})
}

// greedyMatch matches truth boxes tb to predicted boxes pb one-to-one,
// taking candidate pairs with IoU >= threshold from the highest IoU down
// (sortPairs' order), so the result depends only on the input order. It
// returns the scratch slice (for reuse), the number of matched pairs and
// the sum of their IoUs; when matched is not nil it is called with each
// matched pair.
func greedyMatch(scratch []pair, tb, pb []schema.Box, threshold float64, matched func(pair)) ([]pair, int, float64) {
	for i, t := range tb {
		for j, p := range pb {
			if iou := t.IoU(p); iou >= threshold {
				scratch = append(scratch, pair{iou, i, j})
			}
		}
	}
	if len(scratch) == 0 {
		return scratch, 0, 0
	}
	sortPairs(scratch)
	// Boxes per label per item are few, so plain flag slices are cheap.
	usedT := make([]bool, len(tb))
	usedP := make([]bool, len(pb))
	var n int
	var sum float64
	for _, c := range scratch {
		if usedT[c.t] || usedP[c.p] {
			continue
		}
		usedT[c.t], usedP[c.p] = true, true
		n++
		sum += c.iou
		if matched != nil {
			matched(c)
		}
	}
	return scratch, n, sum
}
