package tui

import (
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// ItemsMsg brings more of a worklist still being read (Config.Loading).
// The caller sends one after each part it read and a last one with Done.
type ItemsMsg struct {
	// Items are all the rows read so far, in worklist order: the
	// workstation's items, then more (the same rows, never others).
	Items []audit.Item
	// Problems are the bad rows found since the last ItemsMsg, in words.
	Problems []string
	// Done says the read ended; Err, when not nil, says why it ended
	// before the end of the worklist (the rows after it are not shown).
	Done bool
	Err  error
}

// handleItems takes the rows an ItemsMsg brings: the list, its counts
// and the panes grow. When the read is done the session's saved results
// and verdicts are loaded (over the whole list), and bad rows found late
// are said as at open.
func (m *Model) handleItems(msg ItemsMsg) tea.Cmd {
	if !m.data.reading {
		return nil
	}
	if n := len(msg.Items); n > len(m.data.items) {
		m.growItems(msg.Items)
	}
	m.cfg.Problems = append(m.cfg.Problems, msg.Problems...)
	if !msg.Done {
		return nil
	}
	m.data.reading = false
	m.data.lateNews = msg.Err != nil || len(m.cfg.Problems) > m.data.problemsAtOpen
	switch {
	case msg.Err != nil:
		m.setMsg(msgErr, "worklist: reading stopped after "+count(len(m.data.items), "row")+": "+
			Sanitize(msg.Err.Error())+"; the rows after it are not shown")
	case len(m.cfg.Problems) > m.data.problemsAtOpen:
		m.setMsg(msgErr, problemSummary(m.cfg.Problems))
	}
	var cmds []tea.Cmd
	if m.cfg.Store != nil {
		cmds = append(cmds, loadSession(m.ctx, m.cfg.Store, m.data.finder(), m.cfg.Annotator, m.cfg.Blind))
	}
	return tea.Batch(cmds...)
}

// growItems makes items (which extend the current ones) the worklist.
func (m *Model) growItems(items []audit.Item) {
	d, n := &m.data, &m.nav
	old := len(d.items)
	d.items = items
	d.rows.grow(len(items))
	d.searchText, d.prefixDone = nil, false
	if n.urgentFirst {
		n.order = m.urgentOrder()
	}
	// The whole list shown in worklist order grows as it is; any other
	// view is computed again.
	if !n.dirty && n.filter == FilterAll && n.order == nil && n.hits == nil &&
		m.truth.filter == TruthFilterOff && len(n.visible) == old {
		for i := old; i < len(items); i++ {
			n.visible = append(n.visible, i)
		}
		return
	}
	n.dirty = true
}

// waitsForList refuses, while the worklist is still being read, the keys
// that work over the whole list (jump, search, filters, orders, skip,
// the metrics and the truth view), saying so; it reports whether it did.
func (m *Model) waitsForList(msg tea.KeyPressMsg) bool {
	k := &m.keys
	if !m.data.reading || !key.Matches(msg, k.Jump, k.Search, k.Filter, k.FilterBack, k.UrgentFirst, k.Skip, k.Metrics, k.TruthView) {
		return false
	}
	m.setMsg(msgInfo, "still reading the worklist ("+count(len(m.data.items), "row")+" so far): this key works once it is read")
	return true
}

// Reading reports whether the worklist is still being read (Config.Loading
// until the last ItemsMsg).
func (m *Model) Reading() bool { return m.data.reading }

// readOnDelay is how long after its first update with a known size the
// workstation waits before it lets a worklist still being read go on
// (Config.ReadOn): time for the renderer (60 frames a second) to draw
// the first frame without the read competing for the processor.
const readOnDelay = 50 * time.Millisecond

// readOnMsg says the first frame had its time: the read may go on.
type readOnMsg struct{}

// askReadOn schedules readOnMsg once, when the worklist is still being
// read and the screen's size is known (the next frame is a whole one).
func (m *Model) askReadOn() tea.Cmd {
	if !m.data.reading || m.data.readOnAsked || m.width == 0 || m.cfg.ReadOn == nil {
		return nil
	}
	m.data.readOnAsked = true
	return tea.Tick(readOnDelay, func(time.Time) tea.Msg { return readOnMsg{} })
}

// problemSummary says how many worklist rows were skipped and shows the
// first.
func problemSummary(p []string) string {
	s := "worklist: " + count(len(p), "row") + " skipped: " + Sanitize(p[0])
	if len(p) > 1 {
		s += " (and more; see `cxr-auditor doctor`)"
	}
	return s
}
