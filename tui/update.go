package tui

import (
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/cxr-auditor/cxr-auditor/audit"
)

// focusDelay is how long the cursor rests on an item before the pipeline
// is told to put it first: holding j does not reshuffle the queue on every
// row.
const focusDelay = 30 * time.Millisecond

// handleKey routes a key to the open dialog or to the workstation.
func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	if m.mode != modeNormal {
		return m.handleDialogKey(msg)
	}
	k := m.keys
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Help):
		m.help.ShowAll = !m.help.ShowAll
		m.relayout()
		return nil
	}
	if m.layout.TooSmall {
		return nil
	}
	switch {
	case key.Matches(msg, k.Next):
		return m.moveBy(1)
	case key.Matches(msg, k.Prev):
		return m.moveBy(-1)
	case key.Matches(msg, k.First):
		return m.moveTo(0)
	case key.Matches(msg, k.Last):
		return m.moveTo(len(m.visible) - 1)
	case key.Matches(msg, k.Jump):
		m.mode = modeJump
		return m.jump.Open()
	case key.Matches(msg, k.Filter):
		return m.setFilter((m.filter + 1) % numFilters)
	case key.Matches(msg, k.FilterBack):
		return m.setFilter((m.filter + numFilters - 1) % numFilters)
	case key.Matches(msg, k.UrgentFirst):
		m.urgentFirst = !m.urgentFirst
		m.dirty = true
		if m.urgentFirst {
			m.setMsg(msgInfo, "order: urgent first")
		} else {
			m.setMsg(msgInfo, "order: worklist")
		}
		return nil
	case key.Matches(msg, k.NextDisagreement):
		m.selectDisagreement(1)
		return nil
	case key.Matches(msg, k.PrevDisagreement):
		m.selectDisagreement(-1)
		return nil
	case key.Matches(msg, k.ImageRight):
		return m.decide(audit.ImageRight)
	case key.Matches(msg, k.DraftRight):
		return m.decide(audit.DraftRight)
	case key.Matches(msg, k.BothWrong):
		return m.decide(audit.BothWrong)
	case key.Matches(msg, k.Unsure):
		return m.decide(audit.Unsure)
	case key.Matches(msg, k.Undo):
		return m.undo()
	case key.Matches(msg, k.Note):
		return m.openNote()
	case key.Matches(msg, k.Boxes):
		m.showBoxes = !m.showBoxes
		return nil
	case key.Matches(msg, k.WidthDown):
		m.window.Width = max(0.05, m.window.Width*0.8)
		return nil
	case key.Matches(msg, k.WidthUp):
		m.window.Width = min(20, m.window.Width*1.25)
		return nil
	case key.Matches(msg, k.CenterDown):
		m.window.Center = max(-2, m.window.Center-0.05)
		return nil
	case key.Matches(msg, k.CenterUp):
		m.window.Center = min(2, m.window.Center+0.05)
		return nil
	case key.Matches(msg, k.WindowReset):
		m.window = DefaultWindowAdjust()
		return nil
	case key.Matches(msg, k.Raw):
		return m.openRaw()
	case key.Matches(msg, k.Rerun):
		return m.rerun()
	}
	return nil
}

// quit leaves once every write is on disk. Asked again while writes are
// pending, it leaves anyway (the message line said what would be lost).
func (m *Model) quit() tea.Cmd {
	if len(m.writes) == 0 || m.quitting {
		return tea.Quit
	}
	m.quitting = true
	m.setMsg(msgErr, "saving "+itoa(len(m.writes))+" change(s)… will quit when saved (press q again to quit now and lose them)")
	return nil
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
	if len(m.visible) == 0 {
		return nil
	}
	p = max(0, min(p, len(m.visible)-1))
	return m.setCurrent(m.visible[p])
}

// setCurrent makes item i current and selects its first disagreement
// without a verdict.
func (m *Model) setCurrent(i int) tea.Cmd {
	m.moved = true
	if i == m.cur {
		return nil
	}
	prev := m.cur
	m.cur = i
	m.dis = m.firstOpenDisagreement(i)
	if prev >= 0 && m.filter != FilterAll && !m.passes(prev) {
		m.dirty = true // the previous item only stayed visible as current
	}
	return m.afterMove()
}

// firstOpenDisagreement returns the index of item i's first disagreement
// without a verdict of this reviewer (0 when all have one).
func (m *Model) firstOpenDisagreement(i int) int {
	r := m.rows[i].report
	if r == nil {
		return 0
	}
	mine := m.mine[m.items[i].ID]
	for j, d := range r.Disagreements {
		if v := mine[d.Key()]; v == nil || v.state == stateFailed {
			return j
		}
	}
	return 0
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
		m.focusGen++
		gen := m.focusGen
		cmds = append(cmds, tea.Tick(m.focusDelay, func(time.Time) tea.Msg { return focusDueMsg{gen: gen} }))
		r := &m.rows[m.cur]
		if r.result == nil && r.status == audit.StatusDone && !r.detailPending {
			r.detailPending = true
			m.detailGen++
			cmds = append(cmds, lookupDetail(m.ctx, m.cfg.Engine, it, m.detailGen))
		}
	}
	if m.cfg.Store != nil && !m.noteReq[it.ID] {
		m.noteReq[it.ID] = true
		cmds = append(cmds, loadNote(m.ctx, m.cfg.Store, it.ID, m.cfg.Annotator))
	}
	return tea.Batch(cmds...)
}

// handleFocusDue tells the pipeline to run the current item first, then
// the next Prefetch visible items.
func (m *Model) handleFocusDue(msg focusDueMsg) tea.Cmd {
	it, ok := m.current()
	if msg.gen != m.focusGen || !ok || m.cfg.Engine == nil {
		return nil
	}
	var ahead []string
	if p := m.pos(); p >= 0 {
		for q := p + 1; q < len(m.visible) && len(ahead) < m.cfg.Prefetch; q++ {
			ahead = append(ahead, m.items[m.visible[q]].ID)
		}
	}
	return focusEngine(m.cfg.Engine, it.ID, ahead)
}

func (m *Model) setFilter(f Filter) tea.Cmd {
	m.filter = f
	m.dirty = true
	m.refresh()
	n := len(m.visible)
	if n > 0 && !m.passes(m.cur) {
		n-- // the current item is only shown because it is current
	}
	m.setMsg(msgInfo, "filter: "+f.String()+" ("+itoa(n)+" items)")
	return nil
}

// selectDisagreement moves the disagreement selection by delta, wrapping.
func (m *Model) selectDisagreement(delta int) {
	n := len(m.disagreements())
	if n == 0 {
		m.setMsg(msgInfo, "no disagreement on this item")
		return
	}
	m.dis = ((m.dis+delta)%n + n) % n
}

// rerun asks the pipeline to run the current item again, ignoring the cache.
func (m *Model) rerun() tea.Cmd {
	it, ok := m.current()
	if !ok || m.cfg.Engine == nil {
		m.setMsg(msgErr, "no pipeline: cannot rerun")
		return nil
	}
	m.setStatus(m.cur, audit.StatusQueued)
	m.rows[m.cur].stage, m.rows[m.cur].err = "", ""
	m.setMsg(msgInfo, "rerun queued for "+Sanitize(it.ID)+" (cache ignored)")
	return rerunItem(m.cfg.Engine, it)
}
