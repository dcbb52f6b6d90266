package tui

import (
	"sort"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

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

// navigation is where the reviewer is: the current item and disagreement,
// and which items the worklist shows in which order.
type navigation struct {
	cur         int // current item (index into items); -1 when empty
	dis         int // selected disagreement of the current item
	filter      Filter
	urgentFirst bool
	visible     []int // items shown in the worklist, in display order
	dirty       bool  // visible needs recomputing
	moved       bool  // the reviewer moved before the session loaded
	focusGen    int   // generation of the pending focus tick
	moves       int   // moves the reviewer made (keys, not the automatic advance)
}

// passes reports whether item i passes the current filter.
func (m *Model) passes(i int) bool {
	r := &m.data.rows[i]
	switch m.nav.filter {
	case FilterUrgent:
		return r.report != nil && r.report.Urgent
	case FilterUnadjudicated:
		return m.data.needsWork(i)
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
	vis := make([]int, 0, len(m.data.items))
	for i := range m.data.items {
		if i == m.nav.cur || m.passes(i) {
			vis = append(vis, i)
		}
	}
	if m.nav.urgentFirst {
		sort.SliceStable(vis, func(a, b int) bool {
			return m.data.isUrgent(vis[a]) && !m.data.isUrgent(vis[b])
		})
	}
	return vis
}

// markDirty says the visible list may have changed because item data did.
func (m *Model) markDirty() {
	if m.nav.filter != FilterAll || m.nav.urgentFirst {
		m.nav.dirty = true
	}
}

// pos returns the current item's position in the visible list (-1 if absent).
func (m *Model) pos() int {
	n := &m.nav
	if n.filter == FilterAll && !n.urgentFirst && len(n.visible) == len(m.data.items) {
		return n.cur
	}
	for p, i := range n.visible {
		if i == n.cur {
			return p
		}
	}
	return -1
}

// moveBy moves the cursor delta rows in the visible list.
func (m *Model) moveBy(delta int) tea.Cmd {
	p := m.pos()
	if p < 0 {
		p = 0
	} else {
		p += delta
	}
	return m.moveTo(p)
}

// moveTo puts the cursor on visible row p (clamped).
func (m *Model) moveTo(p int) tea.Cmd {
	if len(m.nav.visible) == 0 {
		return nil
	}
	p = max(0, min(p, len(m.nav.visible)-1))
	return m.setCurrent(m.nav.visible[p])
}

// setCurrent makes item i current and selects its first disagreement
// without a verdict.
func (m *Model) setCurrent(i int) tea.Cmd {
	m.nav.moved = true
	if i == m.nav.cur {
		return nil
	}
	prev := m.nav.cur
	m.nav.cur = i
	m.nav.dis = m.data.firstOpenDisagreement(i)
	// The window carries over to the next item; a zoom into one item's
	// anatomy does not.
	m.look.view.zoomBy(0)
	if prev >= 0 && m.nav.filter != FilterAll && !m.passes(prev) {
		m.nav.dirty = true // the previous item only stayed visible as current
	}
	return m.afterMove()
}

// setCurrentNoFocus moves to item i like setCurrent, for moves the model
// makes itself; the follow-up commands are issued by the next key.
func (m *Model) setCurrentNoFocus(i int) {
	if i != m.nav.cur {
		m.nav.cur = i
		m.nav.dis = 0
		m.nav.dirty = true
	}
}

// afterMove starts what a newly current item needs: the pipeline's focus
// (debounced), its full result and its note.
func (m *Model) afterMove() tea.Cmd {
	it, ok := m.current()
	if !ok {
		return nil
	}
	var cmds []tea.Cmd
	if m.cfg.Engine != nil {
		m.nav.focusGen++
		gen := m.nav.focusGen
		cmds = append(cmds, tea.Tick(m.timing.focusDelay, func(time.Time) tea.Msg { return focusDueMsg{gen: gen} }))
		r := &m.data.rows[m.nav.cur]
		if r.result == nil && r.status == audit.StatusDone && !r.detailPending {
			r.detailPending = true
			m.data.detailGen++
			cmds = append(cmds, lookupDetail(m.ctx, m.cfg.Engine, it, m.data.detailGen))
		}
	}
	if m.cfg.Store != nil && !m.data.noteReq[it.ID] {
		m.data.noteReq[it.ID] = true
		cmds = append(cmds, loadNote(m.ctx, m.cfg.Store, it.ID, m.cfg.Annotator))
	}
	return tea.Batch(cmds...)
}

// handleFocusDue tells the pipeline to run the current item first, then
// the next Prefetch visible items.
func (m *Model) handleFocusDue(msg focusDueMsg) tea.Cmd {
	it, ok := m.current()
	if msg.gen != m.nav.focusGen || !ok || m.cfg.Engine == nil {
		return nil
	}
	var ahead []string
	if p := m.pos(); p >= 0 {
		for q := p + 1; q < len(m.nav.visible) && len(ahead) < m.cfg.Prefetch; q++ {
			ahead = append(ahead, m.data.items[m.nav.visible[q]].ID)
		}
	}
	return focusEngine(m.cfg.Engine, it.ID, ahead)
}

func (m *Model) setFilter(f Filter) tea.Cmd {
	m.nav.filter = f
	m.nav.dirty = true
	m.refresh()
	n := len(m.nav.visible)
	if n > 0 && !m.passes(m.nav.cur) {
		n-- // the current item is only shown because it is current
	}
	m.setMsg(msgInfo, "filter: "+f.String()+" ("+itoa(n)+" items)")
	return nil
}

func (m *Model) toggleUrgentFirst() {
	m.nav.urgentFirst = !m.nav.urgentFirst
	m.nav.dirty = true
	if m.nav.urgentFirst {
		m.setMsg(msgInfo, "order: urgent first")
	} else {
		m.setMsg(msgInfo, "order: worklist")
	}
}

// selectDisagreement moves the disagreement selection by delta, wrapping.
func (m *Model) selectDisagreement(delta int) {
	n := len(m.disagreements())
	if n == 0 {
		m.setMsg(msgInfo, "no disagreement on this item")
		return
	}
	m.nav.dis = ((m.nav.dis+delta)%n + n) % n
}

// clampSelection keeps the selected disagreement within the current
// item's disagreements.
func (m *Model) clampSelection() {
	n := len(m.disagreements())
	if m.nav.dis >= n {
		m.nav.dis = n - 1
	}
	if m.nav.dis < 0 {
		m.nav.dis = 0
	}
}

// jumpTo moves to the item whose ID is id: exactly, else ignoring case,
// else the first whose ID starts with id. An item hidden by the filter
// resets the filter to all.
func (m *Model) jumpTo(id string) tea.Cmd {
	if id == "" {
		return nil
	}
	i, ok := m.data.index[id]
	if !ok {
		lid := strings.ToLower(id)
		for j, it := range m.data.items {
			if strings.EqualFold(it.ID, id) {
				i, ok = j, true
				break
			}
		}
		if !ok {
			for j, it := range m.data.items {
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
	if !m.passes(i) && m.nav.filter != FilterAll {
		m.nav.filter = FilterAll
		m.nav.dirty = true
		m.setMsg(msgInfo, "jumped to "+Sanitize(m.data.items[i].ID)+" (filter reset to all)")
	} else {
		m.setMsg(msgInfo, "jumped to "+Sanitize(m.data.items[i].ID))
	}
	return m.setCurrent(i)
}
