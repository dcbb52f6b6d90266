package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/cxr-auditor/cxr-auditor/audit"
)

// The three dialogs are plain structs: the jump input (in the message
// line), the note editor (in place of the draft pane) and the raw-output
// viewer (in place of the panes). Their key handlers return an intent; the
// root model acts on it (STYLE rule 3).

// intent is what a dialog asks the root to do.
type intent interface{ isIntent() }

// closeDialog closes the open dialog.
type closeDialog struct{}

// jumpToID moves to the item with this id.
type jumpToID struct{ id string }

// saveNote saves text as the reviewer's note on the item.
type saveNote struct{ itemID, text string }

func (closeDialog) isIntent() {}
func (jumpToID) isIntent()    {}
func (saveNote) isIntent()    {}

// jumpDialog asks for an item id.
type jumpDialog struct{ input textinput.Model }

func newJumpDialog() jumpDialog {
	in := textinput.New()
	in.Prompt = "jump to id: "
	in.CharLimit = 256
	// A steady cursor: no blink ticks, no redraws while the reviewer reads.
	st := in.Styles()
	st.Cursor.Blink = false
	in.SetStyles(st)
	return jumpDialog{input: in}
}

// Open clears and focuses the input.
func (d *jumpDialog) Open() tea.Cmd {
	d.input.Reset()
	return d.input.Focus()
}

// SetSize sets the input's width.
func (d *jumpDialog) SetSize(w int) { d.input.SetWidth(max(10, w-20)) }

// HandleKey: enter jumps, esc cancels, anything else edits.
func (d *jumpDialog) HandleKey(msg tea.KeyPressMsg, k KeyMap) (intent, tea.Cmd) {
	switch {
	case key.Matches(msg, k.Cancel):
		d.input.Blur()
		return closeDialog{}, nil
	case key.Matches(msg, k.Confirm):
		d.input.Blur()
		return jumpToID{id: strings.TrimSpace(d.input.Value())}, nil
	}
	return nil, d.Update(msg)
}

// Update forwards other messages (cursor blinks, pastes) to the input.
func (d *jumpDialog) Update(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	d.input, cmd = d.input.Update(msg)
	return cmd
}

// View draws the input line.
func (d *jumpDialog) View() string { return d.input.View() }

// noteDialog edits the reviewer's note on one item.
type noteDialog struct {
	area   textarea.Model
	itemID string
}

func newNoteDialog() noteDialog {
	a := textarea.New()
	a.Placeholder = "note on this item (ctrl+s saves, esc cancels)"
	a.CharLimit = 4000
	a.ShowLineNumbers = false
	st := a.Styles()
	st.Cursor.Blink = false
	a.SetStyles(st)
	return noteDialog{area: a}
}

// Open starts editing itemID's note, text.
func (d *noteDialog) Open(itemID, text string) tea.Cmd {
	d.itemID = itemID
	d.area.Reset()
	d.area.SetValue(text)
	return d.area.Focus()
}

// SetSize fits the editor in w x h cells.
func (d *noteDialog) SetSize(w, h int) {
	d.area.SetWidth(max(10, w))
	d.area.SetHeight(max(3, h))
}

// HandleKey: ctrl+s saves, esc cancels, anything else edits.
func (d *noteDialog) HandleKey(msg tea.KeyPressMsg, k KeyMap) (intent, tea.Cmd) {
	switch {
	case key.Matches(msg, k.Cancel):
		d.area.Blur()
		return closeDialog{}, nil
	case key.Matches(msg, k.SaveNote):
		d.area.Blur()
		return saveNote{itemID: d.itemID, text: d.area.Value()}, nil
	}
	return nil, d.Update(msg)
}

// Update forwards other messages to the editor.
func (d *noteDialog) Update(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	d.area, cmd = d.area.Update(msg)
	return cmd
}

// View draws the editor.
func (d *noteDialog) View() string { return d.area.View() }

// rawDialog shows an item's raw model outputs in a scrollable viewport.
type rawDialog struct {
	vp      viewport.Model
	heading lipgloss.Style
}

func newRawDialog() rawDialog { return rawDialog{vp: viewport.New()} }

// setKeys makes the viewport scroll with the workstation's raw-viewer
// bindings, so the help lists exactly the keys that scroll.
func (d *rawDialog) setKeys(k KeyMap) {
	d.vp.KeyMap = viewport.KeyMap{
		Up: k.ScrollUp, Down: k.ScrollDown, HalfPageUp: k.HalfPageUp, HalfPageDown: k.HalfPageDown,
		PageUp: k.PageUp, PageDown: k.PageDown,
		Left: key.NewBinding(key.WithDisabled()), Right: key.NewBinding(key.WithDisabled()),
	}
}

// SetSize fits the viewer in w x h cells.
func (d *rawDialog) SetSize(w, h int) {
	d.vp.SetWidth(max(10, w))
	d.vp.SetHeight(max(3, h))
}

// SetContent shows content, wrapped to the viewer: raw outputs are often
// one long line.
func (d *rawDialog) SetContent(content string) {
	d.vp.SetContent(ansi.Wrap(content, max(10, d.vp.Width()), ""))
}

// HandleKey: the close keys close; the scroll keys scroll.
func (d *rawDialog) HandleKey(msg tea.KeyPressMsg, k KeyMap) (intent, tea.Cmd) {
	if key.Matches(msg, k.CloseRaw) {
		return closeDialog{}, nil
	}
	return nil, d.Update(msg)
}

