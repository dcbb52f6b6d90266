package tui

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A note on the selected disagreement: A opens the editor on it, ctrl+s
// saves it with the disagreement's key, the row shows it, the item's own
// note stays apart, and a reopened workstation shows it again (the
// store keeps it). Synthetic items.
func TestDisagreementNoteFlow(t *testing.T) {
	h, f := keyFixture(t)
	dis := h.m.disagreements()
	require.NotEmpty(t, dis)
	want := dis[h.m.nav.dis].Key()

	h.key("A")
	require.Equal(t, modeNote, h.m.mode)
	assert.Contains(t, h.m.note.area.Placeholder, "note on "+want)
	assert.Contains(t, h.screen(), "case-0001 · pneumothor… · 0/10000", "the key gives way, the counter stays")
	h.typeText("apical lucency")
	h.key("ctrl+s")
	assert.Equal(t, modeBrowse, h.m.mode)
	require.Len(t, f.store.notes, 1)
	assert.Equal(t, want, f.store.notes[0].Disagreement)
	assert.Equal(t, "case-0001", f.store.notes[0].ItemID)
	assert.Equal(t, "apical lucency", f.store.notes[0].Text)
	assert.Empty(t, h.m.data.notes["case-0001"], "the item's note is another note")
	assert.Contains(t, h.screen(), "✎ note: apical lucency")
	assert.Contains(t, h.m.msg.text, "note saved ✓ case-0001 ("+want+")")

	// a still opens the item's note, empty.
	h.key("a")
	assert.Equal(t, "", h.m.note.dis)
	assert.Equal(t, "", h.m.note.area.Value())
	h.key("esc")

	h2 := newHarness(t, f.config(), 120, 40)
	require.Equal(t, "case-0001", h2.m.CurrentID())
	assert.Equal(t, "apical lucency", h2.m.data.disNotes["case-0001"][want])
	assert.Contains(t, h2.screen(), "✎ note: apical lucency", "reopened, the row shows the note")
	assert.Contains(t, h2.screen(), "case-0001      ✎!1", "the list marks the item")
	h2.key("A")
	assert.Equal(t, "apical lucency", h2.m.note.area.Value(), "the editor opens on the saved note")
}

// An unsaved note on a disagreement is a draft under its own key: the
// row says so, NoteDrafts (kept when a signal stops the session) carries
// it, and a session given it back shows it as a draft again.
func TestDisagreementNoteDraft(t *testing.T) {
	h, f := keyFixture(t)
	want := h.m.disagreements()[h.m.nav.dis].Key()
	h.key("A")
	h.typeText("recheck")
	assert.Equal(t, map[string]string{"case-0001\x00" + want: "recheck"}, h.m.NoteDrafts(), "an open editor counts")
	h.key("esc")
	assert.Contains(t, h.screen(), "✎ note (unsaved draft): recheck")
	drafts := h.m.NoteDrafts()
	assert.Equal(t, map[string]string{"case-0001\x00" + want: "recheck"}, drafts)
	assert.Empty(t, f.store.notes)

	cfg := f.config()
	cfg.NoteDrafts = drafts
	h2 := newHarness(t, cfg, 120, 40)
	assert.Contains(t, h2.screen(), "✎ note (unsaved draft): recheck")
	assert.Contains(t, h2.m.Unsaved(), "note draft on case-0001 ("+want+")")
	h2.key("A")
	assert.Equal(t, "recheck", h2.m.note.area.Value())
}
