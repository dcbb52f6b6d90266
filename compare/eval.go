package compare

import (
	"slices"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// The IoU thresholds at which localization is scored. A predicted box
// matches a truth box when their IoU is at least the threshold.
const (
	LooseIoU  = 0.3
	StrictIoU = 0.5
)

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

// PresenceMetrics scores the presence of one label over items.
type PresenceMetrics struct {
	// N is the number of truth-positive items (support).
	N int `json:"n"`
	// Precision is TP/(TP+FP), 0 when nothing was predicted positive.
	Precision float64 `json:"precision"`
	// Recall is TP/N, 0 when N is 0.
	Recall float64 `json:"recall"`
	// F1 is the harmonic mean of Precision and Recall, 0 when both are 0.
	F1 float64 `json:"f1"`
	// TP, FP and FN are the item counts behind the ratios (not in the JSON,
	// whose shape is fixed; shown by the eval table).
	TP int `json:"-"`
	FP int `json:"-"`
	FN int `json:"-"`
}

// LocalizationAt scores box matching at one IoU threshold, pooled over all
// items and labels.
type LocalizationAt struct {
	// Rate is matched truth boxes / truth boxes, 0 when there are none.
	Rate float64 `json:"rate"`
	// Precision is matched predicted boxes / predicted boxes, 0 when there
	// are none.
	Precision float64 `json:"precision"`
	// Matched, TruthBoxes and PredBoxes are the counts behind the ratios.
	Matched    int `json:"-"`
	TruthBoxes int `json:"-"`
	PredBoxes  int `json:"-"`
}

// Localization scores the boxes at LooseIoU and StrictIoU.
type Localization struct {
	Loose  LocalizationAt `json:"iou_0.3"`
	Strict LocalizationAt `json:"iou_0.5"`
	// MeanIoU is the mean IoU of the pairs matched at LooseIoU, 0 when no
	// pair matched.
	MeanIoU float64 `json:"mean_iou"`
}

// UrgentRecall counts, for one whitelisted label, how many truth-positive
// items the prediction also called positive.
type UrgentRecall struct {
	Found int `json:"found"`
	N     int `json:"n"`
}

// Metrics is the evaluation of a set of predictions against ground truth.
// Every float is finite (0/0 is defined as 0), so it always marshals to
// JSON, with exactly the keys documented in docs/metrics.md.
type Metrics struct {
	// Items is the number of items scored (including failed and missing).
	Items int `json:"items"`
	// ParseFailures is the number of items with ParseFailed.
	ParseFailures int `json:"parse_failures"`
	// Missing is the number of items with Missing (not in the JSON, whose
	// shape is fixed; the eval command reports it apart).
	Missing int `json:"-"`
	// Presence has one entry per positive label, even when N is 0.
	Presence map[schema.Label]PresenceMetrics `json:"presence"`
	// MacroF1 is the mean F1 over the positive labels with N > 0, 0 when
	// there are none.
	MacroF1      float64      `json:"macro_f1"`
	Localization Localization `json:"localization"`
	// UrgentRecall has one entry per whitelisted label.
	UrgentRecall map[schema.Label]UrgentRecall `json:"urgent_recall"`
}

// Evaluate scores items against their truth. Presence, localization and
// macro-F1 cover the positive labels; urgent recall covers the labels of
// urgent (duplicates collapse). A ParseFailed or Missing item predicts
// nothing. Findings with labels outside the vocabulary are ignored; boxes
// that are nil or not Valid are not localization targets nor predictions.
// The result is deterministic; it does not depend on the order of items
// (except for float rounding in MeanIoU), and depends on the order of
// findings within an item only through the tie-breaking of equal IoUs.
func Evaluate(items []EvalItem, urgent []schema.Label) Metrics {
	positives := schema.PositiveLabels()
	m := Metrics{
		Items:        len(items),
		UrgentRecall: make(map[schema.Label]UrgentRecall, len(urgent)),
	}
	for _, l := range urgent {
		m.UrgentRecall[l] = UrgentRecall{}
	}
	t := newTally(positives)
	for _, it := range items {
		pred := it.Pred
		switch {
		case it.ParseFailed:
			m.ParseFailures++
			pred = nil
		case it.Missing:
			m.Missing++
			pred = nil
		}
		for _, l := range positives {
			t.add(l, it.Truth, pred)
		}
		for l, u := range m.UrgentRecall {
			if has(it.Truth, l) {
				u.N++
				if has(pred, l) {
					u.Found++
				}
				m.UrgentRecall[l] = u
			}
		}
	}
	m.Presence, m.MacroF1 = t.presence(positives)
	m.Localization = t.localization()
	return m
}

// tally accumulates presence counts and box matches over the items.
type tally struct {
	counts        map[schema.Label]*PresenceMetrics
	loose, strict LocalizationAt
	iouSum        float64
	// Scratch buffers reused across items keep the hot loop
	// allocation-light.
	tb, pb []schema.Box
	pairs  []pair
}

func newTally(positives []schema.Label) *tally {
	t := &tally{counts: make(map[schema.Label]*PresenceMetrics, len(positives))}
	for _, l := range positives {
		t.counts[l] = &PresenceMetrics{}
	}
	return t
}

// add scores one item's truth and prediction for label l.
func (t *tally) add(l schema.Label, truth, pred []schema.Finding) {
	tr, p := has(truth, l), has(pred, l)
	c := t.counts[l]
	switch {
	case tr && p:
		c.TP++
	case p:
		c.FP++
	case tr:
		c.FN++
	}
	t.tb = boxesFor(t.tb[:0], truth, l)
	t.pb = boxesFor(t.pb[:0], pred, l)
	t.loose.TruthBoxes += len(t.tb)
	t.loose.PredBoxes += len(t.pb)
	t.strict.TruthBoxes += len(t.tb)
	t.strict.PredBoxes += len(t.pb)
	if len(t.tb) == 0 || len(t.pb) == 0 {
		return
	}
	var n int
	var sum float64
	t.pairs, n, sum = greedyMatch(t.pairs[:0], t.tb, t.pb, LooseIoU)
	t.loose.Matched += n
	t.iouSum += sum
	t.pairs, n, _ = greedyMatch(t.pairs[:0], t.tb, t.pb, StrictIoU)
	t.strict.Matched += n
}

// presence returns the per-label presence metrics and their macro-F1 over
// the labels with N > 0.
func (t *tally) presence(positives []schema.Label) (map[schema.Label]PresenceMetrics, float64) {
	out := make(map[schema.Label]PresenceMetrics, len(positives))
	var f1Sum float64
	var f1N int
	for _, l := range positives {
		c := t.counts[l]
		c.N = c.TP + c.FN
		c.Precision = ratio(c.TP, c.TP+c.FP)
		c.Recall = ratio(c.TP, c.N)
		if c.Precision+c.Recall > 0 {
			c.F1 = 2 * c.Precision * c.Recall / (c.Precision + c.Recall)
		}
		out[l] = *c
		if c.N > 0 {
			f1Sum += c.F1
			f1N++
		}
	}
	if f1N == 0 {
		return out, 0
	}
	return out, f1Sum / float64(f1N)
}

// localization returns the box-matching rates at both IoU thresholds.
func (t *tally) localization() Localization {
	for _, la := range []*LocalizationAt{&t.loose, &t.strict} {
		la.Rate = ratio(la.Matched, la.TruthBoxes)
		la.Precision = ratio(la.Matched, la.PredBoxes)
	}
	loc := Localization{Loose: t.loose, Strict: t.strict}
	if t.loose.Matched > 0 {
		loc.MeanIoU = t.iouSum / float64(t.loose.Matched)
	}
	return loc
}

// ratio is num/den with 0/0 defined as 0, so metrics stay JSON-safe.
func ratio(num, den int) float64 {
	if den == 0 {
		return 0
	}
	return float64(num) / float64(den)
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

// greedyMatch matches truth boxes tb to predicted boxes pb one-to-one,
// taking candidate pairs with IoU >= threshold from the highest IoU down;
// ties go to the lower truth index, then the lower prediction index, so the
// result depends only on the input order. It returns the scratch slice (for
// reuse), the number of matched pairs and the sum of their IoUs.
func greedyMatch(scratch []pair, tb, pb []schema.Box, threshold float64) ([]pair, int, float64) {
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
	slices.SortFunc(scratch, func(a, b pair) int {
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
	}
	return scratch, n, sum
}
