package tui

import (
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/cxr-auditor/cxr-auditor/pipeline"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// focusDelay is how long the cursor rests on an item before the pipeline
// is told to put it first: holding j does not reshuffle the queue on every
// row.
const focusDelay = 30 * time.Millisecond

// handleKey routes a key to the open dialog or to the workstation.
func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	switch m.mode {
	case modeJump:
		return m.handleJumpKey(msg)
	case modeNote:
		return m.handleNoteKey(msg)
	case modeRaw:
		return m.handleRawKey(msg)
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
		m.jump.Reset()
		return m.jump.Focus()
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
		return m.decide(store.ImageRight)
	case key.Matches(msg, k.DraftRight):
		return m.decide(store.DraftRight)
	case key.Matches(msg, k.BothWrong):
		return m.decide(store.BothWrong)
	case key.Matches(msg, k.Unsure):
		return m.decide(store.Unsure)
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
		if r.result == nil && r.status == pipeline.StatusDone && !r.detailPending {
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

// decide records the reviewer's decision on the selected disagreement:
// queued for the store, shown as "saving…", and the selection advances to
// the next disagreement without a verdict (then to the next item that
// needs work).
func (m *Model) decide(d store.Decision) tea.Cmd {
	it, ok := m.current()
	if !ok {
		return nil
	}
	ds := m.disagreements()
	if len(ds) == 0 {
		switch m.rows[m.cur].status {
		case pipeline.StatusDone:
			m.setMsg(msgInfo, "nothing to adjudicate: image and draft agree")
		case pipeline.StatusError:
			m.setMsg(msgErr, "this item failed; R reruns it, r shows the raw output")
		default:
			m.setMsg(msgInfo, "results not in yet for "+Sanitize(it.ID))
		}
		return nil
	}
	dis := ds[m.dis]
	m.writeSeq++
	v := store.Verdict{
		ItemID:          it.ID,
		DisagreementKey: dis.Key(),
		Label:           dis.Label,
		Kind:            dis.Kind,
		Decision:        d,
		Annotator:       m.cfg.Annotator,
	}
	if m.mine[it.ID] == nil {
		m.mine[it.ID] = map[string]*verdictEntry{}
	}
	m.mine[it.ID][dis.Key()] = &verdictEntry{decision: d, state: stateSaving, seq: m.writeSeq}
	m.markDirty()
	op := writeOp{seq: m.writeSeq, kind: writeVerdict, verdict: v}
	move, after := m.advance()
	op.after = after
	m.setMsg(msgInfo, "saving… "+string(dis.Label)+": "+decisionText(d)+after)
	return tea.Batch(m.enqueue(op), move)
}

// advance moves to the next disagreement of the current item without a
// verdict, else to the next visible item that needs work. It returns the
// move's commands and says where it went, for the message line.
func (m *Model) advance() (tea.Cmd, string) {
	ds := m.disagreements()
	mine := m.mine[m.CurrentID()]
	for k := 1; k < len(ds); k++ {
		j := (m.dis + k) % len(ds)
		if v := mine[ds[j].Key()]; v == nil || v.state == stateFailed {
			m.dis = j
			return nil, "  → next disagreement: " + string(ds[j].Label)
		}
	}
	if p := m.pos(); p >= 0 {
		for q := p + 1; q < len(m.visible); q++ {
			if i := m.visible[q]; m.needsWork(i) {
				return m.setCurrent(i), "  → item done; next item: " + Sanitize(m.items[i].ID)
			}
		}
	}
	return nil, "  · no item below needs a verdict"
}

func decisionText(d store.Decision) string {
	switch d {
	case store.ImageRight:
		return "image right"
	case store.DraftRight:
		return "draft right"
	case store.BothWrong:
		return "both wrong"
	case store.Unsure:
		return "unsure"
	}
	return string(d)
}

// undo withdraws this reviewer's last verdict (after every queued write).
func (m *Model) undo() tea.Cmd {
	if m.cfg.Store == nil {
		return nil
	}
	m.writeSeq++
	m.setMsg(msgInfo, "undoing the last verdict…")
	return m.enqueue(writeOp{seq: m.writeSeq, kind: writeUndo, verdict: store.Verdict{Annotator: m.cfg.Annotator}})
}

// rerun asks the pipeline to run the current item again, ignoring the cache.
func (m *Model) rerun() tea.Cmd {
	it, ok := m.current()
	if !ok || m.cfg.Engine == nil {
		m.setMsg(msgErr, "no pipeline: cannot rerun")
		return nil
	}
	m.setStatus(m.cur, pipeline.StatusQueued)
	m.rows[m.cur].stage, m.rows[m.cur].err = "", ""
	m.setMsg(msgInfo, "rerun queued for "+Sanitize(it.ID)+" (cache ignored)")
	return rerunItem(m.cfg.Engine, it)
}

// enqueue adds a store write; writes run one at a time, in order.
func (m *Model) enqueue(op writeOp) tea.Cmd {
	if m.cfg.Store == nil {
		m.setMsg(msgErr, "no store: nothing is saved")
		return nil
	}
	m.writes = append(m.writes, op)
	return m.startWrite()
}

func (m *Model) startWrite() tea.Cmd {
	if m.writing || len(m.writes) == 0 {
		return nil
	}
	m.writing = true
	return runWrite(m.ctx, m.cfg.Store, m.writes[0])
}

// handleWriteDone marks the write durable (or failed), then starts the
// next one.
func (m *Model) handleWriteDone(msg writeDoneMsg) tea.Cmd {
	if len(m.writes) == 0 || m.writes[0].seq != msg.seq {
		return nil // not ours: cannot happen, writes are serialised
	}
	op := m.writes[0]
	m.writes = m.writes[1:]
	m.writing = false
	switch op.kind {
	case writeVerdict:
		m.verdictWritten(op, msg)
	case writeNote:
		if msg.err != nil {
			m.setMsg(msgErr, "note NOT saved: "+Sanitize(msg.err.Error()))
		} else {
			m.notesN++
			m.notes[op.note.ItemID] = op.note.Text
			m.setMsg(msgOK, "note saved ✓ "+Sanitize(op.note.ItemID))
		}
	case writeUndo:
		m.undoWritten(msg)
	}
	next := m.startWrite()
	if m.quitting && len(m.writes) == 0 {
		return tea.Quit
	}
	return next
}

func (m *Model) verdictWritten(op writeOp, msg writeDoneMsg) {
	v := op.verdict
	e := m.mine[v.ItemID][v.DisagreementKey]
	latest := e != nil && e.seq == op.seq
	what := Sanitize(v.ItemID) + " " + string(v.Label) + ": " + decisionText(v.Decision)
	if msg.err != nil {
		if latest {
			e.state, e.err = stateFailed, msg.err.Error()
			m.markDirty()
		}
		m.setMsg(msgErr, "NOT saved "+what+": "+Sanitize(msg.err.Error())+" (verdict kept unsaved; press its key again to retry)")
		return
	}
	m.savedN++
	if latest {
		e.state = stateSaved
	}
	m.setMsg(msgOK, "saved ✓ "+what+op.after)
}

func (m *Model) undoWritten(msg writeDoneMsg) {
	if msg.err != nil {
		m.setMsg(msgErr, "undo failed: "+Sanitize(msg.err.Error()))
		return
	}
	if !msg.undid {
		m.setMsg(msgInfo, "nothing to undo")
		return
	}
	u := msg.undone
	cur := map[string]*verdictEntry{}
	var others []store.Verdict
	for _, v := range msg.current {
		if v.Annotator == m.cfg.Annotator {
			cur[v.DisagreementKey] = &verdictEntry{decision: v.Decision, state: stateSaved}
		} else if !m.cfg.Blind {
			others = append(others, v)
		}
	}
	m.mine[u.ItemID] = cur
	m.savedN = max(0, m.savedN-1)
	m.markDirty()
	now := "no verdict"
	if e := cur[u.DisagreementKey]; e != nil {
		now = "back to " + decisionText(e.decision)
	}
	m.setMsg(msgOK, "undone ✓ "+Sanitize(u.ItemID)+" "+string(u.Label)+": "+decisionText(u.Decision)+" ("+now+")")
	if i, ok := m.index[u.ItemID]; ok {
		m.setCurrentNoFocus(i)
		for j, d := range m.disagreements() {
			if d.Key() == u.DisagreementKey {
				m.dis = j
			}
		}
	}
}

// setCurrentNoFocus moves to item i like setCurrent, for moves the model
// makes itself; the follow-up commands are issued by the next key.
func (m *Model) setCurrentNoFocus(i int) {
	if i != m.cur {
		m.cur = i
		m.dis = 0
		m.dirty = true
	}
}

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
		if r.status != "" && r.status != pipeline.StatusQueued {
			continue // the pipeline already said something newer
		}
		r.cached = true
		switch {
		case rec.Report != nil && rec.Error == "":
			r.status, r.report = pipeline.StatusDone, rec.Report
		case rec.Error != "":
			r.status, r.err = pipeline.StatusError, rec.Error
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
		if st == "" || st == pipeline.StatusRunning || st == pipeline.StatusQueued {
			st = pipeline.StatusDone
			if res.Err != "" {
				st = pipeline.StatusError
			}
		}
		m.setStatus(i, st)
		if i == m.cur {
			m.clampSelection()
		}
	default:
		if u.Stage != "" && u.Status == pipeline.StatusRunning {
			r.stage = u.Stage
		}
		if u.Stage == "" || u.Status == pipeline.StatusRunning {
			m.setStatus(i, u.Status)
		}
	}
	m.markDirty()
	return tea.Batch(next, m.startSpinner())
}

// setStatus changes item i's status, keeping the count of running items.
func (m *Model) setStatus(i int, s pipeline.Status) {
	r := &m.rows[i]
	if r.status == pipeline.StatusRunning {
		m.running--
	}
	if s == pipeline.StatusRunning {
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
