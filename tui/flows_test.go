package tui

import (
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFlowWrapToUrgent: a reviewer who starts below an open URGENT item
// and judges to the end of the list. After the last item the cursor
// wraps to the urgent item still open above (it used to stop with "no
// item below needs a verdict"), and the message line says so. The
// golden file is the screen after the wrap, at 120x40.
func TestFlowWrapToUrgent(t *testing.T) {
	f := newFixture(6, 6)
	f.engine.done()
	h := newHarness(t, f.config(), 120, 40)
	h.keys(":")
	h.typeText("case-0006")
	h.key("enter") // below the open urgent items 1, 2 and 5
	for _, k := range []string{"i", "i"} {
		h.key(k) // case-0006's two disagreements; nothing below is open
	}
	require.Equal(t, "case-0001", h.m.CurrentID(), "wrapped to the first urgent item above")
	assert.Contains(t, h.m.msg.text, "item done; wrapped to the top: URGENT item still open: case-0001")
	golden.RequireEqual(t, h.screen())

	h.keys("G", "j")
	assert.Equal(t, "case-0001", h.m.CurrentID(), "j past the last row wraps too")
	assert.Contains(t, h.m.msg.text, "last item; wrapped to the top: URGENT item still open: case-0001")
}

// TestFlowSkipForLater: l flags an item for later and moves on; the
// advance passes over it; the filter "flagged for later" lists it; l
// there takes the flag off. The golden file is the flagged list.
func TestFlowSkipForLater(t *testing.T) {
	f := newFixture(8, 6)
	f.store.results["case-0008"] = errResult("case-0008")
	f.engine.done()
	h := newHarness(t, f.config(), 120, 40)
	h.key("l")
	require.Equal(t, "case-0002", h.m.CurrentID())
	assert.Contains(t, h.m.msg.text, "flagged case-0001 for later → case-0002")
	assert.Regexp(t, ` ✓ case-0001 +⚑!1`, h.screen(), "the list marks it")
	h.keys("i", "i") // case-0002 judged: the advance passes over case-0001
	assert.Equal(t, "case-0003", h.m.CurrentID())
	h.keys("F")
	require.Equal(t, []int{0}, h.m.nav.visible)
	golden.RequireEqual(t, h.screen())
	h.key("l")
	assert.Contains(t, h.m.msg.text, "flag taken off case-0001")
	assert.Empty(t, h.m.nav.flagged)
}
