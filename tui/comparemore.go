package tui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/compare"
)

// Compare mode beyond the judgment itself: its undo, the tally in the
// metrics pane, and the worklist counting the runs' differences.

// Compare mode beyond the judgment itself: its undo, the tally in the
// metrics pane, and the worklist counting the runs' differences.

// undoCompare queues the withdrawal of this session's latest compare
// verdict (after every queued write), as z does for a draft verdict.
func (m *Model) undoCompare() tea.Cmd {
	m.setMsg(msgInfo, "undoing the last judgment…")
	return m.enqueue(writeOp{seq: m.saves.seq, kind: writeUndoCompare, cmp: audit.CompareVerdict{Annotator: m.cfg.Annotator},
		undoCmp: m.cmp.cfg.Undo})
}

// compareUndone shows the item's judgments as the store now has them: the
// undone one gone (or the one it replaced back), the tally with it; this
// reviewer's judgments still being saved or refused stay as they are. The
// cursor goes to the difference undone.
func (m *Model) compareUndone(msg writeDoneMsg) {
	if !m.undoDid(msg) {
		return
	}
	u := msg.cmpUndone
	cur := map[string]*prefEntry{}
	for k := range m.cmp.all {
		if k[0] == u.ItemID {
			delete(m.cmp.all, k)
		}
	}
	for _, v := range msg.cmpNow {
		if v.RunA != m.cmp.cfg.RunA || v.RunB != m.cmp.cfg.RunB || v.ItemID != u.ItemID {
			continue
		}
		m.cmp.all[[3]string{v.ItemID, v.DifferenceKey, v.Annotator}] = v.Preference
		if v.Annotator == m.cfg.Annotator {
			cur[v.DifferenceKey] = &prefEntry{pref: v.Preference, state: stateSaved}
		}
	}
	for k, e := range m.cmp.mine[u.ItemID] {
		if e.state == stateSaving || e.state == stateFailed {
			cur[k] = e
			if e.state == stateSaving {
				m.cmp.all[[3]string{u.ItemID, k, m.cfg.Annotator}] = e.pref
			}
		}
	}
	m.cmp.mine[u.ItemID] = cur
	m.saves.verdicts = max(0, m.saves.verdicts-1)
	now := "no judgment"
	if e := cur[u.DifferenceKey]; e != nil {
		now = "back to " + e.pref.Title()
	}
	m.setMsg(msgOK, "undone ✓ "+Sanitize(u.ItemID)+" "+string(u.Label)+": "+u.Preference.Title()+" ("+now+")")
	if i, ok := m.data.find(u.ItemID); ok {
		m.setCurrentNoFocus(i)
		for j, d := range m.compareRows() {
			if d.Key() == u.DifferenceKey {
				m.cmp.sel = j
			}
		}
	}
}

// metricsTally is the preference tally atop the metrics pane in compare
// mode (wins, losses and ties of B against A, with the Wilson interval),
// as the compare pane shows it; nil outside compare mode.
func (m *Model) metricsTally() []string {
	if m.cmp == nil {
		return nil
	}
	head := "preference tally, A " + m.cmp.cfg.RunA + " · B " + m.cmp.cfg.RunB + " (every reviewer's judgments)"
	return append(append([]string{head}, tallyLines(m.compareTally(), compare.DefaultLevel)...), "")
}

// compareWorklistRow makes row r of item i count the runs' differences
// rather than the draft's disagreements: the count is the item's
// differences, ● when this reviewer has judged them all, ◐ some. The
// runs' findings are known from the store whatever the pipeline's state.
func (m *Model) compareWorklistRow(r *worklistRow, i int) {
	r.known, r.adjDone, r.adjSome = true, false, false
	r.count = m.cmp.counts[i]
	if r.count == 0 {
		return
	}
	id := m.data.items[i].ID
	judged := 0
	for _, d := range m.cmp.differences(id) {
		if e := m.cmp.mine[id][d.Key()]; e != nil && e.state != stateFailed {
			judged++
		}
	}
	r.adjDone, r.adjSome = judged == r.count, judged > 0
}

// compareWorklistTitle is the worklist title's part in compare mode: how
// many items the runs differ on.
func (m *Model) compareWorklistTitle() string {
	if m.cmp == nil {
		return ""
	}
	return " · A≠B " + itoa(m.cmp.differ)
}
