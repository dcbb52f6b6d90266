package tui

import (
	"unicode/utf8"

	"github.com/cxr-auditor/cxr-auditor/audit"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// Notes are never lost: text typed in the editor is either saved (ctrl+s)
// or kept as an unsaved draft of the item (esc on a changed note, ctrl+c,
// a save the store refused), shown under the draft text and brought back
// by the note key; quitting with a draft asks first and the exit summary
// names it.

// NoteLimit is the longest note in characters. The editor shows the
// count against it and refuses, with a message, typing or a paste that
// would pass it: a note is never cut.
const NoteLimit = 10000

// noteDialog edits the reviewer's note on one item.
type noteDialog struct {
	area   textarea.Model
	itemID string
	orig   string // the text the editor opened with
	// refused is the length of the text last refused (0: none), for the
	// root to say so.
	refused int
}

func newNoteDialog() noteDialog {
	a := textarea.New()
	a.Placeholder = "note on this item (ctrl+s saves, esc closes and keeps a draft)"
	// No cut-off of the editor's own (it would cut silently), and no line
	// cap (the default stops new lines at 99): admit enforces NoteLimit.
	a.CharLimit = 0
	a.MaxHeight = 0
	a.ShowLineNumbers = false
	st := a.Styles()
	st.Cursor.Blink = false
	// No background on the cursor line: the bubble's default is a dark
	// bar that hid the typed text on a light terminal (mlterm). The
	// terminal's own foreground on its own background always reads.
	st.Focused.CursorLine = lipgloss.NewStyle()
	st.Blurred.CursorLine = lipgloss.NewStyle()
	a.SetStyles(st)
	return noteDialog{area: a}
}

// Open starts editing itemID's note, text; orig is the saved note (text
// differs from it when an unsaved draft is brought back).
func (d *noteDialog) Open(itemID, text, orig string) tea.Cmd {
	d.itemID, d.orig = itemID, orig
	d.area.Reset()
	d.area.SetValue(text)
	return d.area.Focus()
}

// Changed reports whether the text differs from the saved note.
func (d *noteDialog) Changed() bool { return d.area.Value() != d.orig }

// SetSize fits the editor in w x h cells.
func (d *noteDialog) SetSize(w, h int) {
	d.area.SetWidth(max(10, w))
	d.area.SetHeight(max(3, h))
}

// HandleKey: ctrl+s saves, esc closes (keeping a changed text as a
// draft), anything else edits.
func (d *noteDialog) HandleKey(msg tea.KeyPressMsg, k KeyMap) (intent, tea.Cmd) {
	switch {
	case key.Matches(msg, k.Cancel):
		d.area.Blur()
		return closeNote{itemID: d.itemID, text: d.area.Value(), changed: d.Changed()}, nil
	case key.Matches(msg, k.SaveNote):
		d.area.Blur()
		return saveNote{itemID: d.itemID, text: d.area.Value()}, nil
	}
	return nil, d.Update(msg)
}

// Update forwards other messages to the editor, except typing or a paste
// that would take the note past NoteLimit (refused whole, see refused).
func (d *noteDialog) Update(msg tea.Msg) tea.Cmd {
	if n := d.area.Length() + addedLen(msg); n > NoteLimit {
		d.refused = n
		return nil
	}
	var cmd tea.Cmd
	d.area, cmd = d.area.Update(msg)
	return cmd
}

// addedLen is how many characters msg would type into the editor.
func addedLen(msg tea.Msg) int {
	switch msg := msg.(type) {
	case tea.PasteMsg:
		return utf8.RuneCountInString(msg.Content)
	case tea.KeyPressMsg:
		if msg.Code == tea.KeyEnter {
			return 1
		}
		return utf8.RuneCountInString(msg.Text)
	}
	return 0
}

// Counter is the note's length against NoteLimit ("12/10000").
func (d *noteDialog) Counter() string { return itoa(d.area.Length()) + "/" + itoa(NoteLimit) }

// noteRefused says in the message line that the editor refused text
// over the limit, once per refusal.
func (m *Model) noteRefused() {
	if m.note.refused == 0 {
		return
	}
	m.setMsg(msgErr, "note limit is "+itoa(NoteLimit)+" characters: that would make "+itoa(m.note.refused)+
		", so nothing was added (shorten the note or paste less)")
	m.note.refused = 0
}

// View draws the editor.
func (d *noteDialog) View() string { return d.area.View() }

// closeNote closes the editor; a changed text is kept as a draft.
type closeNote struct {
	itemID, text string
	changed      bool
}

func (closeNote) isIntent() {}

// openNote opens the note editor on the current item's unsaved draft, else
// its saved note.
func (m *Model) openNote() tea.Cmd {
	it, ok := m.current()
	if !ok {
		return nil
	}
	text, saved := m.data.notes[it.ID], m.data.notes[it.ID]
	if d, ok := m.data.noteDrafts[it.ID]; ok {
		text = d
		m.setMsg(msgInfo, "your unsaved note draft is back: ctrl+s saves it")
	}
	m.setMode(modeNote)
	return m.note.Open(it.ID, text, saved)
}

// closeNoteEditor closes the editor, keeping a changed text as the item's
// unsaved draft.
func (m *Model) closeNoteEditor(in closeNote) {
	m.setMode(modeBrowse)
	if !in.changed {
		delete(m.data.noteDrafts, in.itemID)
		m.setMsg(msgInfo, "note not changed")
		return
	}
	m.data.noteDrafts[in.itemID] = in.text
	m.setMsg(msgInfo, "note kept as an unsaved draft: "+m.keys.Note.Help().Key+" reopens it, "+m.keys.SaveNote.Help().Key+" there saves it")
}

// NoteDrafts returns every note text typed and not saved, by item id:
// the drafts and the editor's text when it is open and changed (for the
// command to keep when a signal stops the session).
func (m *Model) NoteDrafts() map[string]string {
	out := map[string]string{}
	for id, t := range m.data.noteDrafts {
		out[id] = t
	}
	if m.mode == modeNote && m.note.Changed() {
		out[m.note.itemID] = m.note.area.Value()
	}
	return out
}

// restoreDrafts takes back the drafts of a session a signal stopped.
func (m *Model) restoreDrafts(drafts map[string]string) {
	n := 0
	for id, t := range drafts {
		if _, ok := m.data.index[id]; ok {
			m.data.noteDrafts[id] = t
			n++
		}
	}
	if n > 0 {
		verb := " are back"
		if n == 1 {
			verb = " is back"
		}
		m.data.restored = count(n, "unsaved note draft") + " of a session that was stopped" + verb +
			" (✎ in the list; " + m.keys.Note.Help().Key + " reopens)"
		m.setMsg(msgInfo, m.data.restored)
	}
}

// keepNoteDraft closes an open editor as esc would (used before quitting).
func (m *Model) keepNoteDraft() {
	if m.mode == modeNote {
		m.note.area.Blur()
		m.closeNoteEditor(closeNote{itemID: m.note.itemID, text: m.note.area.Value(), changed: m.note.Changed()})
	}
}

// saveNoteText queues the note for the store; the text stays a draft
// until the store says it is saved.
func (m *Model) saveNoteText(in saveNote) tea.Cmd {
	m.setMode(modeBrowse)
	m.data.noteDrafts[in.itemID] = in.text
	m.saves.seq++
	m.setMsg(msgInfo, "saving note…")
	cmd := m.enqueue(writeOp{seq: m.saves.seq, kind: writeNote, note: audit.Note{ItemID: in.itemID, Annotator: m.cfg.Annotator, Text: in.text}})
	return tea.Batch(cmd, m.noteCompare(in.itemID, in.text))
}

// noteWritten records the store's answer to a note write: saved, the draft
// is gone; refused, the text stays a draft and the message says so.
func (m *Model) noteWritten(op writeOp, err error) {
	n := op.note
	if err != nil {
		if _, ok := m.data.noteDrafts[n.ItemID]; !ok {
			m.data.noteDrafts[n.ItemID] = n.Text
		}
		m.setMsg(msgErr, "note on "+Sanitize(n.ItemID)+" NOT saved: "+Sanitize(err.Error())+" · kept as a draft: "+
			m.keys.Note.Help().Key+" reopens it to retry")
		return
	}
	m.saves.notes++
	m.data.notes[n.ItemID] = n.Text
	if d, ok := m.data.noteDrafts[n.ItemID]; ok && d == n.Text {
		delete(m.data.noteDrafts, n.ItemID) // not edited again meanwhile
	}
	m.setMsg(msgOK, "note saved ✓ "+Sanitize(n.ItemID))
}
