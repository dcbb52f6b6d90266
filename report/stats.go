package report

import (
	"math"
	"time"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/compare"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// iouBins is how many equal bins the IoU histogram has over [0, 1].
const iouBins = 10

// runStats is what a run's items add up to beyond eval's figures: the
// IoU of every matched box pair, the error rows per label and kind, and
// per item what the pictures are chosen by.
type runStats struct {
	iou    [iouBins]int
	errors map[schema.Label]map[audit.ErrorKind]int
	// worst is each item's lowest IoU over its box pairs (NaN: none);
	// urgentMiss marks an item with a missed urgent finding.
	worst      []float64
	urgentMiss []bool
	// wrong marks an item with any error row (missed, spurious,
	// mislocated).
	wrong []bool
}

// collectStats compares every item of every run with its truth, as eval
// --errors does.
func collectStats(in Input) []runStats {
	out := make([]runStats, len(in.Runs))
	for r, run := range in.Runs {
		st := runStats{errors: map[schema.Label]map[audit.ErrorKind]int{},
			worst: make([]float64, len(in.Items)), urgentMiss: make([]bool, len(in.Items)), wrong: make([]bool, len(in.Items))}
		for _, l := range schema.PositiveLabels() {
			st.errors[l] = map[audit.ErrorKind]int{}
		}
		for i, it := range in.Items {
			pred := run.Preds[i]
			if at(run.Failed, i) || at(run.Missing, i) {
				pred = nil
			}
			st.worst[i] = math.NaN()
			for _, e := range compare.TruthErrors(it.Truth, pred, in.Options.Urgent, in.IoU) {
				if m := st.errors[e.Label]; m != nil {
					m[e.Kind]++
				}
				if e.Kind != audit.ErrorMatched {
					st.wrong[i] = true
				}
				if e.Urgent && e.Kind == audit.ErrorMissed {
					st.urgentMiss[i] = true
				}
				if e.IoU == nil {
					continue
				}
				v := *e.IoU
				if e.Kind == audit.ErrorMatched {
					st.iou[min(iouBins-1, max(0, int(v*iouBins)))]++
				}
				if math.IsNaN(st.worst[i]) || v < st.worst[i] {
					st.worst[i] = v
				}
			}
		}
		out[r] = st
	}
	return out
}

// date formats a time for the summary, "" for none.
func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}
