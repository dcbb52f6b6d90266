package tui

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// What undo must restore: the item's verdicts as the store now has them
// (this reviewer's previous verdict, and the other annotators' current
// ones unless blind), while this reviewer's verdicts that are still on
// their way to the store, or that the store refused, stay as they are.

const (
	effusionKey = "pleural_effusion/missed_in_draft"
	noduleKey   = "nodule_mass/missed_in_draft"
	ptxKey      = "pneumothorax/contradicted_by_image"
)

// TestUndoRefreshesOthers: another annotator changed their verdict after
// the session opened; undoing a verdict on that item shows their current
// one (it used to keep the stale one: the refreshed list was built and
// dropped). Blind, nobody else's verdict is ever shown.
func TestUndoRefreshesOthers(t *testing.T) {
	for _, blind := range []bool{false, true} {
		f := newFixture(3, 3)
		f.store.verdicts = []audit.Verdict{{ID: 1, ItemID: "case-0001", DisagreementKey: ptxKey, Decision: audit.DraftRight, Annotator: "bob"}}
		f.store.nextID = 1
		f.engine.done()
		cfg := f.config()
		cfg.Blind = blind
		h := newHarness(t, cfg, 120, 40)
		if !blind {
			require.Contains(t, h.screen(), "others: bob: draft right")
		}
		// bob changes his mind in another session.
		f.store.mu.Lock()
		f.store.nextID++
		f.store.verdicts = append(f.store.verdicts, audit.Verdict{ID: f.store.nextID, ItemID: "case-0001", DisagreementKey: ptxKey, Decision: audit.ImageRight, Annotator: "bob"})
		f.store.mu.Unlock()

		h.keys("i", "z")
		require.Equal(t, "case-0001", h.m.CurrentID())
		s := h.screen()
		if blind {
			assert.NotContains(t, s, "bob")
		} else {
			assert.Contains(t, s, "others: bob: image right", "bob's current verdict, read again with the undo")
			assert.NotContains(t, s, "bob: draft right")
		}
		assert.Empty(t, h.m.data.mine["case-0001"], "tester's verdict is withdrawn")
	}
}

// TestUndoKeepsPendingVerdict: a verdict given after the undo key, while
// the undo is still being written, stays and is shown saved once written
// (the undo used to replace the item's verdicts with the store's, which
// did not have it yet, so it showed "—" though it was saved).
func TestUndoKeepsPendingVerdict(t *testing.T) {
	f := newFixture(3, 3)
	f.engine.done()
	h := newHarness(t, f.config(), 120, 40)
	h.keys("j", "d") // case-0002: effusion draft right, on to the nodule
	require.Equal(t, 1, h.m.nav.dis)
	_, undo := h.m.Update(keyMsg("z")) // queued, not yet run
	_, verdict := h.m.Update(keyMsg("i"))
	h.run(undo)
	h.run(verdict)

	vs := verdictsOf(f)
	require.Len(t, vs, 1)
	assert.Equal(t, noduleKey, vs[0].DisagreementKey)
	e := h.m.data.mine["case-0002"][noduleKey]
	require.NotNil(t, e, "the verdict queued behind the undo is kept")
	assert.Equal(t, audit.ImageRight, e.decision)
	assert.Equal(t, stateSaved, e.state)
	assert.Nil(t, h.m.data.mine["case-0002"][effusionKey], "the undone verdict is gone")
}

// TestUndoKeepsUnsavedVerdict: a verdict the store refused stays marked
// NOT SAVED after undoing another verdict of the same item, so the
// reviewer still sees what to retry.
func TestUndoKeepsUnsavedVerdict(t *testing.T) {
	f := newFixture(3, 3)
	f.engine.done()
	h := newHarness(t, f.config(), 120, 40)
	h.keys("j", "d") // saved
	f.store.mu.Lock()
	f.store.failSaves = 1
	f.store.mu.Unlock()
	h.key("i") // nodule: refused
	require.Equal(t, stateFailed, h.m.data.mine["case-0002"][noduleKey].state)
	h.key("z") // withdraws the effusion verdict
	e := h.m.data.mine["case-0002"][noduleKey]
	require.NotNil(t, e)
	assert.Equal(t, stateFailed, e.state)
	h.key("n")
	assert.Contains(t, h.screen(), "NOT SAVED")
}
