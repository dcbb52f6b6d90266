package tui

import (
	"strings"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/cxr-auditor/cxr-auditor/audit"
)

// The session: cached results and verdicts at open, the pipeline's
// progress, and the lazily loaded details of an item.

// handleSession applies one part of the session as it streams in at open
// (verdicts, then cached results), and after the last resumes at the first
// item that needs work (unless the reviewer already moved).
func (m *Model) handleSession(msg sessionLoadedMsg) tea.Cmd {
	m.data.cachedSeen += len(msg.summaries)
	for _, s := range msg.summaries {
		r := m.data.rows.at(s.index)
		if r.result != nil || r.status == audit.StatusDone || r.status == audit.StatusError {
			continue // the pipeline already delivered something newer
		}
		// Queued or running in the pipeline (which may only be serving
		// its cache): the stored result still counts until a new one
		// comes (its disagreements, urgency, the resume), and the status
		// keeps saying what the pipeline does.
		r.cached = true
		idle := r.status == "" || r.status == audit.StatusQueued
		switch {
		case s.Status == audit.StatusDone && s.Error == "":
			r.summary = summary{known: true, urgent: s.Urgent, disagreements: s.Disagreements, doubts: s.DraftDoubts}
			if idle {
				m.data.setStatus(s.index, audit.StatusDone)
			}
		case s.Error != "" && idle:
			m.data.setStatus(s.index, audit.StatusError)
			r.err = s.Error
		}
	}
	for _, v := range msg.verdicts {
		if v.Annotator != m.cfg.Annotator {
			if !m.cfg.Blind {
				m.data.others[v.ItemID] = append(m.data.others[v.ItemID], v)
			}
			continue
		}
		if m.data.mine[v.ItemID] == nil {
			m.data.mine[v.ItemID] = map[string]*verdictEntry{}
		}
		if e := m.data.mine[v.ItemID][v.DisagreementKey]; e != nil && e.state == stateSaving {
			continue // a newer verdict is on its way
		}
		m.data.mine[v.ItemID][v.DisagreementKey] = &verdictEntry{decision: v.Decision, state: stateSaved}
	}
	m.markDirty()
	if !msg.done {
		return msg.next
	}
	m.data.loaded = true
	m.nav.dirty = true
	if msg.err != nil {
		m.setMsg(msgErr, "could not load saved results: "+Sanitize(msg.err.Error()))
	}
	if m.nav.urgentFirst {
		m.nav.order = m.urgentOrder() // the remembered order, now that urgency is known
	}
	if m.nav.moved {
		return m.afterMove()
	}
	if m.cmp != nil {
		m.resumeCompare()
		return m.afterMove()
	}
	m.resume(m.data.cachedSeen, msg.err == nil)
	return m.afterMove()
}

// resume puts the cursor on the first item with a disagreement this
// reviewer has not adjudicated, and says so; when there is none, on the
// first item still to run, saying that every disagreement so far is
// adjudicated.
func (m *Model) resume(cached int, say bool) {
	d := &m.data
	open, total, firstOpen, firstUnrun := 0, 0, -1, -1
	for i := range d.items {
		if n := d.disagreementCount(i); n > 0 {
			total += n - d.settledCount(i)
			if k := n - d.adjudicatedCount(i); k > 0 {
				open += k
				if firstOpen < 0 {
					firstOpen = i
				}
			}
		}
		if !d.known(i) && d.rows.get(i).status != audit.StatusError && firstUnrun < 0 {
			firstUnrun = i
		}
	}
	results := count(cached, "cached result") + " · "
	var s string
	switch {
	case firstOpen >= 0:
		m.nav.cur = firstOpen
		s = results + "resumed at " + Sanitize(d.items[firstOpen].ID) + ": first with a disagreement to " + m.verb("adjudicate") + " (" + itoa(open) + " of " + itoa(total) + " open)"
	case cached == 0:
		s = "no cached results yet: starting at the first item"
	case firstUnrun >= 0:
		m.nav.cur = firstUnrun
		s = results + "all " + itoa(total) + " disagreements so far " + m.verb("adjudicated") + " · " + Sanitize(d.items[firstUnrun].ID) + " is the first still to run"
	default:
		s = results + "all " + itoa(total) + " disagreements " + m.verb("adjudicated")
	}
	if m.nav.cur >= 0 {
		m.nav.dis = d.firstOpenDisagreement(m.nav.cur)
	}
	if m.data.restored != "" {
		s = m.data.restored + " · " + s // said first: the load must not hide it
	}
	if say && !m.data.lateNews {
		m.setMsg(msgInfo, s)
	}
}

