package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// Adjudication: verdicts, undo and the ordered queue of store writes.

// writeQueue is the store writes of the session: run one at a time, in
// the order the reviewer made them, so the store sees verdicts and undos
// in that order.
type writeQueue struct {
	ops      []writeOp // queued; ops[0] is in flight when writing
	writing  bool
	seq      int  // sequence number of the latest op
	verdicts int  // verdicts saved this session
	notes    int  // notes saved this session
	quitting bool // quit once ops is empty
	// quitAsked: the reviewer asked to quit and was told what would be
	// lost; the quit key again quits.
	quitAsked bool
	// undoStack is what this session did, verdicts and truth corrections,
	// so z undoes the latest of either; empty, it undoes a verdict.
	undoStack []writeKind
	// gone: tea.Quit was returned. Keys that arrive with the quit key (a
	// paste, keys bunched by SSH lag) are read before the program stops;
	// none of them is acted on.
	gone bool
}

// decide records the reviewer's decision on the selected disagreement:
// queued for the store, shown as "saving…", and the selection advances to
// the next disagreement without a verdict (then to the next item that
// needs work).
func (m *Model) decide(d audit.Decision) tea.Cmd {
	it, ok := m.current()
	if !ok {
		return nil
	}
	ds := m.disagreements()
	if len(ds) == 0 {
		switch r := m.data.rows.at(m.nav.cur); {
		case r.stale && r.report == nil:
			m.setMsg(msgErr, staleText+": no verdict given")
		case r.report == nil && r.summary.disagreements > 0:
			m.setMsg(msgInfo, "still loading the disagreements of "+Sanitize(it.ID)+": no verdict given")
		case r.status == audit.StatusDone:
			m.setMsg(msgInfo, "nothing to judge: image and draft agree")
		case r.status == audit.StatusError:
			m.setMsg(msgErr, "this item failed; R reruns it, r shows the raw output")
		default:
			m.setMsg(msgInfo, "results not in yet for "+Sanitize(it.ID))
		}
		return nil
	}
	dis := ds[m.nav.dis]
	if final, ok := m.data.settled[it.ID][dis.Key()]; ok {
		m.setMsg(msgInfo, string(dis.Label)+": the readers agreed ("+decisionText(final, dis.Key())+"): final, not to adjudicate")
		return nil
	}
	if dis.Kind == audit.UrgentConfirm && d == audit.DraftRight {
		// The draft agrees with the image (or was not read): "draft right"
		// would say nothing a confirmation does not.
		m.setMsg(msgInfo, string(dis.Label)+" is to confirm: i confirmed · b image wrong · u unsure")
		return nil
	}
	m.saves.seq++
	v := audit.Verdict{
		ItemID:          it.ID,
		DisagreementKey: dis.Key(),
		Label:           dis.Label,
		Kind:            dis.Kind,
		Decision:        d,
		Annotator:       m.cfg.Annotator,
	}
	if m.data.mine[it.ID] == nil {
		m.data.mine[it.ID] = map[string]*verdictEntry{}
	}
	op := writeOp{seq: m.saves.seq, kind: writeVerdict, verdict: v}
	m.saves.undoStack = append(m.saves.undoStack, writeVerdict)
	what := decisionText(d, dis.Key())
	if old := m.data.mine[it.ID][dis.Key()]; old != nil && old.state != stateFailed && old.decision != d {
		// Replacing a verdict is said, not silent.
		op.replaced = decisionText(old.decision, dis.Key())
		what = op.replaced + " → " + what
	}
	m.data.mine[it.ID][dis.Key()] = &verdictEntry{decision: d, state: stateSaving, seq: m.saves.seq}
	m.markDirty()
	move, after := m.advance()
	op.after, op.moves = after, m.nav.moves
	m.setMsg(msgInfo, "saving… "+string(dis.Label)+": "+what+after)
	return tea.Batch(m.enqueue(op), move)
}

// advance moves to the next disagreement of the current item without a
// verdict, else to the next visible item that needs work. It returns the
// move's commands and says where it went, for the message line.
func (m *Model) advance() (tea.Cmd, string) {
	ds := m.disagreements()
	mine := m.data.mine[m.CurrentID()]
	for k := 1; k < len(ds); k++ {
		j := (m.nav.dis + k) % len(ds)
		if v := mine[ds[j].Key()]; (v == nil || v.state == stateFailed) && !m.data.isSettled(m.CurrentID(), ds[j].Key()) {
			m.nav.dis = j
			return nil, "  → next disagreement: " + string(ds[j].Label)
		}
	}
	if p := m.pos(); p >= 0 {
		for q := p + 1; q < len(m.nav.visible); q++ {
			if i := m.nav.visible[q]; m.open(i) {
				return m.setCurrent(i), "  → item done; next item: " + Sanitize(m.data.items[i].ID)
			}
		}
		cmd, where := m.wrapToOpen(p)
		return cmd, "  · item done" + where
	}
	return nil, "  · no item below needs a verdict"
}

