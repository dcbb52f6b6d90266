package audit

import (
	"strconv"
	"time"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// ErrorKind names how a prediction departs from the ground truth for one
// label of one item (docs/metrics.md, "Errors against the truth").
type ErrorKind string

// The truth-error kinds.
const (
	// ErrorMissed: the truth has the label, the prediction does not.
	ErrorMissed ErrorKind = "missed"
	// ErrorSpurious: the prediction has the label, the truth does not.
	ErrorSpurious ErrorKind = "spurious"
	// ErrorMislocated: both have the label, but a box of one side has no
	// box of the other matched to it at the IoU threshold.
	ErrorMislocated ErrorKind = "mislocated"
	// ErrorMatched: both have the label, and the boxes match (or there is
	// no pair of boxes to compare).
	ErrorMatched ErrorKind = "matched"
)

// ErrorKinds returns the truth-error kinds in a fixed order: missed,
// spurious, mislocated, matched.
func ErrorKinds() []ErrorKind {
	return []ErrorKind{ErrorMissed, ErrorSpurious, ErrorMislocated, ErrorMatched}
}

// Valid reports whether k is one of the truth-error kinds.
func (k ErrorKind) Valid() bool {
	return k == ErrorMissed || k == ErrorSpurious || k == ErrorMislocated || k == ErrorMatched
}

// TruthError is one row of the comparison of an item's prediction with its
// truth: a missed, spurious, mislocated or matched finding, with the boxes
// on each side. It is what a triage verdict judges.
type TruthError struct {
	Label schema.Label `json:"label"`
	Kind  ErrorKind    `json:"kind"`
	// Urgent is set on a missed finding whose label is on the urgent
	// whitelist.
	Urgent bool `json:"urgent"`
	// TruthIndex and PredIndex index the item's truth and predicted
	// findings; -1 when the row has no finding on that side.
	TruthIndex int `json:"truth_index"`
	PredIndex  int `json:"pred_index"`
	// Truth and Pred are the boxes of those findings, nil when the finding
	// is missing or has no box.
	Truth *schema.Box `json:"truth_box,omitempty"`
	Pred  *schema.Box `json:"pred_box,omitempty"`
	// IoU is the overlap of Truth and Pred, nil when the row does not
	// compare two boxes.
	IoU *float64 `json:"iou,omitempty"`
}

// Key identifies the row within its item: "label/kind/tI/pJ", I and J the
// finding indices ("-" for none). Triage verdicts are recorded against it;
// it is stable across reruns that give the same findings in the same order.
func (e TruthError) Key() string {
	return string(e.Label) + "/" + string(e.Kind) + "/t" + keyIndex(e.TruthIndex) + "/p" + keyIndex(e.PredIndex)
}

// CorrectionAction names what a truth correction did.
type CorrectionAction string

// The truth correction actions.
const (
	// CorrectAccept took the model's finding (with its box) into the
	// truth, added or in place of the truth finding it was paired with.
	CorrectAccept CorrectionAction = "accept"
	// CorrectRemove removed a truth finding.
	CorrectRemove CorrectionAction = "remove"
	// CorrectAdjust moved an edge of a truth box.
	CorrectAdjust CorrectionAction = "adjust"
)

// Valid reports whether a is one of the correction actions.
func (a CorrectionAction) Valid() bool {
	return a == CorrectAccept || a == CorrectRemove || a == CorrectAdjust
}

// TruthCorrection is one reviewer's correction of an item's ground truth:
// the item's whole truth after it (Findings, [] when nothing is left), so
// the corrected truth is the latest live correction's and the original is
// never changed. Corrections are appended; an undo marks one undone.
type TruthCorrection struct {
	ID        int64            `json:"id"`
	ItemID    string           `json:"item_id"`
	Action    CorrectionAction `json:"action"`
	Label     schema.Label     `json:"label,omitempty"`
	Findings  []schema.Finding `json:"findings"`
	Annotator string           `json:"annotator"`
	At        time.Time        `json:"at"`
}

// keyIndex writes a finding index in a row key: "-" for none (-1).
func keyIndex(i int) string {
	if i < 0 {
		return "-"
	}
	return strconv.Itoa(i)
}
