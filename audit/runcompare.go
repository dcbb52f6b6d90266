package audit

import (
	"time"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// DifferenceKind names how two runs' findings differ for one label of one
// item.
type DifferenceKind string

// The kinds of difference between two runs.
const (
	// OnlyA: run A has the label, run B does not.
	OnlyA DifferenceKind = "only_a"
	// OnlyB: run B has the label, run A does not.
	OnlyB DifferenceKind = "only_b"
	// Moved: both have the label, but a box of one has no box of the other
	// at IoU 0.5 or more.
	Moved DifferenceKind = "moved"
)

// RunDifference is one difference between two runs' findings on one item,
// with the boxes of each side: what a compare verdict judges.
type RunDifference struct {
	Label schema.Label   `json:"label"`
	Kind  DifferenceKind `json:"kind"`
	// IndexA and IndexB index the findings of run A and run B; -1 when
	// the row has no finding on that side.
	IndexA int         `json:"index_a"`
	IndexB int         `json:"index_b"`
	BoxA   *schema.Box `json:"box_a,omitempty"`
	BoxB   *schema.Box `json:"box_b,omitempty"`
	// IoU is the overlap of BoxA and BoxB, nil when the row does not
	// compare two boxes.
	IoU *float64 `json:"iou,omitempty"`
}

// Key identifies the difference within its item and pair of runs:
// "label/kind/aI/bJ" ("-" for an index of -1).
func (d RunDifference) Key() string {
	return string(d.Label) + "/" + string(d.Kind) + "/a" + keyIndex(d.IndexA) + "/b" + keyIndex(d.IndexB)
}

// Preference is a reviewer's judgment of one difference between two runs.
type Preference string

// The five judgments, one key each in the compare screen.
const (
	PreferA         Preference = "a_right"
	PreferB         Preference = "b_right"
	PreferBothRight Preference = "both_right"
	PreferBothWrong Preference = "both_wrong"
	PreferUnsure    Preference = "unsure"
)

// Preferences returns the five judgments in display order: A right, B
// right, both right, both wrong, unsure. The slice is new on every call.
func Preferences() []Preference {
	return []Preference{PreferA, PreferB, PreferBothRight, PreferBothWrong, PreferUnsure}
}

// Valid reports whether p is one of the five judgments.
func (p Preference) Valid() bool {
	switch p {
	case PreferA, PreferB, PreferBothRight, PreferBothWrong, PreferUnsure:
		return true
	}
	return false
}

// Title is the judgment as people read it: "A right", "B right", "both
// right", "both wrong", "unsure" ("" for an invalid one).
func (p Preference) Title() string {
	switch p {
	case PreferA:
		return "A right"
	case PreferB:
		return "B right"
	case PreferBothRight:
		return "both right"
	case PreferBothWrong:
		return "both wrong"
	case PreferUnsure:
		return "unsure"
	}
	return ""
}

// CompareVerdict is one reviewer's judgment of one difference between two
// runs on one item. Like a Verdict, the current one for (ItemID, RunA,
// RunB, DifferenceKey, Annotator) is the latest not undone.
type CompareVerdict struct {
	ID     int64  `json:"id"`
	ItemID string `json:"item_id"`
	// RunA is the baseline run, RunB the run compared with it.
	RunA          string       `json:"run_a"`
	RunB          string       `json:"run_b"`
	DifferenceKey string       `json:"difference_key"` // RunDifference.Key()
	Label         schema.Label `json:"label"`
	Preference    Preference   `json:"preference"`
	// Note is the reviewer's words on the judgment; may be empty.
	Note      string    `json:"note,omitempty"`
	Annotator string    `json:"annotator"`
	At        time.Time `json:"at"`
	// Session names the workstation session that gave it, so an undo
	// touches only that session's judgments; "" when none was named.
	Session string `json:"session,omitempty"`
}