// decisionText says a decision in words: on a row to confirm (a verdict
// key of kind audit.UrgentConfirm) image right is "confirmed" and both
// wrong "image wrong", since the draft agrees with the image or was not
// read.
func decisionText(d audit.Decision, key string) string {
	if isConfirmKey(key) {
		switch d {
		case audit.ImageRight:
			return "confirmed"
		case audit.BothWrong:
			return "image wrong"
		}
	}
	switch d {
	case audit.ImageRight:
		return "image right"
	case audit.DraftRight:
		return "draft right"
	case audit.BothWrong:
		return "both wrong"
	case audit.Unsure:
		return "unsure"
	case audit.ModelWrong:
		return "model wrong"
	case audit.TruthWrong:
		return "truth wrong"
	case audit.Ambiguous:
		return "ambiguous"
	}
	return string(d)
}

// undo withdraws this reviewer's last verdict (after every queued write).
func (m *Model) undo() tea.Cmd {
	if m.cfg.Store == nil {
		return nil
	}
	m.saves.seq++
	if n := len(m.saves.undoStack); n > 0 {
		last := m.saves.undoStack[n-1]
		m.saves.undoStack = m.saves.undoStack[:n-1]
		if last == writeCompare {
			return m.undoCompare()
		}
		if last == writeCorrection {
			m.setMsg(msgInfo, "undoing the last truth correction…")
			return m.enqueue(writeOp{seq: m.saves.seq, kind: writeUndoCorrection, verdict: audit.Verdict{Annotator: m.cfg.Annotator}})
		}
	}
	if m.cmp != nil {
		return m.undoCompare()
	}
	m.setMsg(msgInfo, "undoing the last verdict…")
	return m.enqueue(writeOp{seq: m.saves.seq, kind: writeUndo, verdict: audit.Verdict{Annotator: m.cfg.Annotator}, withOthers: !m.cfg.Blind})
}

// enqueue adds a store write; writes run one at a time, in order.
func (m *Model) enqueue(op writeOp) tea.Cmd {
	if m.cfg.Store == nil {
		m.setMsg(msgErr, "no store: nothing is saved")
		return nil
	}
	m.saves.ops = append(m.saves.ops, op)
	return m.startWrite()
}

func (m *Model) startWrite() tea.Cmd {
	if m.saves.writing || len(m.saves.ops) == 0 {
		return nil
	}
	m.saves.writing = true
	return runWrite(m.ctx, m.cfg.Store, m.saves.ops[0])
}

// handleWriteDone marks the write durable (or failed), then starts the
// next one.
func (m *Model) handleWriteDone(msg writeDoneMsg) tea.Cmd {
	if len(m.saves.ops) == 0 || m.saves.ops[0].seq != msg.seq {
		return nil // not ours: cannot happen, writes are serialised
	}
	op := m.saves.ops[0]
	m.saves.ops = m.saves.ops[1:]
	var cmd tea.Cmd
	m.saves.writing = false
	switch op.kind {
	case writeVerdict:
		cmd = m.verdictWritten(op, msg)
	case writeNote:
		m.noteWritten(op, msg.err)
	case writeCompare:
		m.compareWritten(op, msg)
	case writeUndo:
		m.undoWritten(msg)
	case writeCorrection:
		cmd = m.correctionWritten(op, msg)
	case writeUndoCorrection:
		cmd = m.correctionUndone(msg)
	case writeUndoCompare:
		m.compareUndone(msg)
	}
	next := m.startWrite()
	if m.saves.quitting && len(m.saves.ops) == 0 {
		return tea.Batch(cmd, m.quitAfterWrites())
	}
	return tea.Batch(cmd, next)
}

// verdictWritten records the store's answer to a verdict write. A refused
// verdict stays on screen marked NOT SAVED and, unless the reviewer has
// moved since, the cursor goes back to it, so retrying is one key.
func (m *Model) verdictWritten(op writeOp, msg writeDoneMsg) tea.Cmd {
	v := op.verdict
	e := m.data.mine[v.ItemID][v.DisagreementKey]
	latest := e != nil && e.seq == op.seq
	what := Sanitize(v.ItemID) + " " + string(v.Label) + ": " + decisionText(v.Decision, v.DisagreementKey)
	if msg.err != nil {
		if !latest {
			m.setMsg(msgErr, "NOT saved "+what+": "+Sanitize(msg.err.Error())+" (a later verdict replaced it)")
			return nil
		}
		if r, ok := refusal(msg.err); ok {
			return m.verdictRefused(op, r)
		}
		e.state, e.err, e.kept = stateFailed, msg.err.Error(), keptIn(msg.err)
		m.markDirty()
		cmd, back := m.backTo(op)
		where := ""
		if back {
			where = " · back on it"
		}
		m.setMsg(msgErr, "NOT saved "+what+": "+Sanitize(msg.err.Error())+where+": press its key again to retry")
		return cmd
	}
	m.saves.verdicts++
	if latest {
		e.state = stateSaved
	}
	if op.replaced != "" {
		what = Sanitize(v.ItemID) + " " + string(v.Label) + ": " + op.replaced + " → " + decisionText(v.Decision, v.DisagreementKey)
	}
	m.setMsg(msgOK, "saved ✓ "+what+op.after)
	return nil
}

