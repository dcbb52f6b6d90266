package audit

import "github.com/cxr-auditor/cxr-auditor/schema"

// Kind names how the image and the draft disagree about one label.
type Kind string

// The disagreement kinds.
const (
	// MissedInDraft: the image shows the finding, the draft is silent.
	MissedInDraft Kind = "missed_in_draft"
	// ContradictedByImage: the image shows the finding, the draft denies it.
	ContradictedByImage Kind = "contradicted_by_image"
	// HedgedInDraft: the image shows the finding, the draft only hedges.
	HedgedInDraft Kind = "hedged_in_draft"
	// UnsupportedByImage: the draft asserts the finding, the image does not show it.
	UnsupportedByImage Kind = "unsupported_by_image"
)

// Kinds returns the disagreement kinds in a fixed order: MissedInDraft,
// ContradictedByImage, HedgedInDraft, UnsupportedByImage.
func Kinds() []Kind {
	return []Kind{MissedInDraft, ContradictedByImage, HedgedInDraft, UnsupportedByImage}
}

// Valid reports whether k is one of the disagreement kinds.
func (k Kind) Valid() bool {
	return k == MissedInDraft || k == ContradictedByImage || k == HedgedInDraft || k == UnsupportedByImage
}

// Disagreement is one label on which the image and the draft disagree, with
// the evidence from both sides.
type Disagreement struct {
	Label  schema.Label `json:"label"`
	Kind   Kind         `json:"kind"`
	Urgent bool         `json:"urgent"`
	// DraftSpans are the verbatim draft phrases about this label (empty when
	// the draft is silent). Never nil once produced by Compare.
	DraftSpans []string `json:"draft_spans"`
	// Boxes are the image boxes for this label (empty when the image does
	// not show it or showed it without a box). Never nil once produced by
	// Compare.
	Boxes []schema.Box `json:"boxes"`
	// DraftInDoubt marks a disagreement that rests only on a doubtful
	// reading of the draft: the rule labeler reads the label otherwise,
	// and with its reading this disagreement would not be
	// (compare.ThirdOpinion). The reviewer may judge the reading first.
	DraftInDoubt bool `json:"draft_in_doubt,omitempty"`
}

// Key identifies the disagreement within its item: "label/kind". Verdicts
// are recorded against it, so it is stable across reruns that reach the same
// conclusion.
func (d Disagreement) Key() string { return string(d.Label) + "/" + string(d.Kind) }

// UrgentFinding is a whitelisted label the image shows. It makes the item
// URGENT whatever the draft says: a can't-miss finding goes to a reviewer
// even when the draft reports it.
type UrgentFinding struct {
	Label schema.Label `json:"label"`
	// Boxes are the image boxes for the label; never nil once produced.
	Boxes []schema.Box `json:"boxes"`
	// DraftAgrees is true when the draft says present: no disagreement
	// stands for the label, and a reviewer confirms it on its own row.
	DraftAgrees bool `json:"draft_agrees"`
	// DraftSpans are the draft's phrases about the label; never nil once
	// produced.
	DraftSpans []string `json:"draft_spans"`
}

// Key identifies the urgent finding within its item, "label/urgent", for
// the reviewer's verdict on it: the key of its review row (ReviewRows).
func (u UrgentFinding) Key() string { return string(u.Label) + "/" + string(UrgentConfirm) }

// UrgentConfirm is the kind of a review row that is no disagreement: an
// urgent finding that no disagreement stands for (the draft agrees, or
// was not read), which a reviewer confirms. It is not one of Kinds(), and
// Valid is false for it: agreement statistics leave its verdicts out.
const UrgentConfirm Kind = "urgent"

// ReviewRows returns what a reviewer adjudicates on the item: the
// disagreements, then, for each urgent finding no disagreement stands for,
// a row of kind UrgentConfirm (urgent, with the finding's spans and boxes).
// A row's Key is the key of its verdict. Without such findings it is
// r.Disagreements itself.
func (r Report) ReviewRows() []Disagreement {
	extra := 0
	for _, u := range r.UrgentFindings {
		if u.DraftAgrees || r.ImageOnly {
			extra++
		}
	}
	if extra == 0 {
		return r.Disagreements
	}
	rows := make([]Disagreement, 0, len(r.Disagreements)+extra)
	rows = append(rows, r.Disagreements...)
	for _, u := range r.UrgentFindings {
		if u.DraftAgrees || r.ImageOnly {
			rows = append(rows, Disagreement{Label: u.Label, Kind: UrgentConfirm, Urgent: true, DraftSpans: u.DraftSpans, Boxes: u.Boxes})
		}
	}
	return rows
}

// Report is the comparator's verdict on one item.
type Report struct {
	// Urgent is true when the image shows a whitelisted label
	// (UrgentFindings is not empty), whatever the draft says. A report
	// stored before UrgentFindings existed has it only when a disagreement
	// was urgent; the item's next computation brings it
	// up to date.
	Urgent bool `json:"urgent"`
	// Disagreements in the fixed label order of schema.PositiveLabels.
	// Never nil once produced by Compare.
	Disagreements []Disagreement `json:"disagreements"`
	// UrgentFindings in the same order; never nil once produced.
	UrgentFindings []UrgentFinding `json:"urgent_findings"`
	// ImageOnly is true when the draft could not be read and the item was
	// audited on the image alone (compare.CompareImageOnly).
	ImageOnly bool `json:"image_only,omitempty"`
	// DraftDoubts are the labels on which the draft model's reading of the
	// draft and the rule labeler's differ, in schema.Labels order
	// (compare.ThirdOpinion); empty when they agree or the third opinion
	// did not run. RuleLabels is the rule labeler's reading (empty when it
	// read nothing or did not run).
	DraftDoubts []DraftDoubt        `json:"draft_doubts,omitempty"`
	RuleLabels  []schema.DraftLabel `json:"rule_labels,omitempty"`
}

// DraftDoubt is one label on which two readings of the same draft differ:
// the draft model's and the rule labeler's ("draft reading in doubt").
// Each reading is folded as the comparator folds a draft (present over
// uncertain over absent), or schema.StatusSilent when it does not mention
// the label.
type DraftDoubt struct {
	Label      schema.Label  `json:"label"`
	Model      schema.Status `json:"model"`
	ModelSpans []string      `json:"model_spans"`
	Rules      schema.Status `json:"rules"`
	RulesSpans []string      `json:"rules_spans"`
}
