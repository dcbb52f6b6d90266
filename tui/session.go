package tui

import (
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/cxr-auditor/cxr-auditor/audit"
)

// The session: cached results and verdicts at open, the pipeline's
// progress, and the lazily loaded details of an item.

// handleSession applies the cached results and verdicts loaded at open,
// then resumes at the first item that needs work (unless the reviewer
// already moved).
func (m *Model) handleSession(msg sessionLoadedMsg) tea.Cmd {
	m.loaded = true
	if msg.err != nil {
		m.setMsg(msgErr, "could not load saved results: "+Sanitize(msg.err.Error()))
	}
	for id, rec := range msg.results {
		i, ok := m.index[id]
		if !ok {
			continue
		}
		r := &m.rows[i]
		if r.status != "" && r.status != audit.StatusQueued {
			continue // the pipeline already said something newer
		}
		r.cached = true
		switch {
		case rec.Report != nil && rec.Error == "":
			r.status, r.report = audit.StatusDone, rec.Report
		case rec.Error != "":
			r.status, r.err = audit.StatusError, rec.Error
		}
	}
	for _, v := range msg.verdicts {
		if v.Annotator != m.cfg.Annotator {
			if !m.cfg.Blind {
				m.others[v.ItemID] = append(m.others[v.ItemID], v)
			}
			continue
		}
		if m.mine[v.ItemID] == nil {
			m.mine[v.ItemID] = map[string]*verdictEntry{}
		}
		if e := m.mine[v.ItemID][v.DisagreementKey]; e != nil && e.state == stateSaving {
			continue // a newer verdict is on its way
		}
		m.mine[v.ItemID][v.DisagreementKey] = &verdictEntry{decision: v.Decision, state: stateSaved}
	}
	m.dirty = true
	if m.moved {
		return m.afterMove()
	}
	for i := range m.items {
		if m.needsWork(i) {
			if i != m.cur {
				m.cur = i
			}
			break
		}
	}
	if m.cur >= 0 {
		m.dis = m.firstOpenDisagreement(m.cur)
		if msg.err == nil {
			m.setMsg(msgInfo, itoa(len(msg.results))+" saved results · resumed at "+Sanitize(m.items[m.cur].ID)+" (first needing a verdict)")
		}
	}
	return m.afterMove()
}

// handleEngineUpdate applies one progress event and reads the next.
func (m *Model) handleEngineUpdate(msg engineUpdatedMsg) tea.Cmd {
	next := waitForUpdate(m.cfg.Engine.Updates())
	u := msg.u
	i, ok := m.index[u.ItemID]
	if !ok {
		return next
	}
	r := &m.rows[i]
	switch {
	case u.Result != nil:
		res := u.Result
		r.result, r.report, r.err, r.stage, r.cached = res, res.Report, res.Err, "", res.Cached
		st := res.Status
		if st == "" || st == audit.StatusRunning || st == audit.StatusQueued {
			st = audit.StatusDone
			if res.Err != "" {
				st = audit.StatusError
			}
		}
		m.setStatus(i, st)
		if i == m.cur {
			m.clampSelection()
		}
	default:
		if u.Stage != "" && u.Status == audit.StatusRunning {
			r.stage = u.Stage
		}
		if u.Stage == "" || u.Status == audit.StatusRunning {
			m.setStatus(i, u.Status)
		}
	}
	m.markDirty()
	return tea.Batch(next, m.startSpinner())
}

// setStatus changes item i's status, keeping the count of running items.
func (m *Model) setStatus(i int, s audit.Status) {
	r := &m.rows[i]
	if r.status == audit.StatusRunning {
		m.running--
	}
	if s == audit.StatusRunning {
		m.running++
	}
	r.status = s
}

// startSpinner starts the spinner when an item runs and it is not turning.
func (m *Model) startSpinner() tea.Cmd {
	if m.spinning || m.running == 0 {
		return nil
	}
	m.spinning = true
	return m.spin.Tick
}

// handleSpin turns the spinner while something runs, and stops it after.
func (m *Model) handleSpin(msg spinner.TickMsg) tea.Cmd {
	if m.running == 0 {
		m.spinning = false
		return nil
	}
	var cmd tea.Cmd
	m.spin, cmd = m.spin.Update(msg)
	return cmd
}

// handleDetail stores an item's full cached result.
func (m *Model) handleDetail(msg detailLoadedMsg) {
	i, ok := m.index[msg.itemID]
	if !ok {
		return
	}
	r := &m.rows[i]
	r.detailPending = false
	if msg.gen != m.detailGen || msg.result == nil {
		return
	}
	if r.result != nil {
		return // the pipeline delivered a result meanwhile; it is newer
	}
	r.result = msg.result
	if r.report == nil {
		r.report = msg.result.Report
	}
	if m.mode == modeRaw && i == m.cur {
		m.fillRaw()
	}
}

func (m *Model) handleNote(msg notesLoadedMsg) {
	if msg.err != nil {
		m.setMsg(msgErr, "could not load the note: "+Sanitize(msg.err.Error()))
		return
	}
	if _, edited := m.notes[msg.itemID]; !edited {
		m.notes[msg.itemID] = msg.text
	}
}
