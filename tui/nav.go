package tui

import (
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
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
	// FilterDraftInDoubt keeps the items whose draft reading is in doubt:
	// the draft model and the rule labeler read the draft differently.
	FilterDraftInDoubt
	FilterErrors
	// FilterFlagged keeps the items flagged for later (the skip key).
	FilterFlagged
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
	case FilterDraftInDoubt:
		return "draft in doubt"
	case FilterFlagged:
		return "flagged for later"
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
	// order is the urgent-first order, fixed when it was asked for (nil:
	// worklist order), and rank each item's position in it: the list
	// changes order only on a key, never as results arrive.
	order, rank []int
	// search is the accepted or typed search ("" none) and hits the items
	// it matches.
	search string
	hits   []bool
	// flagged are the items flagged for later (skipped): passed over by
	// the advance after a verdict, listed by FilterFlagged.
	flagged map[int]bool
}

// passes reports whether item i passes the current filter.
func (m *Model) passes(i int) bool {
	r := m.data.rows.get(i)
	switch m.nav.filter {
	case FilterUrgent:
		return m.data.isUrgent(i)
	case FilterUnadjudicated:
		return m.data.needsWork(i)
	case FilterDisagreements:
		return m.data.disagreementCount(i) > 0
	case FilterErrors:
		return r.status == audit.StatusError
	case FilterDraftInDoubt:
		return m.data.inDoubt(i)
	case FilterFlagged:
		return m.nav.flagged[i]
	}
	return true
}

// computeVisible lists the items the worklist shows: those that pass the
// filter and match the search, in the worklist's or the urgent-first
// order. Nothing else, not even the current item: the counts are those of
// the list.
func (m *Model) computeVisible() []int {
	vis := make([]int, 0, len(m.data.items))
	keep := func(i int) {
		if m.passes(i) && m.truthPasses(i) && (m.nav.hits == nil || m.nav.hits[i]) {
			vis = append(vis, i)
		}
	}
	if m.nav.order != nil {
		for _, i := range m.nav.order {
			keep(i)
		}
	} else {
		for i := range m.data.items {
			keep(i)
		}
	}
	return vis
}

// urgentOrder returns every item, urgent ones first, each group in
// worklist order, and sets the ranks.
func (m *Model) urgentOrder() []int {
	n := len(m.data.items)
	order := make([]int, 0, n)
	for i := range n {
		if m.data.isUrgent(i) {
			order = append(order, i)
		}
	}
	for i := range n {
		if !m.data.isUrgent(i) {
			order = append(order, i)
		}
	}
	m.nav.rank = make([]int, n)
	for r, i := range order {
		m.nav.rank[i] = r
	}
	return order
}

// rankOf is item i's position in the list's order, filtered or not.
func (m *Model) rankOf(i int) int {
	if m.nav.order != nil {
		return m.nav.rank[i]
	}
	return i
}

// nearest returns the visible position nearest to the current item (in
// the list's order) that is after it (forward) or before it, or -1.
func (m *Model) nearest(forward bool) int {
	cr := m.rankOf(max(0, m.nav.cur))
	best := -1
	for p, i := range m.nav.visible {
		r := m.rankOf(i)
		if forward && r > cr {
			return p
		}
		if !forward && r < cr {
			best = p
		}
	}
	return best
}

// toNearest moves the cursor to the nearest listed item when the current
// one is not listed: the next one, else the previous one.
func (m *Model) toNearest() tea.Cmd {
	m.refresh()
	if len(m.nav.visible) == 0 || m.pos() >= 0 {
		return nil
	}
	p := m.nearest(true)
	if p < 0 {
		p = m.nearest(false)
	}
	return m.moveTo(p)
}

// markDirty says the visible list may have changed because item data did.
func (m *Model) markDirty() {
	if m.nav.filter != FilterAll || m.truth.filter != TruthFilterOff {
		m.nav.dirty = true
	}
}

// pos returns the current item's position in the visible list (-1 if absent).
func (m *Model) pos() int {
	n := &m.nav
	if n.filter == FilterAll && n.order == nil && n.hits == nil && len(n.visible) == len(m.data.items) {
		return n.cur
	}
	for p, i := range n.visible {
		if i == n.cur {
			return p
		}
	}
	return -1
}

