package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestKeysWithQuitNotActedOn: keys that arrive together with q (a paste,
// keys bunched by SSH lag: tmux send-keys -l "qd") used to be recorded
// after the quit. After q, or a quit question, no key is acted on.
func TestKeysWithQuitNotActedOn(t *testing.T) {
	h, f := keyFixture(t)
	h.keys("q", "d")
	assert.True(t, h.quit)
	assert.Empty(t, verdictsOf(f), "d after q records nothing")

	h2, f2 := keyFixture(t)
	h2.key("a")
	h2.typeText("x")
	h2.keys("esc", "q", "d")
	assert.False(t, h2.quit, "a note draft: q asks")
	assert.Empty(t, verdictsOf(f2), "the key that withdraws the question does nothing else")
	assert.Contains(t, h2.m.msg.text, "quit withdrawn")
	h2.key("d")
	assert.Len(t, verdictsOf(f2), 1, "the next key works")
}

// TestEmptyListShowsNoItem: with a search that matches nothing, the panes
// used to keep the last item and d judged it. Now no item is shown and
// every item key says so.
func TestEmptyListShowsNoItem(t *testing.T) {
	h, f := keyFixture(t)
	h.key("/")
	h.typeText("zzz")
	h.key("enter")
	require.Empty(t, h.m.nav.visible)
	assert.Equal(t, "", h.m.CurrentID())
	s := h.screen()
	assert.NotContains(t, s, "pneumothorax", "no disagreement of a hidden item is drawn")
	assert.NotContains(t, s, "Small left pleural effusion", "no draft of a hidden item is drawn")
	for _, k := range []string{"d", "i", "a", "r", "j", "n", "v"} {
		h.key(k)
		assert.Contains(t, h.m.msg.text, "no item: the list is empty (search: zzz)", k)
		assert.Equal(t, modeBrowse, h.m.mode, k)
	}
	assert.Empty(t, verdictsOf(f))
	h.keys("/", "esc")
	assert.Equal(t, "case-0001", h.m.CurrentID(), "clearing the search brings the item back")
}

// TestNoteLimitRefusesNeverCuts: notes used to be cut at 4,000 characters
// and saved "✓". The whole text is kept up to NoteLimit, the count shows,
// and more is refused whole with a message.
func TestNoteLimitRefusesNeverCuts(t *testing.T) {
	h, f := keyFixture(t)
	h.key("a")
	long := strings.Repeat("a", 5000) + strings.Repeat("\n", 150) + "end"
	h.send(tea.PasteMsg{Content: long})
	assert.Equal(t, long, h.m.note.area.Value(), "past the old 4,000 and 99 lines: kept whole")
	assert.Contains(t, h.screen(), "5153/10000")
	h.send(tea.PasteMsg{Content: strings.Repeat("b", NoteLimit)})
	assert.Equal(t, long, h.m.note.area.Value(), "a paste over the limit is refused whole")
	assert.Contains(t, h.m.msg.text, "note limit is 10000 characters: that would make 15153")
	h.key("ctrl+s")
	require.Len(t, f.store.notes, 1)
	assert.Equal(t, long, f.store.notes[0].Text)

	h.key("a")
	h.send(tea.PasteMsg{Content: strings.Repeat("c", NoteLimit-len(long))})
	h.key("x")
	assert.Equal(t, NoteLimit, h.m.note.area.Length())
	assert.Contains(t, h.m.msg.text, "note limit")
}

// TestRawFollowsItem: the raw viewer opened on a running item used to
// keep "(no model output yet)" after it finished.
func TestRawFollowsItem(t *testing.T) {
	h, _ := keyFixture(t)
	h.keys(":")
	h.typeText("case-0007")
	h.keys("enter", "r")
	require.Contains(t, h.screen(), "(no model output yet)")
	h.send(engineUpdatedMsg{auditUpdate("case-0007", resultFor("case-0007", 0))})
	s := h.screen()
	assert.NotContains(t, s, "(no model output yet)")
	assert.Contains(t, s, "grounding stage")
}

// TestOtherPromptMarked: a stored result the pipeline refuses (made with
// another prompt or model) used to show as done (✓) and "loading" for
// ever. It is marked, says "rerun with R", and takes no verdict.
func TestOtherPromptMarked(t *testing.T) {
	f := newFixture(3, 3)
	delete(f.engine.results, "case-0001") // Lookup: not current
	f.engine.done()
	h := newHarness(t, f.config(), 120, 40)
	s := h.screen()
	assert.Contains(t, s, "▸≠ case-0001")
	assert.Contains(t, s, "other prompt or model")
	assert.Contains(t, h.m.msg.text, "rerun with R")
	h.key("i")
	assert.Empty(t, verdictsOf(f))
	assert.Contains(t, h.m.msg.text, "no verdict given")
	h.send(engineUpdatedMsg{auditUpdate("case-0001", resultFor("case-0001", 0))})
	assert.Contains(t, h.screen(), "▸✓ case-0001", "a result of this session's replaces it")
}

// TestQuoteWrapsBeforeCutting: at 80x24 the draft's quote used to be cut
// ("“No pneu…") with empty lines below it; it wraps to the pane's lines.
func TestQuoteWrapsBeforeCutting(t *testing.T) {
	f := newFixture(3, 3)
	f.engine.done()
	h := newHarness(t, f.config(), 80, 24)
	s := h.screen()
	assert.Contains(t, s, "pneumothorax”", "the whole quote")
	assert.NotContains(t, s, "“No pneu…")
}
