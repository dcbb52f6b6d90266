package session

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// TestStudyCountsAgree: an adjudicator of a study with one open
// disagreement read "(1 disagreements: 1 open, ...)"; the study status
// line said "1 of the study's 1 items are in". Each count now takes its
// number.
func TestStudyCountsAgree(t *testing.T) {
	tests := []struct {
		units, open int
		want        string
	}{
		{1, 1, "study s: nothing to adjudicate yet (1 disagreement: 1 open, 0 agreed, 0 adjudicated)"},
		{4, 4, "study s: nothing to adjudicate yet (4 disagreements: 4 open, 0 agreed, 0 adjudicated)"},
		{0, 0, "study s: nothing to adjudicate yet (0 disagreements: 0 open, 0 agreed, 0 adjudicated)"},
	}
	for _, tt := range tests {
		p := audit.StudyProgress{Units: tt.units, States: map[audit.UnitState]int{audit.UnitOpen: tt.open}}
		assert.Equal(t, tt.want, nothingToAdjudicate("s", p))
	}
	words := []struct {
		n, all int
		want   string
	}{
		{1, 1, "worklist: 1 of the study's 1 item is in w.csv; the figures below are theirs"},
		{1, 3, "worklist: 1 of the study's 3 items is in w.csv; the figures below are theirs"},
		{2, 3, "worklist: 2 of the study's 3 items are in w.csv; the figures below are theirs"},
		{0, 3, "worklist: 0 of the study's 3 items are in w.csv; the figures below are theirs"},
	}
	for _, tt := range words {
		assert.Equal(t, tt.want, inWorklist(tt.n, tt.all, "w.csv"))
	}
}
