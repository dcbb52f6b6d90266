package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
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
type saveNote struct{ itemID, dis, text string }

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

// handleDialogKey gives the key to the open dialog and acts on its intent.
func (m *Model) handleDialogKey(msg tea.KeyPressMsg) tea.Cmd {
	var in intent
	var cmd tea.Cmd
	switch m.mode {
	case modeJump:
		in, cmd = m.jump.HandleKey(msg, m.keys)
	case modeSearch:
		in, cmd = m.search.HandleKey(msg, m.keys)
	case modeNote:
		in, cmd = m.note.HandleKey(msg, m.keys)
		m.noteRefused()
	case modeRaw:
		in, cmd = m.raw.HandleKey(msg, m.keys)
	}
	return tea.Batch(cmd, m.apply(in))
}

// apply carries out a dialog's intent.
func (m *Model) apply(in intent) tea.Cmd {
	switch in := in.(type) {
	case closeDialog:
		m.setMode(modeBrowse)
	case closeNote:
		m.closeNoteEditor(in)
	case jumpToID:
		m.setMode(modeBrowse)
		return m.jumpTo(in.id)
	case saveNote:
		return m.saveNoteText(in)
	case rawBrowse:
		return m.judgeInRaw(in.msg)
	case searchChanged:
		return m.applySearch(in.query)
	case stepMatch:
		return m.moveBy(in.delta)
	case keepSearch:
		m.setMode(modeBrowse)
		if m.nav.search != "" {
			m.setMsg(msgInfo, "search: "+Sanitize(m.nav.search)+" ("+count(len(m.nav.visible), "item")+") · "+
				m.keys.Search.Help().Key+" then "+m.keys.Cancel.Help().Key+" clears it")
		}
	case clearSearch:
		m.setMode(modeBrowse)
		if m.nav.search != "" {
			m.setMsg(msgInfo, "search cleared")
		}
		return m.applySearch("")
	}
	return nil
}

// forwardToDialog hands messages the root does not handle (cursor blinks,
// pastes) to the open dialog.
func (m *Model) forwardToDialog(msg tea.Msg) tea.Cmd {
	switch m.mode {
	case modeJump:
		return m.jump.Update(msg)
	case modeSearch:
		return m.search.Update(msg)
	case modeNote:
		cmd := m.note.Update(msg)
		m.noteRefused()
		return cmd
	case modeRaw:
		return m.raw.Update(msg)
	}
	return nil
}
