package tui

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// A study adjudicator's item with one disputed unit and one the readers
// agreed on: the agreed one is shown as agreed, a verdict key on it saves
// nothing and says why, and once the disputed one is judged the item is
// done (the adjudicator once walked onto an agreed unit, unmarked, and
// overrode it).
func TestSettledUnitsAreAgreed(t *testing.T) {
	f := newFixture(2, 2)
	f.engine.done()
	cfg := f.config()
	cfg.Items = f.items[1:] // case-0002: effusion and nodule missed in the draft
	cfg.Settled = map[string]map[string]audit.Decision{"case-0002": {effusionKey: audit.ImageRight}}
	h := newHarness(t, cfg, 140, 40)
	require.Equal(t, "case-0002", h.m.CurrentID())
	assert.Contains(t, h.screen(), "agreed by the readers: image right")
	assert.False(t, h.m.data.adjudicated(0), "the disputed unit is still open")
	assert.Contains(t, h.screen(), "(1 of 1 open)", "the resume line counts the disputed unit only")

	ds := h.m.disagreements()
	assert.Equal(t, noduleKey, ds[h.m.nav.dis].Key(), "the selection starts on the disputed unit")
	assert.Contains(t, h.screen(), "1/2 adjudicated")
	for i, d := range ds {
		if d.Key() == effusionKey {
			h.m.nav.dis = i
		}
	}
	h.key("d")
	assert.Empty(t, f.store.verdicts, "nothing saved on an agreed unit")
	assert.Contains(t, h.screen(), "pleural_effusion: the readers agreed (image right): final, not to adjudicate")

	for i, d := range ds {
		if d.Key() == noduleKey {
			h.m.nav.dis = i
		}
	}
	h.key("b")
	require.Len(t, f.store.verdicts, 1)
	assert.Equal(t, noduleKey, f.store.verdicts[0].DisagreementKey)
	assert.True(t, h.m.data.adjudicated(0), "the agreed unit counts as done")
}

// A study reader's own counts say "judged" (they said "adjudicated").
func TestReaderWording(t *testing.T) {
	f := newFixture(2, 2)
	f.engine.done()
	cfg := f.config()
	cfg.Reader = true
	h := newHarness(t, cfg, 140, 40)
	s := h.screen()
	assert.Contains(t, s, "0/1 judged")
	assert.Contains(t, s, "first with a disagreement to judge")
	assert.NotContains(t, s, "adjudicate")
}

// A reviewer who is not blind (a study's adjudicator) sees the other
// annotators' notes under the draft; a blind reader never does (the
// adjudicator once never saw the readers' notes).
func TestOthersNotes(t *testing.T) {
	for _, blind := range []bool{false, true} {
		f := newFixture(1, 1)
		f.store.notes = []audit.Note{{ItemID: "case-0001", Annotator: "alice", Text: "look at the apex"}}
		f.engine.done()
		cfg := f.config()
		cfg.Blind = blind
		h := newHarness(t, cfg, 140, 40)
		if blind {
			assert.NotContains(t, h.screen(), "look at the apex")
		} else {
			assert.Contains(t, h.screen(), "others' notes: alice: look at the apex")
		}
	}
}