// verdictRefused shows a verdict the store refused (Refused): not saved,
// and why, in words that fit the message line; no retry is offered, as
// one would be refused too. A unit the readers turn out to have agreed on
// is shown agreed from then on, and the verdict is dropped.
func (m *Model) verdictRefused(op writeOp, r *Refused) tea.Cmd {
	v := op.verdict
	e := m.data.mine[v.ItemID][v.DisagreementKey]
	e.state, e.err, e.refused = stateFailed, r.Reason, r.Reason
	if r.Agreed != "" {
		delete(m.data.mine[v.ItemID], v.DisagreementKey)
		if m.data.settled == nil {
			m.data.settled = map[string]map[string]audit.Decision{}
		}
		if m.data.settled[v.ItemID] == nil {
			m.data.settled[v.ItemID] = map[string]audit.Decision{}
		}
		m.data.settled[v.ItemID][v.DisagreementKey] = r.Agreed
	}
	m.markDirty()
	reason := Sanitize(r.Reason)
	if r.Agreed != "" {
		reason = "the readers agreed (" + decisionText(r.Agreed, v.DisagreementKey) + "): final"
	}
	m.setMsg(msgErr, "NOT saved "+string(v.Label)+": "+reason)
	cmd, _ := m.backTo(op)
	return cmd
}

// backTo puts the cursor back on the verdict op wrote, unless the
// reviewer has moved since (the auto-advance is not a move of theirs),
// and says whether it did.
func (m *Model) backTo(op writeOp) (tea.Cmd, bool) {
	i, ok := m.data.find(op.verdict.ItemID)
	if !ok || op.moves != m.nav.moves {
		return nil, false
	}
	cmd := m.setCurrent(i)
	for j, d := range m.disagreements() {
		if d.Key() == op.verdict.DisagreementKey {
			m.nav.dis = j
		}
	}
	return cmd, true
}

// undoDid reports whether an undo took a judgment back; when it did not
// (the store refused, or this session had nothing to undo) it says so.
func (m *Model) undoDid(msg writeDoneMsg) bool {
	switch {
	case msg.err != nil:
		m.setMsg(msgErr, "undo failed: "+Sanitize(msg.err.Error()))
	case !msg.undid:
		m.setMsg(msgInfo, "nothing to undo")
	default:
		return true
	}
	return false
}

func (m *Model) undoWritten(msg writeDoneMsg) {
	if !m.undoDid(msg) {
		return
	}
	u := msg.undone
	// The item's verdicts as the store now has them: this reviewer's
	// (the undone one gone, an earlier one back) and, unless blind, the
	// other annotators' current ones. This reviewer's verdicts still on
	// their way to the store (queued behind the undo) or refused by it
	// are not in the store's answer and stay as they are.
	cur := map[string]*verdictEntry{}
	var others []audit.Verdict
	for _, v := range msg.current {
		if v.Annotator == m.cfg.Annotator {
			cur[v.DisagreementKey] = &verdictEntry{decision: v.Decision, state: stateSaved}
		} else if !m.cfg.Blind {
			others = append(others, v)
		}
	}
	for k, e := range m.data.mine[u.ItemID] {
		if e.state == stateSaving || e.state == stateFailed {
			cur[k] = e
		}
	}
	m.data.mine[u.ItemID] = cur
	if !m.cfg.Blind {
		m.data.others[u.ItemID] = others
		m.resettle(u.ItemID, msg.current)
	}
	m.saves.verdicts = max(0, m.saves.verdicts-1)
	m.markDirty()
	now := "no verdict"
	if e := cur[u.DisagreementKey]; e != nil {
		now = "back to " + decisionText(e.decision, u.DisagreementKey)
	}
	m.setMsg(msgOK, "undone ✓ "+Sanitize(u.ItemID)+" "+string(u.Label)+": "+decisionText(u.Decision, u.DisagreementKey)+" ("+now+")")
	if i, ok := m.data.find(u.ItemID); ok {
		m.setCurrentNoFocus(i)
		for j, d := range m.disagreements() {
			if d.Key() == u.DisagreementKey {
				m.nav.dis = j
			}
		}
	}
}

// SavedVerdicts returns how many verdicts were saved durably during this
// session (for the summary printed on exit).
func (m *Model) SavedVerdicts() int { return m.saves.verdicts }

// SavedNotes returns how many notes were saved durably during this session.
func (m *Model) SavedNotes() int { return m.saves.notes }

// verb says "adjudicate" or "adjudicated" as a study reader's own words
// ("judge", "judged"): a reader judges, the adjudicator adjudicates.
func (m *Model) verb(adjudicate string) string {
	if m.cfg.Reader {
		return strings.Replace(adjudicate, "adjudicate", "judge", 1)
	}
	return adjudicate
}
