package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/cxr-auditor/cxr-auditor/store"
)

// The three dialogs: jump (a text input in the message line), note (a
// text area in place of the draft pane) and raw output (a scrollable
// viewport in place of the panes).

// handleJumpKey drives the jump input: enter jumps, esc cancels.
func (m *Model) handleJumpKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.Cancel):
		m.mode = modeNormal
		m.jump.Blur()
		return nil
	case key.Matches(msg, m.keys.Confirm):
		m.mode = modeNormal
		m.jump.Blur()
		return m.jumpTo(strings.TrimSpace(m.jump.Value()))
	}
	var cmd tea.Cmd
	m.jump, cmd = m.jump.Update(msg)
	return cmd
}

// jumpTo moves to the item whose ID is id: exactly, else ignoring case,
// else the first whose ID starts with id. An item hidden by the filter
// resets the filter to all.
func (m *Model) jumpTo(id string) tea.Cmd {
	if id == "" {
		return nil
	}
	i, ok := m.index[id]
	if !ok {
		lid := strings.ToLower(id)
		for j, it := range m.items {
			if strings.EqualFold(it.ID, id) {
				i, ok = j, true
				break
			}
		}
		if !ok {
			for j, it := range m.items {
				if strings.HasPrefix(strings.ToLower(it.ID), lid) {
					i, ok = j, true
					break
				}
			}
		}
	}
	if !ok {
		m.setMsg(msgErr, "no item with id "+Sanitize(id))
		return nil
	}
	if !m.passes(i) && m.filter != FilterAll {
		m.filter = FilterAll
		m.dirty = true
		m.setMsg(msgInfo, "jumped to "+Sanitize(m.items[i].ID)+" (filter reset to all)")
	} else {
		m.setMsg(msgInfo, "jumped to "+Sanitize(m.items[i].ID))
	}
	return m.setCurrent(i)
}

// forwardToDialog hands messages the root does not handle (cursor blinks,
// pastes) to the open text input.
func (m *Model) forwardToDialog(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	switch m.mode {
	case modeJump:
		m.jump, cmd = m.jump.Update(msg)
	case modeNote:
		m.note, cmd = m.note.Update(msg)
	case modeRaw:
		m.raw, cmd = m.raw.Update(msg)
	}
	return cmd
}

// openNote opens the note editor on the current item's note.
func (m *Model) openNote() tea.Cmd {
	if _, ok := m.current(); !ok {
		return nil
	}
	m.mode = modeNote
	m.note.Reset()
	m.note.SetValue(m.notes[m.CurrentID()])
	return m.note.Focus()
}

// handleNoteKey drives the note editor: ctrl+s saves, esc cancels.
func (m *Model) handleNoteKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.Cancel):
		m.mode = modeNormal
		m.note.Blur()
		m.setMsg(msgInfo, "note not changed")
		return nil
	case key.Matches(msg, m.keys.SaveNote):
		m.mode = modeNormal
		m.note.Blur()
		it, _ := m.current()
		text := m.note.Value()
		m.writeSeq++
		m.setMsg(msgInfo, "saving note…")
		return m.enqueue(writeOp{seq: m.writeSeq, kind: writeNote, note: store.Note{ItemID: it.ID, Annotator: m.cfg.Annotator, Text: text}})
	}
	var cmd tea.Cmd
	m.note, cmd = m.note.Update(msg)
	return cmd
}

// openRaw opens the raw-output viewer on the current item.
func (m *Model) openRaw() tea.Cmd {
	if _, ok := m.current(); !ok {
		return nil
	}
	m.mode = modeRaw
	m.fillRaw()
	m.raw.GotoTop()
	return nil
}

// handleRawKey scrolls the viewer; esc, q or r close it.
func (m *Model) handleRawKey(msg tea.KeyPressMsg) tea.Cmd {
	if key.Matches(msg, m.keys.Cancel, m.keys.Raw, m.keys.Quit) && msg.String() != "ctrl+c" {
		m.mode = modeNormal
		return nil
	}
	if msg.String() == "ctrl+c" {
		return m.quit()
	}
	var cmd tea.Cmd
	m.raw, cmd = m.raw.Update(msg)
	return cmd
}

// fillRaw writes the current item's raw outputs, thinking, diagnostics and
// metrics into the viewer, all sanitized.
func (m *Model) fillRaw() {
	it, ok := m.current()
	if !ok {
		return
	}
	r := &m.rows[m.cur]
	h := m.styles.Dialog.Heading
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
		for _, sr := range []*store.StageRecord{r.result.Grounding, r.result.Draft} {
			if sr != nil {
				writeStage(&b, h.Render, sr)
			}
		}
	}
	line("")
	line("%s", h.Render("draft text"))
	line("%s", SanitizeText(it.Draft))
	// Raw outputs are often one long line: wrap them to the viewer.
	m.raw.SetContent(ansi.Wrap(b.String(), max(10, m.raw.Width()), ""))
}

func writeStage(b *strings.Builder, head func(...string) string, sr *store.StageRecord) {
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
