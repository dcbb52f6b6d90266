package tui

import (
	"testing"

	"charm.land/bubbles/v2/textarea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// Notes are never lost: a typed note is saved, or kept as a draft that
// the note key brings back, and quitting with one asks first.

func TestNoteEscKeepsDraft(t *testing.T) {
	h, f := keyFixture(t)
	h.key("a")
	h.typeText("see CT")
	h.key("esc")
	assert.Equal(t, modeBrowse, h.m.mode)
	assert.Empty(t, f.store.notes)
	assert.Contains(t, h.m.msg.text, "kept as an unsaved draft")
	assert.Contains(t, h.screen(), "✎ note (unsaved draft): see CT", "the draft is shown under the draft text")

	h.keys("j", "k", "a")
	assert.Equal(t, "see CT", h.m.note.area.Value(), "the note key brings the draft back")
	h.typeText(" chest")
	h.key("ctrl+s")
	require.Len(t, f.store.notes, 1)
	assert.Equal(t, "see CT chest", f.store.notes[0].Text)
	assert.Empty(t, h.m.data.noteDrafts)
	assert.Contains(t, h.screen(), "✎ note: see CT chest")
	assert.Empty(t, h.m.Unsaved())
}

func TestNoteEscUnchanged(t *testing.T) {
	h, _ := keyFixture(t)
	h.keys("a", "esc")
	assert.Equal(t, "note not changed", h.m.msg.text)
	assert.Empty(t, h.m.data.noteDrafts)
}

// TestNoteVisibleBesideDraft: the editor takes the disagreements' place;
// the draft it is about stays on screen.
func TestNoteVisibleBesideDraft(t *testing.T) {
	h, _ := keyFixture(t)
	h.key("a")
	s := h.screen()
	assert.Contains(t, s, "note · case-0001")
	assert.Contains(t, s, "Small left pleural effusion")
}

// TestNoteCtrlCKeepsDraftAndAsks: ctrl+c in the editor never types (the
// keys after it used to go into the note); it keeps the text as a draft
// and asks before quitting; asked again, it quits, and the exit summary
// names the draft.
func TestNoteCtrlCKeepsDraftAndAsks(t *testing.T) {
	h, _ := keyFixture(t)
	h.key("a")
	h.typeText("pneumo?")
	h.key("ctrl+c")
	assert.False(t, h.quit, "asks first")
	assert.Equal(t, modeBrowse, h.m.mode)
	assert.Equal(t, "pneumo?", h.m.data.noteDrafts["case-0001"])
	assert.Contains(t, h.m.msg.text, "NOT saved: note draft on case-0001")
	h.key("ctrl+c")
	assert.True(t, h.quit)
	assert.Equal(t, []string{"note draft on case-0001"}, h.m.Unsaved())
}

// TestQuitQuestionWithdrawn: after the question, any other key goes back
// to work and the next q asks again.
func TestQuitQuestionWithdrawn(t *testing.T) {
	h, _ := keyFixture(t)
	h.keys("a")
	h.typeText("x")
	h.keys("esc", "q")
	assert.False(t, h.quit)
	h.keys("j", "q")
	assert.False(t, h.quit, "asked again after going back to work")
	h.key("q")
	assert.True(t, h.quit)
}

// TestFailedNoteSaveKeepsText: a note the store refuses stays as a draft
// (it used to be gone), and the message says so.
func TestFailedNoteSaveKeepsText(t *testing.T) {
	h, f := keyFixture(t)
	f.store.mu.Lock()
	f.store.failNotes = 1
	f.store.mu.Unlock()
	h.key("a")
	h.typeText("see CT")
	h.key("ctrl+s")
	assert.Equal(t, msgErr, h.m.msg.kind)
	assert.Contains(t, h.m.msg.text, "note on case-0001 NOT saved: disk full")
	assert.Contains(t, h.m.msg.text, "kept as a draft")
	h.key("a")
	assert.Equal(t, "see CT", h.m.note.area.Value())
	h.key("ctrl+s")
	require.Len(t, f.store.notes, 1)
	assert.Empty(t, h.m.Unsaved())
}

// TestFailedVerdictBringsCursorBack: a verdict the store refuses brings the
// cursor back to it (the advance had moved on), unless the reviewer moved
// meanwhile; quitting with it asks, and the exit summary names it.
func TestFailedVerdictBringsCursorBack(t *testing.T) {
	f := newFixture(3, 3)
	f.store.failSaves = 1
	f.engine.done()
	h := newHarness(t, f.config(), 120, 40)
	h.key("i")
	assert.Equal(t, "case-0001", h.m.CurrentID(), "back on the refused verdict")
	assert.Contains(t, h.m.msg.text, "back on it: press its key again to retry")
	h.key("q")
	assert.False(t, h.quit)
	assert.Contains(t, h.m.msg.text, "NOT saved: verdict case-0001 pneumothorax/contradicted_by_image: image right")
	assert.Equal(t, []string{"verdict case-0001 pneumothorax/contradicted_by_image: image right"}, h.m.Unsaved())

	f2 := newFixture(3, 3)
	f2.store.failSaves = 1
	f2.engine.done()
	h2 := newHarness(t, f2.config(), 120, 40)
	_, save := h2.m.Update(keyMsg("i")) // advanced to case-0002, write in flight
	h2.key("j")                         // the reviewer moves on
	h2.run(save)
	assert.Equal(t, "case-0003", h2.m.CurrentID(), "the reviewer's own move is kept")
	assert.Contains(t, h2.m.msg.text, "NOT saved")
}

// TestReplacingVerdictSaysSo: a new decision on a disagreement that has one
// shows old → new.
func TestReplacingVerdictSaysSo(t *testing.T) {
	h, f := keyFixture(t)
	h.keys("i", "k")
	_, save := h.m.Update(keyMsg("d"))
	assert.Contains(t, h.m.msg.text, "pneumothorax: image right → draft right")
	h.run(save)
	assert.Contains(t, h.m.msg.text, "saved ✓ case-0001 pneumothorax: image right → draft right")
	vs := verdictsOf(f)
	require.Len(t, vs, 1)
	assert.Equal(t, audit.DraftRight, vs[0].Decision)
}

// TestUnsavedListsPendingWrites: writes still in flight at exit are named.
func TestUnsavedListsPendingWrites(t *testing.T) {
	h, _ := keyFixture(t)
	h.m.Update(keyMsg("i")) // not run
	assert.Equal(t, []string{"verdict case-0001 pneumothorax/contradicted_by_image: image right (still being saved)"}, h.m.Unsaved())
}

// TestNoteEditorTakesTheMeasuredInks: on a light terminal the editor's
// prompt bar is drawn in the frame's ink and its placeholder in the dim
// text ink, not in the bubble's greys (colour 7 for the bar: 1.26:1 on
// mlterm's white).
func TestNoteEditorTakesTheMeasuredInks(t *testing.T) {
	h, _ := keyFixture(t)
	h.m.bg = BackgroundLight
	h.m.restyle()
	h.key("a")
	st := h.m.note.area.Styles()
	for name, s := range map[string]textarea.StyleState{"focused": st.Focused, "blurred": st.Blurred} {
		assert.Equal(t, h.m.styles.Pane.Border.GetForeground(), s.Prompt.GetForeground(), name+" prompt")
		assert.Equal(t, h.m.styles.Status.Dim.GetForeground(), s.Placeholder.GetForeground(), name+" placeholder")
	}
	assert.NotNil(t, st.Focused.Prompt.GetForeground())
	assert.Contains(t, h.m.note.area.View(), h.m.styles.Pane.Border.Inline(true).Render(h.m.note.area.Prompt))
}