// Update forwards other messages to the viewport.
func (d *rawDialog) Update(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	d.vp, cmd = d.vp.Update(msg)
	return cmd
}

// View draws the visible part.
func (d *rawDialog) View() string { return d.vp.View() }

// handleDialogKey gives the key to the open dialog and acts on its intent.
func (m *Model) handleDialogKey(msg tea.KeyPressMsg) tea.Cmd {
	var in intent
	var cmd tea.Cmd
	switch m.mode {
	case modeJump:
		in, cmd = m.jump.HandleKey(msg, m.keys)
	case modeNote:
		in, cmd = m.note.HandleKey(msg, m.keys)
	case modeRaw:
		in, cmd = m.raw.HandleKey(msg, m.keys)
	}
	return tea.Batch(cmd, m.apply(in))
}

// apply carries out a dialog's intent.
func (m *Model) apply(in intent) tea.Cmd {
	switch in := in.(type) {
	case closeDialog:
		if m.mode == modeNote {
			m.setMsg(msgInfo, "note not changed")
		}
		m.setMode(modeBrowse)
	case jumpToID:
		m.setMode(modeBrowse)
		return m.jumpTo(in.id)
	case saveNote:
		m.setMode(modeBrowse)
		m.saves.seq++
		m.setMsg(msgInfo, "saving note…")
		return m.enqueue(writeOp{seq: m.saves.seq, kind: writeNote, note: audit.Note{ItemID: in.itemID, Annotator: m.cfg.Annotator, Text: in.text}})
	}
	return nil
}

// forwardToDialog hands messages the root does not handle (cursor blinks,
// pastes) to the open dialog.
func (m *Model) forwardToDialog(msg tea.Msg) tea.Cmd {
	switch m.mode {
	case modeJump:
		return m.jump.Update(msg)
	case modeNote:
		return m.note.Update(msg)
	case modeRaw:
		return m.raw.Update(msg)
	}
	return nil
}

// openNote opens the note editor on the current item's note.
func (m *Model) openNote() tea.Cmd {
	it, ok := m.current()
	if !ok {
		return nil
	}
	m.setMode(modeNote)
	return m.note.Open(it.ID, m.data.notes[it.ID])
}

// openRaw opens the raw-output viewer on the current item.
func (m *Model) openRaw() tea.Cmd {
	if _, ok := m.current(); !ok {
		return nil
	}
	m.setMode(modeRaw)
	m.fillRaw()
	m.raw.vp.GotoTop()
	return nil
}

// fillRaw writes the current item's raw outputs, thinking, diagnostics and
// metrics into the viewer, all sanitized.
func (m *Model) fillRaw() {
	it, ok := m.current()
	if !ok {
		return
	}
	r := &m.data.rows[m.nav.cur]
	h := m.raw.heading
	var b strings.Builder
	line := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	line("%s %s", h.Render("item"), Sanitize(it.ID))
	line("%s %s", h.Render("image"), Sanitize(it.ImagePath))
	st := string(r.status)
	if st == "" {
		st = "not run yet"
	}
	line("%s %s", h.Render("status"), st)
	if r.err != "" {
		line("%s %s", h.Render("error"), Sanitize(r.err))
	}
	if r.result == nil {
		line("")
		if r.status == "" || r.status == "queued" || r.status == "running" {
			line("(no model output yet)")
		} else {
			line("(loading the stored model outputs…)")
		}
	} else {
		if r.result.Salvaged {
			line("%s the output needed salvage (truncated or repaired JSON): check it", h.Render("salvaged"))
		}
		for _, sr := range []*audit.StageRecord{r.result.Grounding, r.result.Draft} {
			if sr != nil {
				writeStage(&b, h.Render, sr)
			}
		}
	}
	line("")
	line("%s", h.Render("draft text"))
	line("%s", SanitizeText(it.Draft))
	m.raw.SetContent(b.String())
}

func writeStage(b *strings.Builder, head func(...string) string, sr *audit.StageRecord) {
	line := func(format string, a ...any) { fmt.Fprintf(b, format+"\n", a...) }
	line("")
	line("%s", head("── "+string(sr.Stage)+" stage ──"))
	line("model %s  digest %s  host %s", Sanitize(sr.Model), Sanitize(short(sr.ModelDigest, 12)), Sanitize(sr.Host))
	line("done %v  done_reason %s  prompt tokens %d  output tokens %d", sr.Done, Sanitize(sr.DoneReason), sr.PromptEvalCount, sr.EvalCount)
	line("total %v  load %v  eval %v  wall %v", sr.TotalDuration, sr.LoadDuration, sr.EvalDuration, sr.Wall)
	line("options %s  prompt %s", Sanitize(sr.Options), Sanitize(short(sr.PromptDigest, 12)))
	if sr.Error != "" {
		line("%s %s", head("error"), Sanitize(sr.Error))
	}
	if sr.Diagnostics.Salvaged || len(sr.Diagnostics.Notes) > 0 {
		line("%s salvaged=%v", head("diagnostics"), sr.Diagnostics.Salvaged)
		for _, n := range sr.Diagnostics.Notes {
			line("  - %s: %s", Sanitize(n.Kind), Sanitize(n.Message))
		}
	}
	if sr.Thinking != "" {
		line("%s", head("thinking"))
		line("%s", SanitizeText(sr.Thinking))
	}
	line("%s", head("raw output"))
	line("%s", SanitizeText(sr.Raw))
}

func short(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
