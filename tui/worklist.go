package tui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// worklistRow is what the worklist pane draws for one item.
type worklistRow struct {
	id       string // sanitized
	status   audit.Status
	known    bool // a report is known
	urgent   bool
	count    int // disagreements
	adjDone  bool
	adjSome  bool
	selected bool
	stale    bool // made with another prompt or model
	// flagged: flagged for later; note: the reviewer wrote a note (or a
	// draft of one) on it.
	flagged, note bool
	// prefix is the part of the id every item shares (fitID drops it
	// first).
	prefix string
}

// worklistPane draws the rows of the visible list that fit, keeping the
// cursor in view. The root sets the list's length and the cursor's
// position (SetCursor), then the rows in view (Window, SetRows); the
// scroll offset moves only there and in SetSize, never while drawing.
type worklistPane struct {
	st            WorklistStyles
	width, height int
	total         int // rows in the visible list
	cursor        int // the cursor's position in it (-1: not in it)
	offset        int // first row shown; kept between frames so the list does not jump
	rows          []worklistRow
	empty         bool   // the worklist has no items at all
	spin          string // the spinner's current frame, styled
	spinStill     string // a spinner frame, plain, for the selected row
	title         string
}

// SetSize sets the inner size and scrolls to keep the cursor in view.
func (p *worklistPane) SetSize(w, h int) {
	p.width, p.height = w, h
	p.scroll()
}

// SetCursor sets the list's length and the cursor's position in it, and
// scrolls the least needed to keep the cursor in view.
func (p *worklistPane) SetCursor(total, cursor int) {
	p.total, p.cursor = total, cursor
	p.scroll()
}

func (p *worklistPane) scroll() {
	if p.cursor >= 0 {
		if p.cursor < p.offset {
			p.offset = p.cursor
		}
		if p.cursor >= p.offset+p.height {
			p.offset = p.cursor - p.height + 1
		}
	}
	p.offset = max(0, min(p.offset, p.total-p.height))
}

// Window returns the list positions in view: [from, to).
func (p *worklistPane) Window() (from, to int) {
	return p.offset, min(p.total, p.offset+max(0, p.height))
}

// SetRows sets the rows in view (those of Window, in order), the title,
// whether the worklist is empty, and the spinner's frames.
func (p *worklistPane) SetRows(rows []worklistRow, title string, empty bool, spin, spinStill string) {
	p.rows, p.title, p.empty, p.spin, p.spinStill = rows, title, empty, spin, spinStill
}

// Title is the pane's title: position, filter and order.
func (p *worklistPane) Title() string { return p.title }

// View draws the rows in width x height cells.
func (p *worklistPane) View(width, height int) string {
	if width <= 0 || height <= 0 {
		return ""
	}
	if p.empty {
		return p.st.Dim.Render(fit("(empty worklist)", width))
	}
	var b strings.Builder
	for k, r := range p.rows[:min(len(p.rows), height)] {
		if k > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.row(r, width))
	}
	return b.String()
}

