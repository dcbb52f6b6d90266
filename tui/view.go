package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
)

// View draws the whole screen in the alternate screen.
func (m *Model) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	v.ReportFocus = m.cfg.RedrawOnFocus
	v.WindowTitle = "cxr-auditor — research use only"
	if m.cfg.Title != "" {
		v.WindowTitle = "cxr-auditor " + Sanitize(m.cfg.Title) + " — research use only"
	}
	if m.cfg.ASCII {
		v.WindowTitle = toASCII(v.WindowTitle)
	}
	return v
}

// Render returns the screen content View shows (for tests and tools). It
// composes what the panes draw, each framed in its place of the layout (a
// pane can never push another out of place), and changes no state.
func (m *Model) Render() string {
	if m.cfg.ASCII {
		return toASCII(m.render())
	}
	return m.render()
}

func (m *Model) render() string {
	if m.width == 0 || m.height == 0 {
		return "cxr-auditor: starting… (" + ResearchMark + ")"
	}
	l := m.layout
	if l.TooSmall {
		msg := "terminal too small: need at least " + itoa(MinWidth) + "x" + itoa(MinHeight) +
			" (now " + itoa(m.width) + "x" + itoa(m.height) + ")"
		return m.styles.TooSmall.Render(wrapPlain(msg, m.width, m.height))
	}
	return compose(l.Width, l.Height, m.screenBlocks())
}

// screenBlocks returns every pane, framed, in its place of the layout.
func (m *Model) screenBlocks() []block {
	l := m.layout
	var blocks []block
	add := func(r Rect, s string) { blocks = append(blocks, block{r, strings.Split(s, "\n")}) }
	framed := func(r Rect, title string, content func(w, h int) string, focused bool) {
		in := r.Inner()
		add(r, m.frame(title, content(in.W, in.H), r, focused))
	}
	p := &m.panes
	switch {
	case p.keysOver:
		main := Rect{W: l.Width, H: l.Status.Y}
		framed(main, "keys here · any key closes", func(w, _ int) string { return fullHelpView(p.help, m.keys, w) }, true)
	case m.mode == modeHelp && p.helpCovers:
		main := Rect{W: l.Width, H: l.Status.Y}
		framed(main, "all keys · ?/esc closes", func(w, _ int) string { return fullHelpView(p.help, m.keys, w) }, true)
	case m.mode == modeBlocked:
		main := Rect{W: l.Width, H: l.Status.Y}
		framed(main, "models unavailable · esc reviews cached results · q quits", m.blockedView, true)
	case m.mode == modeRaw:
		main := Rect{W: l.Width, H: l.Status.Y}
		framed(main, m.rawTitle(), dialogView(m.raw.View), true)
	case m.metrics.on && m.mode != modeNote:
		main := Rect{W: l.Width, H: l.Status.Y}
		framed(main, m.metricsTitle(), m.metricsView, true)
	default:
		framed(l.Worklist, p.worklist.Title(), p.worklist.View, false)
		framed(l.Image, p.image.Title(), p.image.View, false)
		if m.mode == modeNote {
			// The editor takes the disagreements' place: the draft it is
			// about stays in view.
			framed(l.Disagreements, m.note.Title(m.idPrefix(), l.Disagreements.Inner().W-3), dialogView(m.note.View), true)
		} else if m.cmp != nil {
			framed(l.Disagreements, m.cmp.pane.Title(), m.cmp.pane.View, true)
		} else if m.truth.on {
			framed(l.Disagreements, p.truth.Title(), p.truth.View, true)
		} else {
			framed(l.Disagreements, p.disagreements.Title(), p.disagreements.View, true)
		}
		framed(l.Draft, p.draft.Title(), p.draft.View, false)
	}
	add(l.Status, p.status.View(l.Status.W, l.Status.H))
	if m.mode == modeHelp && !p.helpCovers {
		add(l.Help, fullHelpView(p.help, m.keys, l.Help.W))
	} else {
		add(l.Help, p.help.ShortHelpView(m.keys.ShortHelp()))
	}
	return blocks
}

// dialogView adapts a dialog's View (sized by SetSize) to a pane's.
func dialogView(view func() string) func(w, h int) string {
	return func(int, int) string { return view() }
}

// syncPanes hands every pane the data it draws: called at the end of each
// Update, so View only composes.
func (m *Model) syncPanes() {
	m.syncWorklist()
	m.syncImagePane()
	m.syncDisagreements()
	m.syncTruth()
	m.syncCompare()
	m.syncDraft()
	m.syncStatus()
}
