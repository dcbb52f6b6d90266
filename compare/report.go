package compare

import (
	"encoding/json"
	"math"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Estimate is one figure with its percentile bootstrap interval. A NaN
// Value is undefined (the card protocol's 0/0); NaN bounds mean no
// interval (no resamples, no resample where the figure is defined, or a
// figure with no interval, whose Note says why). It marshals to
// {"value", "ci_low", "ci_high"} with null for NaN, plus "small_n": true
// and "note" when set.
type Estimate struct {
	Value, Low, High float64
	// SmallN marks a figure whose count (its support) is under
	// MinSupport: the interval rests on too few cases to say much.
	SmallN bool
	// Note says why a defined figure has no interval by design.
	Note string
}

// NoteNotResampled is the Note of the card protocol's localization
// figures: boxes pooled across items are matched across items, and a
// bootstrap that repeats items changes that pool (docs/metrics.md).
const NoteNotResampled = "no interval: boxes are pooled and matched across items"

// Defined reports whether the value is defined.
func (e Estimate) Defined() bool { return !math.IsNaN(e.Value) }

type estimateJSON struct {
	Value  *float64 `json:"value"`
	Low    *float64 `json:"ci_low"`
	High   *float64 `json:"ci_high"`
	SmallN bool     `json:"small_n,omitempty"`
	Note   string   `json:"note,omitempty"`
}

func nullable(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func fromNullable(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// MarshalJSON writes {"value", "ci_low", "ci_high"}, null for NaN.
func (e Estimate) MarshalJSON() ([]byte, error) {
	return json.Marshal(estimateJSON{nullable(e.Value), nullable(e.Low), nullable(e.High), e.SmallN, e.Note})
}

// UnmarshalJSON reads what MarshalJSON writes (null becomes NaN).
func (e *Estimate) UnmarshalJSON(b []byte) error {
	var j estimateJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*e = Estimate{fromNullable(j.Value), fromNullable(j.Low), fromNullable(j.High), j.SmallN, j.Note}
	return nil
}

// BootstrapInfo is how the intervals of a report were computed.
type BootstrapInfo struct {
	// Method is BootstrapMethod.
	Method string `json:"method"`
	Bootstrap
}

// Report is one run evaluated against the truth: every figure of the
// card's table with its interval (docs/metrics.md defines each, and the
// JSON shape of eval --json is this type's).
type Report struct {
	Protocol  Protocol      `json:"protocol"`
	Bootstrap BootstrapInfo `json:"bootstrap"`
	// Items counts every item of the truth; ParseFailures and Missing
	// those whose prediction failed or was absent (both predict nothing).
	Items            int      `json:"items"`
	ParseFailures    int      `json:"parse_failures"`
	Missing          int      `json:"missing"`
	ParseFailureRate Estimate `json:"parse_failure_rate"`
	// Presence has one entry per positive label.
	Presence map[schema.Label]LabelPresence `json:"presence"`
	MacroF1  Estimate                       `json:"macro_f1"`
	// MacroF1Labels is how many labels MacroF1 averages.
	MacroF1Labels int          `json:"macro_f1_labels"`
	Localization  Localization `json:"localization"`
	// UrgentRecall has one entry per urgent label, in Urgent's order.
	UrgentRecall map[schema.Label]UrgentRecall `json:"urgent_recall"`
	Urgent       []schema.Label                `json:"-"`
}

// LabelPresence scores the presence of one label over items: TP, FP and
// FN count items; N = TP + FN is the support.
type LabelPresence struct {
	N         int      `json:"n"`
	TP        int      `json:"tp"`
	FP        int      `json:"fp"`
	FN        int      `json:"fn"`
	Precision Estimate `json:"precision"`
	Recall    Estimate `json:"recall"`
	F1        Estimate `json:"f1"`
}

// LocalizationAt scores box matching at one IoU threshold, pooled over
// items and labels.
type LocalizationAt struct {
	Matched    int      `json:"matched"`
	TruthBoxes int      `json:"truth_boxes"`
	PredBoxes  int      `json:"pred_boxes"`
	Rate       Estimate `json:"rate"`
	Precision  Estimate `json:"precision"`
}

// Localization scores the boxes at LooseIoU and StrictIoU, and the mean
// IoU of the pairs matched at LooseIoU and at any overlap.
type Localization struct {
	Loose           LocalizationAt `json:"iou_0.3"`
	Strict          LocalizationAt `json:"iou_0.5"`
	MeanIoU         Estimate       `json:"mean_iou"`
	MeanIoUPairs    int            `json:"mean_iou_pairs"`
	MeanIoUAny      Estimate       `json:"mean_iou_any_overlap"`
	MeanIoUAnyPairs int            `json:"mean_iou_any_overlap_pairs"`
}

// UrgentRecall counts, for one whitelisted label, how many of the N
// truth-positive items the prediction also called positive.
type UrgentRecall struct {
	Found  int      `json:"found"`
	N      int      `json:"n"`
	Recall Estimate `json:"recall"`
}

// Comparison is several runs evaluated on the same items, each against the
// first (the baseline) with paired statistics.
type Comparison struct {
	Protocol  Protocol      `json:"protocol"`
	Bootstrap BootstrapInfo `json:"bootstrap"`
	Items     int           `json:"items"`
	Runs      []RunReport   `json:"runs"`
	// Pairs holds one entry per run after the first, in order.
	Pairs []Pair `json:"comparisons"`
	// Tally holds the reviewers' preference tally of each pair that has
	// compare verdicts (AttachTally), in the order of Pairs.
	Tally []Tally `json:"preference_tally,omitempty"`
}

// RunReport is one run's Report under its name.
type RunReport struct {
	Name string `json:"name"`
	Report
}

// Pair compares one run with the baseline: each Estimate is the run's
// figure minus the baseline's, its interval from paired resamples.
type Pair struct {
	Baseline         string                        `json:"baseline"`
	Run              string                        `json:"run"`
	Presence         map[schema.Label]PairPresence `json:"presence"`
	MacroF1          Estimate                      `json:"macro_f1_diff"`
	Loose            PairLocalization              `json:"iou_0.3"`
	Strict           PairLocalization              `json:"iou_0.5"`
	MeanIoU          Estimate                      `json:"mean_iou_diff"`
	MeanIoUAny       Estimate                      `json:"mean_iou_any_overlap_diff"`
	ParseFailureRate Estimate                      `json:"parse_failure_rate_diff"`
	UrgentRecall     map[schema.Label]Estimate     `json:"urgent_recall_diff"`
}

// PairPresence is one label's paired comparison.
type PairPresence struct {
	N         int      `json:"n"`
	Precision Estimate `json:"precision_diff"`
	Recall    Estimate `json:"recall_diff"`
	F1        Estimate `json:"f1_diff"`
	McNemar   McNemar  `json:"mcnemar"`
}

// PairLocalization is the paired difference of the localization rate and
// precision at one threshold.
type PairLocalization struct {
	Rate      Estimate `json:"rate_diff"`
	Precision Estimate `json:"precision_diff"`
}

// McNemar is the exact McNemar test on per-item presence of one label: an
// item is right for a run when the run calls the label present exactly
// when the truth does. BaselineOnly counts items only the baseline got
// right, RunOnly items only the run got right; P is the exact two-sided
// p-value (1 when both are 0).
type McNemar struct {
	BaselineOnly int     `json:"baseline_only"`
	RunOnly      int     `json:"run_only"`
	P            float64 `json:"p"`
}
