package compare

import (
	"context"
	"fmt"
	"slices"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// MaxCardPairs bounds the overlapping (truth, prediction) box pairs of one
// label that the card protocol may hold: it pools boxes across items, so
// its cost grows with the square of a label's boxes (docs/metrics.md).
const MaxCardPairs = 20_000_000

// cardPair is one candidate pair of the card protocol: indices into a
// label's pooled truth and predicted boxes.
type cardPair struct {
	iou  float64
	fix  int64 // iou in fixed point
	p, t int32
}

// cardMatcher holds, per positive label, every pooled pair that overlaps
// at all, sorted as the harness takes them: highest IoU first, then the
// lower predicted index, then the lower truth index. A threshold's
// candidates are a prefix of that order.
type cardMatcher struct {
	pairs       [nSlots - 1][]cardPair
	truth, pred [nSlots - 1]int // how many pooled boxes
}

// newCardMatcher pools s's boxes. It is an error (wrapping ErrTooLarge)
// when a label has more than MaxCardPairs overlapping pairs.
func newCardMatcher(ctx context.Context, s *Scores) (*cardMatcher, error) {
	m := &cardMatcher{}
	limit := s.maxPairs
	if limit == 0 {
		limit = MaxCardPairs
	}
	for i, l := range schema.PositiveLabels() {
		tb, pb := s.truth[i], s.pred[i]
		var ps []cardPair
		for p := range pb {
			if p%256 == 0 && ctx.Err() != nil {
				return nil, ctx.Err()
			}
			for t := range tb {
				if iou := pb[p].b.IoU(tb[t].b); iou >= AnyOverlapIoU {
					ps = append(ps, cardPair{iou: iou, fix: toFixed(iou), p: int32(p), t: int32(t)})
				}
			}
			if len(ps) > limit {
				return nil, fmt.Errorf("%w: card protocol: %s has more than %d overlapping box pairs across items (%d truth, %d predicted boxes); it pools boxes across images, so its cost grows with their square: use --protocol item",
					ErrTooLarge, l, limit, len(tb), len(pb))
			}
		}
		slices.SortFunc(ps, func(a, b cardPair) int {
			switch {
			case a.iou > b.iou:
				return -1
			case a.iou < b.iou:
				return 1
			case a.p != b.p:
				return int(a.p - b.p)
			default:
				return int(a.t - b.t)
			}
		})
		m.pairs[i] = ps
		m.truth[i], m.pred[i] = len(tb), len(pb)
	}
	return m, nil
}

// match runs the harness's greedy one-to-one matching at the three
// thresholds for every label, writes the matched counts and fixed-point
// IoU sums into t, and returns the IoU sums in float, added in the
// harness's order (label, then match order).
func (m *cardMatcher) match(t *sums) (loose, anyIoU float64) {
	t[dLoose], t[dStrict], t[dAny], t[dIoULoose], t[dIoUAny] = 0, 0, 0, 0, 0
	for i := range m.pairs {
		for _, th := range []struct {
			min      float64
			n, fix   int
			floatSum *float64
		}{{LooseIoU, dLoose, dIoULoose, &loose}, {StrictIoU, dStrict, -1, nil}, {AnyOverlapIoU, dAny, dIoUAny, &anyIoU}} {
			usedT, usedP := make([]bool, m.truth[i]), make([]bool, m.pred[i])
			for _, c := range m.pairs[i] {
				if c.iou < th.min {
					break
				}
				if usedT[c.t] || usedP[c.p] {
					continue
				}
				usedT[c.t], usedP[c.p] = true, true
				t[th.n]++
				if th.fix >= 0 {
					t[th.fix] += c.fix
					*th.floatSum += c.iou
				}
			}
		}
	}
	return loose, anyIoU
}