// handleEngineUpdate applies one progress event and reads the next.
func (m *Model) handleEngineUpdate(msg engineUpdatedMsg) tea.Cmd {
	next := waitForUpdate(m.cfg.Engine.Updates())
	u := msg.u
	i, ok := m.data.find(u.ItemID)
	if !ok {
		return next
	}
	r := m.data.rows.at(i)
	switch {
	case u.Result != nil:
		res := u.Result
		r.result, r.report, r.err, r.stage, r.cached, r.stale = res, res.Report, res.Err, "", res.Cached, false
		r.summary = summary{} // the result says it all now
		st := res.Status
		if st == "" || st == audit.StatusRunning || st == audit.StatusQueued {
			st = audit.StatusDone
			if res.Err != "" {
				st = audit.StatusError
			}
		}
		m.data.setStatus(i, st)
		m.hostAnswered(res)
		if i == m.nav.cur {
			m.clampSelection()
			if strings.HasPrefix(m.msg.text, "results not in yet for ") {
				m.setMsg(msgInfo, "results in for "+Sanitize(u.ItemID)) // the wait is over
			}
		}
	default:
		if u.Stage != "" && u.Status == audit.StatusRunning {
			r.stage = u.Stage
		}
		if u.Stage == "" || u.Status == audit.StatusRunning {
			m.data.setStatus(i, u.Status)
		}
	}
	m.markDirty()
	if m.mode == modeRaw && i == m.nav.cur {
		// The viewer follows the item: running, then its outputs.
		m.fillRaw()
	}
	return tea.Batch(next, m.startSpinner())
}

// startSpinner starts the spinner when an item runs and it is not turning.
func (m *Model) startSpinner() tea.Cmd {
	if m.panes.spinning || m.data.running == 0 {
		return nil
	}
	m.panes.spinning = true
	return m.panes.spin.Tick
}

// handleSpin turns the spinner while something runs, and stops it after.
func (m *Model) handleSpin(msg spinner.TickMsg) tea.Cmd {
	if m.data.running == 0 {
		m.panes.spinning = false
		return nil
	}
	var cmd tea.Cmd
	m.panes.spin, cmd = m.panes.spin.Update(msg)
	return cmd
}

// handleDetail stores an item's full cached result.
func (m *Model) handleDetail(msg detailLoadedMsg) {
	i, ok := m.data.find(msg.itemID)
	if !ok {
		return
	}
	r := m.data.rows.at(i)
	r.detailPending = false
	if msg.gen == m.data.detailGen && msg.result == nil && r.result == nil && r.status == audit.StatusDone {
		r.stale = true
		if i == m.nav.cur {
			m.setMsg(msgErr, Sanitize(msg.itemID)+": "+staleText)
		}
		return
	}
	if msg.gen != m.data.detailGen || msg.result == nil {
		return
	}
	if r.result != nil {
		return // the pipeline delivered a result meanwhile; it is newer
	}
	r.result = msg.result
	if r.report == nil {
		r.report = msg.result.Report
		if i == m.nav.cur {
			// Known from the summary until now (n and p had nothing to
			// select): the selection goes to the first disagreement
			// without a verdict.
			m.nav.dis = m.data.firstOpenDisagreement(i)
		}
		m.markDirty()
	}
	if m.mode == modeRaw && i == m.nav.cur {
		m.fillRaw()
	}
}

func (m *Model) handleNote(msg notesLoadedMsg) {
	if msg.err != nil {
		m.setMsg(msgErr, "could not load the note: "+Sanitize(msg.err.Error()))
		return
	}
	if _, edited := m.data.notes[msg.itemID]; !edited {
		m.data.notes[msg.itemID] = msg.text
	}
	if _, edited := m.data.disNotes[msg.itemID]; !edited && len(msg.dis) > 0 {
		m.data.disNotes[msg.itemID] = msg.dis
	}
	m.data.otherNotes[msg.itemID] = msg.others
}
