package tui

import (
	"context"
	"slices"

	tea "charm.land/bubbletea/v2"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Truth corrections from the keyboard, in the truth view: c takes the
// model's finding of the selected row into the truth, X removes the
// row's truth finding, e picks an edge of its truth box and ( ) move it.
// Each is one correction the store appends (the item's whole truth after
// it), shown at once and undone with z like a verdict.

// TruthStore is what the workstation needs of a store to keep truth
// corrections; *store.Store satisfies it. A Store without it shows the
// truth as given and refuses corrections.
type TruthStore interface {
	SaveTruthCorrection(ctx context.Context, c audit.TruthCorrection) (audit.TruthCorrection, error)
	UndoLastTruthCorrection(ctx context.Context, annotator string) (audit.TruthCorrection, bool, error)
	TruthCorrectionOf(ctx context.Context, itemID string) (audit.TruthCorrection, bool, error)
	CorrectedTruth(ctx context.Context, fn func(audit.TruthCorrection) error) error
}

// edgeNames are the box edges e cycles through, in order.
var edgeNames = [4]string{"top", "left", "bottom", "right"}

// correctionsLoadedMsg brings the store's corrected truth at open.
type correctionsLoadedMsg struct {
	truth map[string][]schema.Finding
	err   error
}

// loadCorrections reads the corrected truth of every item.
func loadCorrections(ctx context.Context, ts TruthStore) tea.Cmd {
	return func() tea.Msg {
		out := map[string][]schema.Finding{}
		err := ts.CorrectedTruth(ctx, func(c audit.TruthCorrection) error { out[c.ItemID] = c.Findings; return nil })
		return correctionsLoadedMsg{truth: out, err: err}
	}
}

func (m *Model) handleCorrections(msg correctionsLoadedMsg) tea.Cmd {
	if msg.err != nil {
		m.setMsg(msgErr, "truth corrections not loaded: "+Sanitize(msg.err.Error()))
		return nil
	}
	for id, f := range msg.truth {
		if _, pending := m.data.corrected[id]; !pending {
			m.data.corrected[id] = f
		}
	}
	return m.metricsChanged("")
}

// correct queues a correction of the current item's truth to fs.
func (m *Model) correct(action audit.CorrectionAction, label schema.Label, fs []schema.Finding, what string) tea.Cmd {
	it, _ := m.current()
	if _, ok := m.cfg.Store.(TruthStore); !ok {
		m.setMsg(msgErr, "this store cannot keep truth corrections")
		return nil
	}
	prev, had := m.data.corrected[it.ID]
	m.data.corrected[it.ID] = fs
	m.saves.seq++
	m.saves.undoStack = append(m.saves.undoStack, writeCorrection)
	op := writeOp{seq: m.saves.seq, kind: writeCorrection, correction: audit.TruthCorrection{ItemID: it.ID, Action: action,
		Label: label, Findings: fs, Annotator: m.cfg.Annotator}, prevTruth: prev, hadPrev: had, after: what}
	m.setMsg(msgInfo, "saving… truth of "+Sanitize(it.ID)+": "+what)
	return tea.Batch(m.enqueue(op), m.metricsChanged(it.ID))
}

// selectedTruthRow returns the selected row of the truth view.
func (m *Model) selectedTruthRow() (audit.TruthError, bool) {
	rows := m.truthRows()
	if len(rows) == 0 {
		m.setMsg(msgInfo, "no truth row selected")
		return audit.TruthError{}, false
	}
	return rows[m.truth.sel], true
}

// acceptModel takes the selected row's model finding into the truth: in
// place of the truth finding it is paired with, or added.
func (m *Model) acceptModel() tea.Cmd {
	e, ok := m.selectedTruthRow()
	if !ok {
		return nil
	}
	res := m.data.rows.get(m.nav.cur).result
	if e.PredIndex < 0 || res == nil || e.PredIndex >= len(res.Findings) {
		m.setMsg(msgInfo, "the model has no finding on this row to accept (x marks the truth wrong, X removes it)")
		return nil
	}
	fs := slices.Clone(m.data.truthOf(m.nav.cur))
	f := res.Findings[e.PredIndex]
	if e.TruthIndex >= 0 && e.TruthIndex < len(fs) {
		fs[e.TruthIndex] = f
	} else {
		fs = append(fs, f)
	}
	return m.correct(audit.CorrectAccept, f.Label, fs, "model's "+string(f.Label)+" accepted into the truth")
}

// removeTruth removes the selected row's truth finding.
func (m *Model) removeTruth() tea.Cmd {
	e, ok := m.selectedTruthRow()
	if !ok {
		return nil
	}
	fs := m.data.truthOf(m.nav.cur)
	if e.TruthIndex < 0 || e.TruthIndex >= len(fs) {
		m.setMsg(msgInfo, "the truth has no finding on this row to remove (c accepts the model's)")
		return nil
	}
	out := slices.Delete(slices.Clone(fs), e.TruthIndex, e.TruthIndex+1)
	return m.correct(audit.CorrectRemove, e.Label, out, string(e.Label)+" removed from the truth")
}

// adjustEdge moves the chosen edge of the selected row's truth box by
// delta (of the image's side), keeping the box valid.
func (m *Model) adjustEdge(delta float64) tea.Cmd {
	e, ok := m.selectedTruthRow()
	if !ok {
		return nil
	}
	fs := slices.Clone(m.data.truthOf(m.nav.cur))
	if e.TruthIndex < 0 || e.TruthIndex >= len(fs) || fs[e.TruthIndex].Box == nil {
		m.setMsg(msgInfo, "no truth box on this row to adjust")
		return nil
	}
	b := *fs[e.TruthIndex].Box
	edge := []*float64{&b.Y0, &b.X0, &b.Y1, &b.X1}[m.truth.edge]
	*edge = min(1, max(0, *edge+delta))
	if !b.Valid() {
		m.setMsg(msgInfo, "the box cannot shrink further")
		return nil
	}
	f := fs[e.TruthIndex]
	f.Box = &b
	fs[e.TruthIndex] = f
	return m.correct(audit.CorrectAdjust, e.Label, fs, string(e.Label)+" box: "+edgeNames[m.truth.edge]+" edge moved")
}

// correctionWritten records the store's answer to a correction: a refused
// one puts the truth back as it was.
func (m *Model) correctionWritten(op writeOp, msg writeDoneMsg) tea.Cmd {
	id := op.correction.ItemID
	if msg.err != nil {
		if op.hadPrev {
			m.data.corrected[id] = op.prevTruth
		} else {
			delete(m.data.corrected, id)
		}
		m.setMsg(msgErr, "NOT saved truth of "+Sanitize(id)+": "+Sanitize(msg.err.Error()))
		return m.metricsChanged(id)
	}
	m.setMsg(msgOK, "saved ✓ truth of "+Sanitize(id)+": "+op.after)
	return nil
}

// correctionUndone shows the item's truth as the store now has it.
func (m *Model) correctionUndone(msg writeDoneMsg) tea.Cmd {
	switch {
	case msg.err != nil:
		m.setMsg(msgErr, "undo failed: "+Sanitize(msg.err.Error()))
		return nil
	case !msg.undid:
		m.setMsg(msgInfo, "nothing to undo")
		return nil
	}
	id := msg.correction.ItemID
	if msg.hasCurrent {
		m.data.corrected[id] = msg.truthNow.Findings
	} else {
		delete(m.data.corrected, id)
	}
	m.setMsg(msgOK, "undone ✓ truth of "+Sanitize(id)+": "+string(msg.correction.Action)+" "+string(msg.correction.Label))
	return m.metricsChanged(id)
}

// initTruth loads the store's corrected truth at open (nil when the
// store keeps none).
func (m *Model) initTruth() tea.Cmd {
	if ts, ok := m.cfg.Store.(TruthStore); ok {
		return loadCorrections(m.ctx, ts)
	}
	return nil
}

// handleTruthMsg routes the messages of the truth's panes.
func (m *Model) handleTruthMsg(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case metricsBuiltMsg:
		return m.handleMetricsBuilt(msg)
	case correctionsLoadedMsg:
		return m.handleCorrections(msg)
	}
	return nil
}