// row draws one item: cursor, status, id, the flag or note mark, urgent
// mark, the number of disagreements and the adjudication mark.
//
//	▸✓ case-0007✎!2●
func (p *worklistPane) row(r worklistRow, w int) string {
	st := p.st
	// glyph returns s styled, or plain on the selected row (which is drawn
	// reversed as a whole: an inner style would end the reverse early).
	glyph := func(style func(...string) string, s string) string {
		if r.selected {
			return s
		}
		return style(s)
	}
	var status string
	switch {
	case r.stale:
		status = glyph(st.Error.Render, "≠")
	case r.status == audit.StatusDone:
		status = glyph(st.Done.Render, "✓")
	case r.status == audit.StatusError:
		status = glyph(st.Error.Render, "✗")
	case r.status == audit.StatusRunning:
		status = p.spin
		if r.selected {
			status = p.spinStill
		}
	case r.status == audit.StatusQueued:
		status = glyph(st.Dim.Render, "◌")
	default:
		status = glyph(st.Dim.Render, "·")
	}

	// The right-hand columns: urgent (1), count (1), adjudicated (1).
	urg, count, adj := " ", " ", " "
	if r.known {
		if r.urgent {
			urg = glyph(st.Urgent.Render, "!")
		}
		if r.count > 0 {
			count = itoa(min(r.count, 9))
			if r.adjDone {
				adj = glyph(st.Adjudicated.Render, "●")
			} else if r.adjSome {
				adj = glyph(st.Dim.Render, "◐")
			}
		} else {
			count = glyph(st.Dim.Render, "0")
		}
	}
	cursor, mark := " ", " "
	if r.selected {
		cursor = "▸"
	}
	switch {
	case r.flagged:
		mark = glyph(st.Urgent.Render, "⚑")
	case r.note:
		mark = glyph(st.Dim.Render, "✎")
	}
	// The mark takes the space after the id: ids keep their width.
	idW := max(1, w-7)
	line := cursor + status + " " + fit(fitID(r.id, r.prefix, idW), idW) + mark + urg + count + adj
	if r.selected {
		return st.Selected.Render(line)
	}
	return st.Row.Render(line)
}

// truncateMiddle shortens s (plain text) to w cells by cutting its middle,
// so ids that share a prefix keep their distinguishing end
// ("demo-2024-…-0007").
func truncateMiddle(s string, w int) string {
	sw := ansi.StringWidth(s)
	if sw <= w || w < 3 {
		return s
	}
	head := (w - 1) / 2
	tail := w - 1 - head
	return ansi.Truncate(s, head, "") + "…" + ansi.TruncateLeft(s, sw-tail, "")
}

// fit truncates or pads s (plain text) to exactly w cells.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) > w {
		s = ansi.Truncate(s, w, "…")
	}
	if d := w - ansi.StringWidth(s); d > 0 {
		s += strings.Repeat(" ", d)
	}
	return s
}

// syncWorklist hands the worklist pane its cursor and the rows in view.
func (m *Model) syncWorklist() {
	p := &m.panes.worklist
	p.SetCursor(len(m.nav.visible), m.pos())
	from, to := p.Window()
	rows := make([]worklistRow, 0, to-from)
	for _, i := range m.nav.visible[from:to] {
		rows = append(rows, m.worklistRow(i))
	}
	t := "–/" + itoa(len(m.nav.visible)) // the current item is not listed
	if p := m.pos(); p >= 0 {
		t = itoa(p+1) + "/" + itoa(len(m.nav.visible))
	}
	if m.nav.filter != FilterAll {
		t += " " + m.nav.filter.String()
	}
	if m.nav.search != "" {
		t += " /" + Sanitize(m.nav.search)
	}
	if m.nav.urgentFirst {
		t += " !first"
	}
	t += m.truthTitle() + m.compareWorklistTitle()
	sp := m.panes.spin
	p.SetRows(rows, t, len(m.data.items) == 0, sp.View(), sp.Spinner.Frames[0])
}

// worklistRow is item i as the worklist pane draws it.
func (m *Model) worklistRow(i int) worklistRow {
	d := &m.data
	r := d.rows.get(i)
	id := d.items[i].ID
	_, draft := d.noteDrafts[id]
	wr := worklistRow{id: Sanitize(id), status: r.status, selected: i == m.nav.cur,
		flagged: m.nav.flagged[i], note: draft || d.notes[id] != "" || len(d.disNotes[id]) > 0, prefix: m.idPrefix(), stale: r.stale && r.report == nil}
	if d.known(i) {
		wr.known = true
		wr.urgent = d.isUrgent(i)
		wr.count = d.disagreementCount(i)
		if wr.count > 0 {
			n := d.adjudicatedCount(i)
			wr.adjDone, wr.adjSome = n == wr.count, n > 0
		}
	}
	if m.cmp != nil {
		m.compareWorklistRow(&wr, i)
	}
	return wr
}
