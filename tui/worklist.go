package tui

import (
	"sort"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/cxr-auditor/cxr-auditor/audit"
)

// Filter selects which items the worklist shows.
type Filter int

// The filters, in the order the filter key cycles through them.
const (
	FilterAll Filter = iota
	FilterUrgent
	FilterUnadjudicated
	FilterDisagreements
	FilterErrors
	numFilters
)

// String names the filter as the worklist title shows it.
func (f Filter) String() string {
	switch f {
	case FilterUrgent:
		return "urgent"
	case FilterUnadjudicated:
		return "unadjudicated"
	case FilterDisagreements:
		return "with disagreements"
	case FilterErrors:
		return "errors"
	}
	return "all"
}

func itoa(n int) string { return strconv.Itoa(n) }

// adjudicated reports whether every disagreement of item i has a verdict
// of this reviewer that is saved or saving (a failed save does not count).
// Items without a report are not adjudicated.
func (m *Model) adjudicated(i int) bool {
	r := m.rows[i].report
	if r == nil {
		return false
	}
	mine := m.mine[m.items[i].ID]
	for _, d := range r.Disagreements {
		v := mine[d.Key()]
		if v == nil || v.state == stateFailed {
			return false
		}
	}
	return true
}

// needsWork reports whether item i still asks something of the reviewer:
// its result is not in yet, or it has a disagreement without a verdict.
// Failed items do not (they need a rerun, not a verdict).
func (m *Model) needsWork(i int) bool {
	switch m.rows[i].status {
	case audit.StatusError:
		return false
	case audit.StatusDone:
		return !m.adjudicated(i)
	}
	return m.rows[i].report == nil || !m.adjudicated(i)
}

// adjudicatedCount counts this reviewer's verdicts on item i's current
// disagreements.
func (m *Model) adjudicatedCount(i int) int {
	r := m.rows[i].report
	if r == nil {
		return 0
	}
	n := 0
	mine := m.mine[m.items[i].ID]
	for _, d := range r.Disagreements {
		if v := mine[d.Key()]; v != nil && v.state != stateFailed {
			n++
		}
	}
	return n
}

func (m *Model) passes(i int) bool {
	r := &m.rows[i]
	switch m.filter {
	case FilterUrgent:
		return r.report != nil && r.report.Urgent
	case FilterUnadjudicated:
		return m.needsWork(i)
	case FilterDisagreements:
		return r.report != nil && len(r.report.Disagreements) > 0
	case FilterErrors:
		return r.status == audit.StatusError
	}
	return true
}

// computeVisible lists the items the worklist shows. The current item
// always stays in the list, so a verdict that makes it leave the filter
// does not pull it from under the reviewer.
func (m *Model) computeVisible() []int {
	vis := make([]int, 0, len(m.items))
	for i := range m.items {
		if i == m.cur || m.passes(i) {
			vis = append(vis, i)
		}
	}
	if m.urgentFirst {
		sort.SliceStable(vis, func(a, b int) bool {
			return m.isUrgent(vis[a]) && !m.isUrgent(vis[b])
		})
	}
	return vis
}

func (m *Model) isUrgent(i int) bool { return m.rows[i].report != nil && m.rows[i].report.Urgent }

// markDirty says the visible list may have changed because item data did.
func (m *Model) markDirty() {
	if m.filter != FilterAll || m.urgentFirst {
		m.dirty = true
	}
}

// pos returns the current item's position in the visible list (-1 if absent).
func (m *Model) pos() int {
	if m.filter == FilterAll && !m.urgentFirst && len(m.visible) == len(m.items) {
		return m.cur
	}
	for p, i := range m.visible {
		if i == m.cur {
			return p
		}
	}
	return -1
}

// worklistPane draws the worklist. It keeps the scroll offset between
// frames so the list does not jump.
type worklistPane struct {
	offset int
}

// View draws the rows of the visible list that fit in inner, keeping the
// current one in view.
func (p *worklistPane) View(m *Model, inner Rect) string {
	if inner.Empty() {
		return ""
	}
	if len(m.items) == 0 {
		return m.styles.Worklist.Dim.Render(fit("(empty worklist)", inner.W))
	}
	cp := m.pos()
	if cp >= 0 {
		if cp < p.offset {
			p.offset = cp
		}
		if cp >= p.offset+inner.H {
			p.offset = cp - inner.H + 1
		}
	}
	p.offset = max(0, min(p.offset, len(m.visible)-inner.H))
	var b strings.Builder
	end := min(len(m.visible), p.offset+inner.H)
	for vp := p.offset; vp < end; vp++ {
		if vp > p.offset {
			b.WriteByte('\n')
		}
		b.WriteString(m.worklistRow(m.visible[vp], inner.W))
	}
	return b.String()
}

// worklistRow draws one item: cursor, status, id, urgent mark, the number
// of disagreements and the adjudication mark.
//
//	▸✓ case-0007 !2✔
func (m *Model) worklistRow(i, w int) string {
	st := m.styles.Worklist
	r := &m.rows[i]
	selected := i == m.cur

	// glyph returns s styled, or plain on the selected row (which is drawn
	// reversed as a whole: an inner style would end the reverse early).
	glyph := func(style func(...string) string, s string) string {
		if selected {
			return s
		}
		return style(s)
	}
	var status string
	switch r.status {
	case audit.StatusDone:
		status = glyph(st.Done.Render, "✓")
	case audit.StatusError:
		status = glyph(st.Error.Render, "✗")
	case audit.StatusRunning:
		status = glyph(func(s ...string) string { return m.spin.View() }, m.spin.Spinner.Frames[0])
		if !selected {
			status = m.spin.View()
		}
	case audit.StatusQueued:
		status = glyph(st.Dim.Render, "◌")
	default:
		status = glyph(st.Dim.Render, "·")
	}

	// The right-hand columns: urgent (1), count (1), adjudicated (1).
	urg, count, adj := " ", " ", " "
	if r.report != nil {
		if r.report.Urgent {
			urg = glyph(st.Urgent.Render, "!")
		}
		if n := len(r.report.Disagreements); n > 0 {
			count = itoa(min(n, 9))
			if m.adjudicated(i) {
				adj = glyph(st.Adjudicated.Render, "✔")
			} else if m.adjudicatedCount(i) > 0 {
				adj = glyph(st.Dim.Render, "◐")
			}
		} else {
			count = glyph(st.Dim.Render, "0")
		}
	}
	cursor := " "
	if selected {
		cursor = "▸"
	}
	idW := max(1, w-7)
	id := fit(Sanitize(m.items[i].ID), idW)
	line := cursor + status + " " + id + " " + urg + count + adj
	if selected {
		return st.Selected.Render(line)
	}
	return st.Row.Render(line)
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
