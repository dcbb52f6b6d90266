package tui

import (
	"strconv"

	"charm.land/bubbles/v2/key"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/compare"
	"github.com/cxr-auditor/cxr-auditor/render"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Triage against the truth: the truth view lists the current item's
// findings against its ground truth (compare.TruthErrors, as eval scores
// them) in the disagreement pane's place, each a row to triage. Triage
// verdicts are verdicts keyed by audit.TruthKey, so they share the
// store's append-only table, undo and export.

// truthState is the truth view: on or off, and the selected row of the
// current item (reset when the item changes).
type truthState struct {
	on   bool
	sel  int
	item string // the item sel belongs to
	n    int    // how many rows that item had when last drawn
	edge int    // the box edge ( and ) move: edgeNames
	// filter and order narrow and sort the worklist by the rows against
	// the truth.
	filter TruthFilter
	order  int
	// iou is the threshold under which a box is mislocated (0:
	// compare.LooseIoU).
	iou float64
}

// hasTruth reports whether item i has ground truth.
func (d *reviewData) hasTruth(i int) bool {
	if i < 0 || i >= len(d.items) {
		return false
	}
	_, corrected := d.corrected[d.items[i].ID]
	return d.items[i].HasTruth || corrected
}

// truthOf returns item i's ground truth as it stands: corrected, or as
// given.
func (d *reviewData) truthOf(i int) []schema.Finding {
	if f, ok := d.corrected[d.items[i].ID]; ok {
		return f
	}
	return d.items[i].Truth
}

// truthErrors returns item i's rows against its truth: nil when it has no
// truth or its full result is not known yet. A failed grounding predicts
// nothing, as eval scores it.
func (m *Model) truthErrors(i int) []audit.TruthError {
	d := &m.data
	if !d.hasTruth(i) {
		return nil
	}
	res := d.rows.get(i).result
	if res == nil {
		return nil
	}
	pred := res.Findings
	if res.Grounding != nil && res.Grounding.Error != "" {
		pred = nil
	}
	return compare.TruthErrors(d.truthOf(i), pred, m.cfg.Urgent, m.truth.iou)
}

// truthRows returns the current item's rows against its truth, keeping
// the selection within them.
func (m *Model) truthRows() []audit.TruthError {
	rows := m.truthErrors(m.nav.cur)
	if id := m.CurrentID(); id != m.truth.item || m.truth.n == 0 && len(rows) > 0 {
		// A new item, or its rows just known: start on the first open one.
		m.truth.item, m.truth.sel = id, m.firstOpenTruth(rows)
	}
	m.truth.n = len(rows)
	m.truth.sel = max(0, min(m.truth.sel, len(rows)-1))
	return rows
}

// firstOpenTruth is the first error row (not matched) without a verdict
// of this reviewer, else 0.
func (m *Model) firstOpenTruth(rows []audit.TruthError) int {
	mine := m.data.mine[m.CurrentID()]
	for j, e := range rows {
		if v := mine[audit.TruthKey(e)]; e.Kind != audit.ErrorMatched && (v == nil || v.state == stateFailed) {
			return j
		}
	}
	return 0
}

// toggleTruth turns the truth view on or off.
func (m *Model) toggleTruth() {
	m.truth.on = !m.truth.on
	m.applyTruthKeys()
	switch {
	case !m.truth.on:
		m.setMsg(msgInfo, "truth view off: the draft's disagreements")
	case !m.data.hasTruth(m.nav.cur):
		m.setMsg(msgInfo, "truth view on · this item has no truth (worklist truth column, or --truth FILE)")
	default:
		m.setMsg(msgInfo, "truth view on · m model wrong · x truth wrong · y ambiguous · u unsure")
	}
}

// applyTruthKeys enables the verdict keys of the view in use: i/d/b on
// the draft's disagreements, m/x/y on truth errors (u serves both).
func (m *Model) applyTruthKeys() {
	k := &m.keys
	browsing := m.mode == modeBrowse || m.mode == modeHelp
	for _, b := range []*key.Binding{&k.AcceptModel, &k.RemoveTruth, &k.Edge, &k.EdgeBack, &k.EdgeOn, &k.TruthFilter, &k.TruthOrder} {
		b.SetEnabled(browsing && m.truth.on)
	}
	k.ModelWrong.SetEnabled(browsing && m.truth.on)
	k.TruthWrong.SetEnabled(browsing && m.truth.on)
	k.Ambiguous.SetEnabled(browsing && m.truth.on)
	defer m.applyCompareKeys() // compare mode turns some of these off again
	if browsing {
		k.ImageRight.SetEnabled(!m.truth.on)
		k.DraftRight.SetEnabled(!m.truth.on)
		k.BothWrong.SetEnabled(!m.truth.on)
		k.DisagreementNote.SetEnabled(!m.truth.on)
	}
}

// selectTruth moves the truth-row selection by delta, wrapping.
func (m *Model) selectTruth(delta int) {
	n := len(m.truthRows())
	if n == 0 {
		m.setMsg(msgInfo, "no truth row on this item")
		return
	}
	m.truth.sel = ((m.truth.sel+delta)%n + n) % n
}

// decideTruth records the reviewer's triage of the selected truth row,
// queued for the store like any verdict; the selection moves to the next
// error row without one.
func (m *Model) decideTruth(d audit.Decision) tea.Cmd {
	it, ok := m.current()
	if !ok {
		return nil
	}
	rows := m.truthRows()
	if len(rows) == 0 {
		switch {
		case !m.data.hasTruth(m.nav.cur):
			m.setMsg(msgInfo, Sanitize(it.ID)+" has no truth: nothing to triage")
		default:
			m.setMsg(msgInfo, "results not in yet for "+Sanitize(it.ID))
		}
		return nil
	}
	e := rows[m.truth.sel]
	key := audit.TruthKey(e)
	m.saves.seq++
	v := audit.Verdict{ItemID: it.ID, DisagreementKey: key, Label: e.Label, Kind: audit.Kind(e.Kind),
		Decision: d, Annotator: m.cfg.Annotator}
	if m.data.mine[it.ID] == nil {
		m.data.mine[it.ID] = map[string]*verdictEntry{}
	}
	op := writeOp{seq: m.saves.seq, kind: writeVerdict, verdict: v}
	m.saves.undoStack = append(m.saves.undoStack, writeVerdict)
	what := decisionText(d, key)
	if old := m.data.mine[it.ID][key]; old != nil && old.state != stateFailed && old.decision != d {
		op.replaced = decisionText(old.decision, key)
		what = op.replaced + " → " + what
	}
	m.data.mine[it.ID][key] = &verdictEntry{decision: d, state: stateSaving, seq: m.saves.seq}
	m.markDirty()
	op.after = "  · every error row triaged"
	if d == audit.TruthWrong {
		// The next step is to fix the truth: stay on the row.
		op.after = "  · c takes the model's finding, X removes the truth's, e ( ) move its box"
	}
	for k := 1; k < len(rows) && d != audit.TruthWrong; k++ {
		j := (m.truth.sel + k) % len(rows)
		if w := m.data.mine[it.ID][audit.TruthKey(rows[j])]; rows[j].Kind != audit.ErrorMatched && (w == nil || w.state == stateFailed) {
			m.truth.sel = j
			op.after = "  → next: " + string(rows[j].Label) + " " + string(rows[j].Kind)
			break
		}
	}
	op.moves = m.nav.moves
	m.setMsg(msgInfo, "saving… "+string(e.Label)+" "+string(e.Kind)+": "+what+op.after)
	return m.enqueue(op)
}

// truthCounts counts item i's rows by kind, and the urgent misses.
func truthCounts(rows []audit.TruthError) (byKind map[audit.ErrorKind]int, urgent int) {
	byKind = map[audit.ErrorKind]int{}
	for _, e := range rows {
		byKind[e.Kind]++
		if e.Urgent {
			urgent++
		}
	}
	return byKind, urgent
}

// iouText says an IoU to two decimals, "—" when there is none.
func iouText(p *float64) string {
	if p == nil {
		return "—"
	}
	return strconv.FormatFloat(*p, 'f', 2, 64)
}

// handleTruthKey acts on a selection or triage key in the truth view.
func (m *Model) handleTruthKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.keys
	switch {
	case key.Matches(msg, k.NextDisagreement):
		m.selectTruth(1)
	case key.Matches(msg, k.PrevDisagreement):
		m.selectTruth(-1)
	case key.Matches(msg, k.ModelWrong):
		return m.decideTruth(audit.ModelWrong)
	case key.Matches(msg, k.TruthWrong):
		return m.decideTruth(audit.TruthWrong)
	case key.Matches(msg, k.Ambiguous):
		return m.decideTruth(audit.Ambiguous)
	case key.Matches(msg, k.Unsure):
		return m.decideTruth(audit.Unsure)
	case key.Matches(msg, k.TruthFilter):
		return m.cycleTruthFilter()
	case key.Matches(msg, k.TruthOrder):
		return m.cycleTruthOrder()
	case key.Matches(msg, k.AcceptModel):
		return m.acceptModel()
	case key.Matches(msg, k.RemoveTruth):
		return m.removeTruth()
	case key.Matches(msg, k.Edge):
		m.truth.edge = (m.truth.edge + 1) % len(edgeNames)
		m.setMsg(msgInfo, "( and ) move the truth box's "+edgeNames[m.truth.edge]+" edge")
	case key.Matches(msg, k.EdgeBack):
		return m.adjustEdge(-0.01)
	case key.Matches(msg, k.EdgeOn):
		return m.adjustEdge(0.01)
	}
	return nil
}

