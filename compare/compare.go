package compare

import (
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

// Compare reports, label by label, where the grounded findings and the draft
// labels disagree, and flags as urgent the disagreements about whitelisted
// labels that the image shows.
//
// For each positive label, in schema.PositiveLabels order:
//
//   - the image shows the label when any finding carries it (with or without
//     a box);
//   - the draft says "present" when any draft label says present (present
//     wins over absent and uncertain for the same label, since laterality is
//     not modelled), else "uncertain" when any hedges, else "absent" when any
//     denies it; a draft that asserts no_finding (status present) and never
//     mentions the label otherwise counts as denying it; otherwise the draft
//     is silent.
//
// The disagreement kinds are: image yes and draft silent → MissedInDraft;
// image yes and draft absent → ContradictedByImage; image yes and draft
// uncertain → HedgedInDraft; image no and draft present →
// UnsupportedByImage. Image no and draft uncertain is not a disagreement: a
// hedge about something the image does not show is not contradicted by it.
//
// A disagreement is urgent when its label is in whitelist (nil or empty:
// nothing is urgent) and the image shows it (a draft asserting a finding the image lacks is never urgent: nothing
// can be missed). The report is urgent when any disagreement is.
//
// Each disagreement carries the draft's spans about the label (all non-empty
// spans of draft labels with that label, deduplicated, in draft order; for an
// absence implied by no_finding, the spans asserting no_finding) and the image boxes for
// the label (every non-nil box, in finding order). Findings and draft labels
// with labels or statuses outside the canonical vocabulary are ignored.
//
// Compare is deterministic and never returns nil slices in the Report, so the
// JSON shows [] rather than null.
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

	rep := audit.Report{Disagreements: []audit.Disagreement{}}
	for _, l := range schema.PositiveLabels() {
		shown := false
		for _, f := range findings {
			if f.Label == l {
				shown = true
				break
			}
		}
		state := stateOf(draft, l)
		implied := false
		if state == draftSilent && noFinding {
			state, implied = draftAbsent, true
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

		spans := spansOf(draft, l, false)
		if implied {
			spans = spansOf(draft, schema.NoFinding, true)
		}
		d := audit.Disagreement{
			Label:      l,
			Kind:       kind,
			Urgent:     shown && urgent[l],
			DraftSpans: spans,
			Boxes:      boxesOf(findings, l),
		}
		rep.Urgent = rep.Urgent || d.Urgent
		rep.Disagreements = append(rep.Disagreements, d)
	}
	return rep
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
