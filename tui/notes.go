package tui

import (
	"strings"
	"unicode/utf8"

	"github.com/cxr-auditor/cxr-auditor/audit"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
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

// noteDialog edits the reviewer's note on one item, or on one of its
// disagreements.
type noteDialog struct {
	area   textarea.Model
	itemID string
	dis    string // the disagreement's key; "" for the item's note
	orig   string // the text the editor opened with
	// refused is the length of the text last refused (0: none), for the
	// root to say so.
	refused int
}

func newNoteDialog() noteDialog {
	a := textarea.New()
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

// setStyles gives the editor the workstation's measured inks: the prompt
// bar takes the frame's ink and the placeholder the dim text ink. The
// bubble's own greys (colour 7 for the bar) measured 1.26:1 on mlterm's
// light background, so the bar all but vanished.
func (d *noteDialog) setStyles(prompt, placeholder lipgloss.Style) {
	st := d.area.Styles()
	for _, s := range []*textarea.StyleState{&st.Focused, &st.Blurred} {
		s.Prompt = prompt
		s.Placeholder = placeholder
	}
	d.area.SetStyles(st)
}

// Open starts editing the note on itemID (dis "") or on its disagreement
// dis, text; orig is the saved note (text differs from it when an unsaved
// draft is brought back).
func (d *noteDialog) Open(itemID, dis, text, orig string) tea.Cmd {
	d.itemID, d.dis, d.orig = itemID, dis, orig
	on := "this item"
	if dis != "" {
		on = Sanitize(dis)
	}
	d.area.Placeholder = "note on " + on + " (ctrl+s saves, esc closes and keeps a draft)"
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
		return closeNote{itemID: d.itemID, dis: d.dis, text: d.area.Value(), changed: d.Changed()}, nil
	case key.Matches(msg, k.SaveNote):
		d.area.Blur()
		return saveNote{itemID: d.itemID, dis: d.dis, text: d.area.Value()}, nil
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

// Title is the editor's pane title in w cells: "note", what the note is
// on (the item's id, and the disagreement's key for a note on one) and
// the length counter. What gives way, in turn: the end of the key (down
// to 8 cells), the word "note", the id (fitID, down to 16 cells), the
// counter, then the id further: the title is cut only where the pane
// has no room left, and a per-disagreement note keeps its key.
func (d *noteDialog) Title(prefix string, w int) string {
	tail := " · " + d.Counter()
	id, dis := Sanitize(d.itemID), Sanitize(d.dis)
	tw, idW, keep := ansi.StringWidth(tail), ansi.StringWidth(id), min(8, ansi.StringWidth(dis))
	on := func(id string, room int) string { // the id, and the key in room cells
		if dis == "" {
			return id
		}
		return id + " · " + ansi.Truncate(dis, room-ansi.StringWidth(id)-3, "…")
	}
	need := idW
	if dis != "" {
		need += 3 + keep
	}
	for _, head := range []string{"note · ", ""} {
		if room := w - ansi.StringWidth(head) - tw; need <= room {
			return head + on(id, room) + tail
		}
	}
	short := 16
	if dis == "" {
		short = 12
	}
	for _, room := range []int{w - tw, w} { // with the counter, then without
		idRoom := room
		if dis != "" {
			idRoom -= 3 + keep
		}
		if idRoom >= min(short, idW) {
			t := on(fitID(id, prefix, idRoom), room)
			if room == w-tw {
				t += tail
			}
			return t
		}
	}
	return fitID(id, prefix, max(w-tw, min(12, idW))) + tail
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
	itemID, dis, text string
	changed           bool
}

func (closeNote) isIntent() {}

// noteKey keys a note in the drafts: the item's id for its own note, the
// id and the disagreement's key, split by a NUL no id or key holds, for a
// note on a disagreement.
func noteKey(itemID, dis string) string {
	if dis == "" {
		return itemID
	}
	return itemID + "\x00" + dis
}

// splitNoteKey undoes noteKey.
func splitNoteKey(k string) (itemID, dis string) {
	itemID, dis, _ = strings.Cut(k, "\x00")
	return itemID, dis
}

// noteWhere names what a note is on, for messages: "ID" or "ID (key)".
func noteWhere(itemID, dis string) string {
	if dis == "" {
		return Sanitize(itemID)
	}
	return Sanitize(itemID) + " (" + Sanitize(dis) + ")"
}

// NoteDraftName names what a NoteDrafts key is a note on, for messages:
// "ID", or "ID (LABEL/KIND)" for a note on a disagreement.
func NoteDraftName(k string) string { return noteWhere(splitNoteKey(k)) }

// savedNote is the reviewer's saved note on itemID or its disagreement dis.
func (m *Model) savedNote(itemID, dis string) string {
	if dis == "" {
		return m.data.notes[itemID]
	}
	return m.data.disNotes[itemID][dis]
}

// openNote opens the note editor on the current item's unsaved draft, else
// its saved note.
func (m *Model) openNote() tea.Cmd {
	it, ok := m.current()
	if !ok {
		return nil
	}
	return m.openNoteOn(it.ID, "")
}

// openDisagreementNote opens the note editor on the selected
// disagreement's note (its draft, else the saved one).
func (m *Model) openDisagreementNote() tea.Cmd {
	it, ok := m.current()
	dis := m.disagreements()
	if !ok || m.nav.dis < 0 || m.nav.dis >= len(dis) {
		m.setMsg(msgInfo, "no disagreement is selected: "+m.keys.Note.Help().Key+" notes the item")
		return nil
	}
	return m.openNoteOn(it.ID, dis[m.nav.dis].Key())
}

func (m *Model) openNoteOn(itemID, dis string) tea.Cmd {
	saved := m.savedNote(itemID, dis)
	text := saved
	if d, ok := m.data.noteDrafts[noteKey(itemID, dis)]; ok {
		text = d
		m.setMsg(msgInfo, "your unsaved note draft is back: ctrl+s saves it")
	}
	m.setMode(modeNote)
	return m.note.Open(itemID, dis, text, saved)
}

// closeNoteEditor closes the editor, keeping a changed text as the item's
// unsaved draft.
func (m *Model) closeNoteEditor(in closeNote) {
	m.setMode(modeBrowse)
	if !in.changed {
		delete(m.data.noteDrafts, noteKey(in.itemID, in.dis))
		m.setMsg(msgInfo, "note not changed")
		return
	}
	m.data.noteDrafts[noteKey(in.itemID, in.dis)] = in.text
	m.setMsg(msgInfo, "note kept as an unsaved draft: "+m.keys.Note.Help().Key+" reopens it, "+m.keys.SaveNote.Help().Key+" there saves it")
}

// NoteDrafts returns every note text typed and not saved, by item id (a
// note on a disagreement: the id, a NUL and the disagreement's key): the
// drafts and the editor's text when it is open and changed (for the
// command to keep when a signal stops the session).
func (m *Model) NoteDrafts() map[string]string {
	out := map[string]string{}
	for id, t := range m.data.noteDrafts {
		out[id] = t
	}
	if m.mode == modeNote && m.note.Changed() {
		out[noteKey(m.note.itemID, m.note.dis)] = m.note.area.Value()
	}
	return out
}

// restoreDrafts takes back the drafts of a session a signal stopped.
func (m *Model) restoreDrafts(drafts map[string]string) {
	n := 0
	for k, t := range drafts {
		id, _ := splitNoteKey(k)
		if _, ok := m.data.find(id); ok {
			m.data.noteDrafts[k] = t
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
		m.closeNoteEditor(closeNote{itemID: m.note.itemID, dis: m.note.dis, text: m.note.area.Value(), changed: m.note.Changed()})
	}
}

// saveNoteText queues the note for the store; the text stays a draft
// until the store says it is saved.
func (m *Model) saveNoteText(in saveNote) tea.Cmd {
	m.setMode(modeBrowse)
	m.data.noteDrafts[noteKey(in.itemID, in.dis)] = in.text
	m.saves.seq++
	m.setMsg(msgInfo, "saving note…")
	cmd := m.enqueue(writeOp{seq: m.saves.seq, kind: writeNote,
		note: audit.Note{ItemID: in.itemID, Disagreement: in.dis, Annotator: m.cfg.Annotator, Text: in.text}})
	if in.dis != "" {
		return cmd
	}
	return tea.Batch(cmd, m.noteCompare(in.itemID, in.text))
}

// noteWritten records the store's answer to a note write: saved, the draft
// is gone; refused, the text stays a draft and the message says so.
func (m *Model) noteWritten(op writeOp, err error) {
	n := op.note
	k := noteKey(n.ItemID, n.Disagreement)
	if err != nil {
		if _, ok := m.data.noteDrafts[k]; !ok {
			m.data.noteDrafts[k] = n.Text
		}
		if where := keptIn(err); where != "" {
			m.data.noteKept[k] = keptNote{text: n.Text, where: where}
		}
		m.setMsg(msgErr, "note on "+noteWhere(n.ItemID, n.Disagreement)+" NOT saved: "+Sanitize(err.Error())+" · kept as a draft: "+
			m.keys.Note.Help().Key+" reopens it to retry")
		return
	}
	m.saves.notes++
	m.keepSavedNote(n)
	if d, ok := m.data.noteDrafts[k]; ok && d == n.Text {
		delete(m.data.noteDrafts, k) // not edited again meanwhile
	}
	m.setMsg(msgOK, "note saved ✓ "+noteWhere(n.ItemID, n.Disagreement))
}

// keepSavedNote records a note the store saved as the current one.
func (m *Model) keepSavedNote(n audit.Note) {
	if n.Disagreement == "" {
		m.data.notes[n.ItemID] = n.Text
		return
	}
	ds := m.data.disNotes[n.ItemID]
	if ds == nil {
		ds = map[string]string{}
		m.data.disNotes[n.ItemID] = ds
	}
	if n.Text == "" {
		delete(ds, n.Disagreement) // cleared: no mark, no line
		return
	}
	ds[n.Disagreement] = n.Text
}