// truthOverlays are the boxes of the truth view: the model's findings
// (solid, tagged M) and the truth's (dotted, tagged T, as in compare
// mode); the selected row's pair is Selected.
func (m *Model) truthOverlays() []Overlay {
	rows := m.truthRows()
	selT, selP := -1, -1
	if len(rows) > 0 {
		selT, selP = rows[m.truth.sel].TruthIndex, rows[m.truth.sel].PredIndex
	}
	var out []Overlay
	if res := m.data.rows.get(m.nav.cur).result; res != nil {
		for j, f := range res.Findings {
			if f.Box != nil {
				out = append(out, Overlay{Box: *f.Box, Label: f.Label, Urgent: m.data.urgent[f.Label], Selected: j == selP, Tag: "M"})
			}
		}
	}
	for i, f := range m.data.truthOf(m.nav.cur) {
		if f.Box != nil {
			out = append(out, Overlay{Box: *f.Box, Label: f.Label, Urgent: m.data.urgent[f.Label], Selected: i == selT, Tag: "T", Truth: true,
				Stroke: render.StrokeDotted})
		}
	}
	return out
}

// truthLegend says, in the image's title while the truth view is on, how
// each side's boxes are drawn and the IoU of the selected pair: the
// longest legend that fits in w cells beside the whole id and rest (the
// window readout after it), so the legend gives way before the id.
func (m *Model) truthLegend(id, rest string, w int) string {
	if !m.truth.on || !m.data.hasTruth(m.nav.cur) {
		return ""
	}
	iou := ""
	if rows := m.truthRows(); len(rows) > 0 && rows[m.truth.sel].IoU != nil {
		iou = " · IoU " + iouText(rows[m.truth.sel].IoU)
	}
	used := ansi.StringWidth(id) + ansi.StringWidth(iou) + ansi.StringWidth(rest)
	for _, l := range truthLegends {
		if used+ansi.StringWidth(l) <= w {
			return l + iou
		}
	}
	return iou
}

// truthLegends are the image title's legend of the truth view, longest
// first; the last, empty, is for a pane too narrow for any (the truth
// pane's rows and the help say which box is which).
var truthLegends = []string{" · M model solid, T truth dotted", " · M solid, T dotted", ""}
