package tui

import (
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// studyVerdict is a verdict given in study "s1" on case-0001's unit.
func studyVerdict(id int64, who string, d audit.Decision) audit.Verdict {
	return audit.Verdict{ID: id, ItemID: "case-0001", DisagreementKey: ptxContradictedKey, Annotator: who, Decision: d, Study: "s1"}
}

// The adjudicator's screen follows where a unit stands in the study, not
// only the others' verdicts: a unit she adjudicated that the readers
// come to agree on is shown agreed when she comes back to it (it kept
// her ruling, though the store and `study status` said agreed), and an
// agreed unit a reader comes to dispute is open again, hers to judge.
func TestStudyUnitFollowsTheStore(t *testing.T) {
	tests := []struct {
		name        string
		start       []audit.Verdict
		settled     map[string]map[string]audit.Decision
		change      audit.Verdict
		wantBefore  string
		wantAfter   string
		wantSettled bool
		wantWork    bool
	}{
		{
			name:       "adjudicated becomes agreed",
			start:      []audit.Verdict{studyVerdict(1, "alice", audit.ImageRight), studyVerdict(2, "bob", audit.BothWrong), studyVerdict(3, "tester", audit.DraftRight)},
			settled:    map[string]map[string]audit.Decision{},
			change:     studyVerdict(4, "bob", audit.ImageRight),
			wantBefore: "verdict: draft right",
			wantAfter:  "agreed by the readers: image", wantSettled: true,
		},
		{
			name:       "agreed becomes disputed",
			start:      []audit.Verdict{studyVerdict(1, "alice", audit.ImageRight), studyVerdict(2, "bob", audit.ImageRight)},
			settled:    map[string]map[string]audit.Decision{"case-0001": {ptxContradictedKey: audit.ImageRight}},
			change:     studyVerdict(3, "bob", audit.BothWrong),
			wantBefore: "agreed by the readers: image",
			wantAfter:  "0/1 adjudic", wantWork: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(2, 2)
			f.engine.done()
			f.store.verdicts = tt.start
			f.store.nextID = int64(len(tt.start))
			cfg := f.config()
			cfg.Settled = tt.settled
			cfg.Study = &StudyRoles{Name: "s1", Readers: map[string][]string{"case-0001": {"alice", "bob"}}, Adjudicators: []string{"tester"}}
			h := newHarness(t, cfg, 80, 24)
			h.keys("k") // the resume passes a done unit by
			require.Equal(t, "case-0001", h.m.CurrentID())
			require.Contains(t, h.screen(), tt.wantBefore)
			require.Contains(t, h.screen(), "1/1 adjudic")

			f.store.verdicts = append(f.store.verdicts, tt.change)
			f.store.nextID = tt.change.ID
			h.keys("j", "k")
			s := h.screen()
			assert.Equal(t, tt.wantSettled, h.m.data.isSettled("case-0001", ptxContradictedKey), "where the unit stands, as the store resolves it")
			assert.Equal(t, tt.wantWork, h.m.data.needsWork(0), "resume and auto-advance follow it")
			assert.Contains(t, s, tt.wantAfter)
			assert.NotContains(t, s, tt.wantBefore)
			golden.RequireEqual(t, s)
		})
	}
}
