package tui

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestSearchSubstringAndFuzzy: "/nodule" used to find nothing (the jump
// wanted an exact id or prefix). The search finds words of the draft and
// parts of ids, and ids fuzzily; the cursor goes to the nearest match.
func TestSearchSubstringAndFuzzy(t *testing.T) {
	tests := []struct {
		query string
		want  []int
	}{
		{"cardiomegaly", []int{2, 6}},       // in the drafts of items 3 and 7
		{"CARDIOMEGALY", []int{2, 6}},       // ignoring case
		{"0007", []int{6}},                  // part of an id
		{"c07", []int{6}},                   // fuzzy on ids: c…0…7
		{"no such thing at all", []int{}},   // nothing
		{"pneumothorax", []int{0, 1, 4, 5}}, // drafts 1, 2
		{"acute", []int{3, 7}},              // "No acute cardiopulmonary process."
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			h, _ := keyFixture(t)
			h.key("G") // cursor on case-0008
			h.key("/")
			h.typeText(tt.query)
			assert.Equal(t, tt.want, h.m.nav.visible)
			if len(tt.want) > 0 {
				assert.Equal(t, h.m.data.items[tt.want[len(tt.want)-1]].ID, h.m.CurrentID(), "the nearest match to case-0008")
			}
			assert.Contains(t, h.screen(), "search ("+count(len(tt.want), "item")+")")
		})
	}
}

// TestFilterShowsOnlyMatches: "4/4 urgent" used to include a non-urgent
// item (the one under the cursor) and the message counted one fewer than
// the title. Now the list, the title and the message agree, and the
// cursor goes to the nearest match.
func TestFilterShowsOnlyMatches(t *testing.T) {
	h, _ := keyFixture(t)
	h.keys("j", "j", "j") // case-0004: agreement, not urgent
	h.key("f")
	assert.Equal(t, []int{0, 1, 4, 5}, h.m.nav.visible)
	assert.Equal(t, "case-0005", h.m.CurrentID(), "the next urgent item after case-0004")
	assert.Equal(t, "filter: urgent (4 items)", h.m.msg.text)
	assert.Contains(t, h.screen(), "3/4 urgent")
	h.keys("F", "F", "F") // all, flagged for later, errors
	assert.Equal(t, []int{7}, h.m.nav.visible)
	assert.Equal(t, "case-0008", h.m.CurrentID())
	assert.Equal(t, "filter: errors (1 item)", h.m.msg.text)
}

// TestVerdictTakesItemOutOfFilter: a verdict that adjudicates the item
// takes it out of "unadjudicated" (title –/N) while its panes stay; j goes
// to the nearest listed item.
func TestVerdictTakesItemOutOfFilter(t *testing.T) {
	f := newFixture(3, 3)
	f.engine.done()
	h := newHarness(t, f.config(), 120, 40)
	h.keys("f", "f") // unadjudicated: case-0001, case-0002, case-0003
	h.keys("G")      // case-0003: one disagreement
	h.key("i")       // adjudicated; nothing below needs work: wraps to the top
	assert.Equal(t, []int{0, 1}, h.m.nav.visible)
	assert.Equal(t, "case-0001", h.m.CurrentID())
	assert.Contains(t, h.m.msg.text, "item done; wrapped to the top: URGENT item still open: case-0001")
	h.keys(":")
	h.typeText("case-0003")
	h.key("enter")
	assert.Equal(t, "case-0003", h.m.CurrentID(), "shown though the filter hides it")
	h.key("k")
	assert.Equal(t, "case-0002", h.m.CurrentID(), "k goes to the nearest listed item")
}

// TestUrgentFirstDoesNotReorderByItself: with urgent first on, results
// that make an item urgent do not move it (the list used to reorder under
// the cursor); pressing s twice takes them into account.
func TestUrgentFirstDoesNotReorderByItself(t *testing.T) {
	f := newFixture(8, 6)
	f.engine.done()
	h := newHarness(t, f.config(), 120, 40)
	h.key("s")
	assert.Equal(t, []int{0, 1, 4, 5, 2, 3, 6, 7}, h.m.nav.visible)
	res := resultFor("case-0008", 4) // urgent
	h.send(engineUpdatedMsg{auditUpdate("case-0008", res)})
	assert.Equal(t, []int{0, 1, 4, 5, 2, 3, 6, 7}, h.m.nav.visible, "no reordering without a key")
	h.keys("s", "s")
	assert.Equal(t, []int{0, 1, 4, 5, 7, 2, 3, 6}, h.m.nav.visible)
	assert.True(t, h.m.UrgentFirst())
}
