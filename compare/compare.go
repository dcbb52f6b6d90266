package compare

import (
	"slices"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// draftState is what the draft, taken as a whole, says about one label.
type draftState int

const (
	draftSilent draftState = iota
	draftAbsent
	draftUncertain
	draftPresent
)

// Compare reports, label by label in schema.PositiveLabels order, where the
// grounded findings and the draft labels disagree, with the draft's spans
// and the image's boxes as evidence. A disagreement is urgent when its label
// is in whitelist (nil or empty: nothing is urgent) and the image shows it.
// The item is urgent, as the served app has it, when the image shows any
// label in whitelist, whatever the draft says: Report.UrgentFindings lists
// each with its boxes, spans and whether the draft agrees (says present,
// so that no disagreement stands for it); Report.Urgent is true exactly
// when that list is not empty. docs/metrics.md ("The comparator") is the full rule: how the draft's
// labels fold into one reading per label, the kind of each disagreement,
// and no_finding's implied absences.
//
// Compare is deterministic, ignores labels and statuses outside the
// vocabulary, and never returns nil slices in the Report, so the JSON shows
// [] rather than null.
func Compare(findings []schema.Finding, draft []schema.DraftLabel, whitelist []schema.Label) audit.Report {
	urgent := make(map[schema.Label]bool, len(whitelist))
	for _, l := range whitelist {
		urgent[l] = true
	}
	noFinding := false
	for _, d := range draft {
		if d.Label == schema.NoFinding && d.Status == schema.StatusPresent {
			noFinding = true
			break
		}
	}

	rep := audit.Report{Disagreements: []audit.Disagreement{}, UrgentFindings: []audit.UrgentFinding{}}
	for _, l := range schema.PositiveLabels() {
		shown := shows(findings, l)
		state := stateOf(draft, l)
		implied := false
		if state == draftSilent && noFinding {
			state, implied = draftAbsent, true
		}
		spans := spansOf(draft, l, false)
		if implied {
			spans = spansOf(draft, schema.NoFinding, true)
		}
		if shown && urgent[l] {
			rep.UrgentFindings = append(rep.UrgentFindings, audit.UrgentFinding{
				Label: l, Boxes: boxesOf(findings, l), DraftAgrees: state == draftPresent, DraftSpans: spans})
		}

		var kind audit.Kind
		switch {
		case shown && state == draftSilent:
			kind = audit.MissedInDraft
		case shown && state == draftAbsent:
			kind = audit.ContradictedByImage
		case shown && state == draftUncertain:
			kind = audit.HedgedInDraft
		case !shown && state == draftPresent:
			kind = audit.UnsupportedByImage
		default:
			continue
		}

		rep.Disagreements = append(rep.Disagreements, audit.Disagreement{
			Label:      l,
			Kind:       kind,
			Urgent:     shown && urgent[l],
			DraftSpans: spans,
			Boxes:      boxesOf(findings, l),
		})
	}
	rep.Urgent = len(rep.UrgentFindings) > 0
	return rep
}

// CompareImageOnly is the report of an item whose draft could not be read:
// no disagreements (nobody knows what the draft says), the urgent findings
// of the image as Compare has them (none agreed by the draft), ImageOnly
// set. The served app audits such an item the same way rather than
// failing it.
func CompareImageOnly(findings []schema.Finding, whitelist []schema.Label) audit.Report {
	rep := audit.Report{Disagreements: []audit.Disagreement{}, UrgentFindings: []audit.UrgentFinding{}, ImageOnly: true}
	for _, l := range schema.PositiveLabels() {
		if shows(findings, l) && slices.Contains(whitelist, l) {
			rep.UrgentFindings = append(rep.UrgentFindings, audit.UrgentFinding{Label: l, Boxes: boxesOf(findings, l), DraftSpans: []string{}})
		}
	}
	rep.Urgent = len(rep.UrgentFindings) > 0
	return rep
}

// shows reports whether any finding carries l.
func shows(findings []schema.Finding, l schema.Label) bool {
	for _, f := range findings {
		if f.Label == l {
			return true
		}
	}
	return false
}

// stateOf folds every draft label about l into one state; the strongest
// assertion wins (present > uncertain > absent > silent). Only the implied
// absence of no_finding is handled by the caller.
func stateOf(draft []schema.DraftLabel, l schema.Label) draftState {
	state := draftSilent
	for _, d := range draft {
		if d.Label != l {
			continue
		}
		var s draftState
		switch d.Status {
		case schema.StatusPresent:
			s = draftPresent
		case schema.StatusUncertain:
			s = draftUncertain
		case schema.StatusAbsent:
			s = draftAbsent
		default:
			continue
		}
		state = max(state, s)
	}
	return state
}

// spansOf returns the non-empty spans of the draft labels about l with a
// valid status (only StatusPresent when presentOnly), deduplicated, in draft
// order; never nil.
func spansOf(draft []schema.DraftLabel, l schema.Label, presentOnly bool) []string {
	out := []string{}
	for _, d := range draft {
		if d.Label != l || d.Span == "" || !d.Status.Valid() {
			continue
		}
		if presentOnly && d.Status != schema.StatusPresent {
			continue
		}
		dup := false
		for _, s := range out {
			if s == d.Span {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, d.Span)
		}
	}
	return out
}

// boxesOf returns the non-nil boxes of the findings about l, in finding
// order; never nil.
func boxesOf(findings []schema.Finding, l schema.Label) []schema.Box {
	out := []schema.Box{}
	for _, f := range findings {
		if f.Label == l && f.Box != nil {
			out = append(out, *f.Box)
		}
	}
	return out
}
