package schema

import (
	"fmt"
	"strings"
)

// Label is one of the six canonical finding labels. The zero value is not a
// valid label.
type Label string

// The canonical labels. NoFinding is a negative sentinel: it is mutually
// exclusive with the five positive labels.
const (
	PleuralEffusion Label = "pleural_effusion"
	Pneumothorax    Label = "pneumothorax"
	LungOpacity     Label = "lung_opacity_consolidation"
	NoduleMass      Label = "nodule_mass"
	Cardiomegaly    Label = "cardiomegaly"
	NoFinding       Label = "no_finding"
)

// Labels returns all six canonical labels in their fixed display order
// (positives first, NoFinding last). The slice is new on every call.
func Labels() []Label {
	return []Label{PleuralEffusion, Pneumothorax, LungOpacity, NoduleMass, Cardiomegaly, NoFinding}
}

// PositiveLabels returns the five positive labels in display order. The slice
// is new on every call.
func PositiveLabels() []Label {
	return []Label{PleuralEffusion, Pneumothorax, LungOpacity, NoduleMass, Cardiomegaly}
}

// Valid reports whether l is exactly one of the six canonical labels.
func (l Label) Valid() bool {
	switch l {
	case PleuralEffusion, Pneumothorax, LungOpacity, NoduleMass, Cardiomegaly, NoFinding:
		return true
	}
	return false
}

// Positive reports whether l is a canonical label other than NoFinding.
func (l Label) Positive() bool { return l.Valid() && l != NoFinding }

// DefaultUrgent returns the default can't-miss whitelist: pneumothorax and
// nodule_mass. The slice is new on every call. An urgent list that is nil or
// empty makes nothing urgent everywhere (Compare, Evaluate, the scheduler,
// the workstation); the default is only ever this explicit call, made by
// the --urgent flag and the demo, so no layer fills it in behind another.
func DefaultUrgent() []Label { return []Label{Pneumothorax, NoduleMass} }

// ParseLabelList parses a comma-separated list of canonical labels (as given
// to --urgent). Blank entries are ignored; an unknown label is an error that
// names it. The empty string yields an empty list (nothing urgent).
func ParseLabelList(s string) ([]Label, error) {
	out := []Label{}
	seen := map[Label]bool{}
	for _, part := range strings.Split(s, ",") {
		p := strings.TrimSpace(part)
		if p == "" {
			continue
		}
		l := Label(p)
		if !l.Valid() {
			return nil, fmt.Errorf("unknown label %q (want one of %s)", p, joinLabels(Labels()))
		}
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out, nil
}

func joinLabels(ls []Label) string {
	s := make([]string, len(ls))
	for i, l := range ls {
		s[i] = string(l)
	}
	return strings.Join(s, ", ")
}

// Status is what a draft says about a label.
type Status string

// The draft statuses.
const (
	// StatusPresent: the draft asserts the finding.
	StatusPresent Status = "present"
	// StatusAbsent: the draft explicitly denies the finding.
	StatusAbsent Status = "absent"
	// StatusUncertain: the draft hedges ("cannot exclude pneumothorax").
	StatusUncertain Status = "uncertain"
)

// Valid reports whether s is one of the three canonical statuses.
func (s Status) Valid() bool {
	return s == StatusPresent || s == StatusAbsent || s == StatusUncertain
}

// StatusSilent is not a status a draft label carries (Valid reports false
// for it): where readings of a draft are shown label by label (the rule
// labeler's third opinion, gold labels), it names a label the draft does not
// speak about.
const StatusSilent Status = "silent"