// moveBy moves the cursor delta rows in the visible list; from an item
// that is not listed (a verdict took it out of the filter), to the nearest
// listed one that way. Past the last row it wraps to the open items
// above, urgent first (wrapToOpen).
func (m *Model) moveBy(delta int) tea.Cmd {
	p := m.pos()
	if p < 0 {
		p = m.nearest(delta > 0)
		if p < 0 {
			return nil
		}
		return m.moveTo(p)
	}
	if delta > 0 && p == len(m.nav.visible)-1 {
		cmd, where := m.wrapToOpen(p)
		m.setMsg(msgInfo, "last item"+where)
		return cmd
	}
	return m.moveTo(p + delta)
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
	m.nav.cur = i
	m.nav.dis = m.data.firstOpenDisagreement(i)
	// The window carries over to the next item; a zoom into one item's
	// anatomy does not.
	m.look.view.zoomBy(0)
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
// (debounced), its full result, its note and, for a reviewer who sees
// them, the other annotators' verdicts as they are now.
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
		r := m.data.rows.at(m.nav.cur)
		if r.result == nil && r.status == audit.StatusDone && !r.detailPending {
			r.detailPending = true
			m.data.detailGen++
			cmds = append(cmds, lookupDetail(m.ctx, m.cfg.Engine, it, m.data.detailGen))
		}
	}
	if m.cfg.Store != nil && !m.cfg.Blind {
		cmds = append(cmds, loadOthers(m.ctx, m.cfg.Store, it.ID))
	}
	if m.cfg.Store != nil && !m.data.noteReq[it.ID] {
		m.data.noteReq[it.ID] = true
		cmds = append(cmds, loadNote(m.ctx, m.cfg.Store, it.ID, m.cfg.Annotator, !m.cfg.Blind))
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

// setFilter shows only the items that pass f; the cursor goes to the
// nearest one when the current item does not.
func (m *Model) setFilter(f Filter) tea.Cmd {
	m.nav.filter = f
	m.nav.dirty = true
	cmd := m.toNearest()
	m.setMsg(msgInfo, "filter: "+f.String()+" ("+count(len(m.nav.visible), "item")+")")
	return cmd
}

// toggleUrgentFirst puts urgent items first, in the order they are now
// (later results do not reorder the list), or back in worklist order.
func (m *Model) toggleUrgentFirst() {
	m.nav.urgentFirst = !m.nav.urgentFirst
	m.truth.order = truthOrderOff
	m.nav.dirty = true
	if m.nav.urgentFirst {
		m.nav.order = m.urgentOrder()
		m.setMsg(msgInfo, "order: urgent first (as of now; s twice reorders)")
	} else {
		m.nav.order, m.nav.rank = nil, nil
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
	i, ok := m.data.find(id)
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

// count says n things: "1 item", "3 items".
func count(n int, thing string) string { return Count(n, thing) }

// Count says n things in words, with the plural right: "1 verdict",
// "0 verdicts", "3 verdicts" (thing is a noun whose plural adds s).
func Count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return itoa(n) + " " + thing + "s"
}

// itemKeys are the browse keys that act on the current item: with no
// item listed they say so and do nothing.
func (m *Model) itemKeys() []key.Binding {
	k := &m.keys
	out := []key.Binding{k.Next, k.Prev, k.First, k.Last, k.NextDisagreement, k.PrevDisagreement,
		k.ImageRight, k.DraftRight, k.BothWrong, k.Unsure, k.Note, k.DisagreementNote, k.Raw, k.Rerun}
	for _, b := range []*key.Binding{&k.Boxes, &k.WidthDown, &k.WidthUp, &k.Darker, &k.Brighter, &k.Preset,
		&k.PresetBack, &k.WindowReset, &k.Invert, &k.ZoomIn, &k.ZoomOut, &k.ZoomBox, &k.ZoomReset,
		&k.PanLeft, &k.PanRight, &k.PanUp, &k.PanDown} {
		out = append(out, *b)
	}
	return out
}

// noItemText says that the list is empty and what emptied it.
func (m *Model) noItemText() string {
	why := []string{}
	if m.nav.filter != FilterAll {
		why = append(why, "filter: "+m.nav.filter.String())
	}
	if m.nav.search != "" {
		why = append(why, "search: "+Sanitize(m.nav.search))
	}
	s := "no item: the list is empty"
	if len(why) > 0 {
		s += " (" + strings.Join(why, " · ") + ")"
	}
	return s + " · " + m.keys.Filter.Help().Key + " changes the filter, " + m.keys.Search.Help().Key + " the search"
}
