package tui

import (
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// doubtFixture is newFixture(8, 6) with case-0003's draft reading in
// doubt: the draft model read "Cardiomegaly." present, the rules (say)
// nothing, so its unsupported-by-image disagreement rests on that reading.
// Synthetic data.
func doubtFixture() *fixture {
	f := newFixture(8, 6)
	r := f.engine.results["case-0003"]
	r.Report.DraftDoubts = []audit.DraftDoubt{{Label: schema.Cardiomegaly,
		Model: schema.StatusPresent, ModelSpans: []string{"Cardiomegaly"}, Rules: schema.StatusSilent, RulesSpans: []string{}}}
	r.Report.Disagreements[0].DraftInDoubt = true
	rr := f.store.results["case-0003"]
	rr.Report = r.Report
	f.store.results["case-0003"] = rr
	f.engine.done()
	return f
}

// TestDraftInDoubtReachesTheScreen: the filter keeps only the item in
// doubt, and its disagreement pane shows the mark and both readings.
func TestDraftInDoubtReachesTheScreen(t *testing.T) {
	h := newHarness(t, doubtFixture().config(), 120, 40)
	h.keys("f", "f", "f", "f") // urgent, unadjudicated, with disagreements, draft in doubt
	require.Equal(t, FilterDraftInDoubt, h.m.nav.filter)
	assert.Equal(t, []int{2}, h.m.nav.visible)
	assert.Equal(t, "case-0003", h.m.CurrentID())
	assert.Equal(t, "filter: draft in doubt (1 item)", h.m.msg.text)
	screen := h.screen()
	assert.Contains(t, screen, "1/1 draft in doubt")
	assert.Contains(t, screen, "? rests on a reading in doubt")
	assert.Contains(t, screen, "? in doubt: cardiomegaly")
	assert.Contains(t, screen, "model: present “Cardiomegaly”")
	assert.Contains(t, screen, "rules: silent")
	golden.RequireEqual(t, screen)
}
