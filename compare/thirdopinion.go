package compare

import (
	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Doubts returns the labels, in schema.Labels order, on which the two
// readings of a draft differ, with each reading's status and spans; never
// nil. no_finding is compared like any label; the absence it implies for
// the others is not (each reading says what it says).
func Doubts(model, rules []schema.DraftLabel) []audit.DraftDoubt {
	out := []audit.DraftDoubt{}
	for _, l := range schema.Labels() {
		m, r := readingOf(model, l), readingOf(rules, l)
		if m == r {
			continue
		}
		out = append(out, audit.DraftDoubt{Label: l, Model: m, ModelSpans: spansOf(model, l, false),
			Rules: r, RulesSpans: spansOf(rules, l, false)})
	}
	return out
}

// readingOf folds a reading's labels about l into one status.
func readingOf(draft []schema.DraftLabel, l schema.Label) schema.Status {
	switch stateOf(draft, l) {
	case draftPresent:
		return schema.StatusPresent
	case draftUncertain:
		return schema.StatusUncertain
	case draftAbsent:
		return schema.StatusAbsent
	}
	return schema.StatusSilent
}

// ThirdOpinion adds the rule labeler's reading (rules) of the draft to rep,
// made by Compare from findings and the draft model's reading (model) with
// whitelist: rep.RuleLabels, rep.DraftDoubts (Doubts; both nil when
// empty), and DraftInDoubt on
// each disagreement whose label is in doubt and which Compare would not
// report, with that kind, from the rules reading: it rests only on a
// doubtful reading. Nothing else of rep changes; the verdicts' keys stay.
func ThirdOpinion(rep *audit.Report, findings []schema.Finding, model, rules []schema.DraftLabel, whitelist []schema.Label) {
	// Empty stays nil: a stored report (fields omitted when empty) reads
	// back as it was made.
	rep.RuleLabels, rep.DraftDoubts = nil, nil
	if len(rules) > 0 {
		rep.RuleLabels = append([]schema.DraftLabel{}, rules...)
	}
	d := Doubts(model, rules)
	if len(d) == 0 {
		return
	}
	rep.DraftDoubts = d
	doubt := map[schema.Label]bool{}
	for _, d := range rep.DraftDoubts {
		doubt[d.Label] = true
	}
	other := Compare(findings, rules, whitelist)
	for i := range rep.Disagreements {
		d := &rep.Disagreements[i]
		if !doubt[d.Label] && !(doubt[schema.NoFinding] && impliedByNoFinding(model, d.Label)) {
			continue
		}
		d.DraftInDoubt = !hasDisagreement(other, d.Label, d.Kind)
	}
}

// impliedByNoFinding reports whether the draft's reading of l rests on an
// asserted no_finding alone (the label itself is not mentioned).
func impliedByNoFinding(draft []schema.DraftLabel, l schema.Label) bool {
	return stateOf(draft, l) == draftSilent && readingOf(draft, schema.NoFinding) == schema.StatusPresent
}

func hasDisagreement(rep audit.Report, l schema.Label, k audit.Kind) bool {
	for _, d := range rep.Disagreements {
		if d.Label == l && d.Kind == k {
			return true
		}
	}
	return false
}
