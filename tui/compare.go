package tui

import (
	"context"
	"math"
	"strconv"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/compare"
	"github.com/cxr-auditor/cxr-auditor/render"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Compare mode: two runs of the models over one worklist, side by side.
// The worklist puts first the items where the runs differ (a label in one
// and not the other, or the same label with no box of the other at IoU
// 0.5: compare.RunDifferences); the image shows run A's boxes solid, run
// B's dashed and the truth's dotted; the disagreement pane lists the
// item's differences, each judged with one key (A right, B right, both
// right, both wrong, unsure) and stored as an audit.CompareVerdict; the
// status bar keeps the preference tally.

// CompareConfig turns the workstation into the comparison of two runs.
type CompareConfig struct {
	// RunA is the baseline, RunB the run compared with it.
	RunA, RunB string
	// Items holds each item's findings in both runs, by item id; an item
	// missing from it has no findings in either.
	Items map[string]CompareItem
	// Verdicts are the current compare verdicts of every annotator for
	// these two runs (the tally counts them all).
	Verdicts []audit.CompareVerdict
	// Save stores one verdict durably (store.SaveCompareVerdict).
	Save func(ctx context.Context, v audit.CompareVerdict) (audit.CompareVerdict, error)
	// Undo withdraws this session's latest compare verdict; nil, z says
	// compare verdicts cannot be undone here.
	Undo CompareUndo
}

// CompareUndo withdraws annotator's latest compare verdict given in this
// session (never another session's) and returns it, with its item's
// current compare verdicts afterwards; ok is false when there is none.
type CompareUndo func(ctx context.Context, annotator string) (undone audit.CompareVerdict, now []audit.CompareVerdict, ok bool, err error)

// CompareItem is one item's findings in the two runs. A run whose
// grounding failed predicts nothing, as eval scores it.
type CompareItem struct {
	A, B             []schema.Finding
	AFailed, BFailed bool
}

// compareState is compare mode's state: its configuration, the selected
// difference of the current item and the verdicts.
type compareState struct {
	cfg  CompareConfig
	sel  int
	item string // the item sel belongs to
	// mine are this reviewer's verdicts by item and difference key;
	// all every annotator's current preference by (item, key,
	// annotator), for the tally.
	mine map[string]map[string]*prefEntry
	all  map[[3]string]audit.Preference
	pane comparePane
	// counts is each item's number of differences, by worklist index;
	// differ how many items have any (both set by compareOrder).
	counts []int
	differ int
}

// prefEntry is this reviewer's judgment of one difference and whether it
// is on disk.
type prefEntry struct {
	pref  audit.Preference
	state saveState
	seq   int
}

// newCompareState indexes the verdicts of cfg for annotator.
func newCompareState(cfg *CompareConfig, annotator string) *compareState {
	if cfg == nil {
		return nil
	}
	c := &compareState{cfg: *cfg, sel: 0, mine: map[string]map[string]*prefEntry{}, all: map[[3]string]audit.Preference{}}
	for _, v := range cfg.Verdicts {
		if v.RunA != cfg.RunA || v.RunB != cfg.RunB {
			continue
		}
		c.all[[3]string{v.ItemID, v.DifferenceKey, v.Annotator}] = v.Preference
		if v.Annotator == annotator {
			c.setMine(v.ItemID, v.DifferenceKey, &prefEntry{pref: v.Preference, state: stateSaved})
		}
	}
	return c
}

func (c *compareState) setMine(item, key string, e *prefEntry) {
	if c.mine[item] == nil {
		c.mine[item] = map[string]*prefEntry{}
	}
	c.mine[item][key] = e
}

// differences returns item id's differences between the two runs.
func (c *compareState) differences(id string) []audit.RunDifference {
	it := c.cfg.Items[id]
	return compare.RunDifferences(it.A, it.B)
}

// startCompare turns compare mode on when cfg is set: the differing items
// first, the judgment keys on.
func (m *Model) startCompare(cfg *CompareConfig) {
	if m.cmp = newCompareState(cfg, m.cfg.Annotator); m.cmp != nil {
		m.nav.order = m.compareOrder()
		m.applyCompareKeys()
	}
}

// compareOrder returns every item, those where the runs differ first,
// each group in worklist order, and sets the ranks.
func (m *Model) compareOrder() []int {
	n := len(m.data.items)
	m.cmp.counts, m.cmp.differ = make([]int, n), 0
	order := make([]int, 0, n)
	for i, it := range m.data.items {
		if m.cmp.counts[i] = len(m.cmp.differences(it.ID)); m.cmp.counts[i] > 0 {
			order = append(order, i)
			m.cmp.differ++
		}
	}
	for i := range n {
		if m.cmp.counts[i] == 0 {
			order = append(order, i)
		}
	}
	m.nav.rank = make([]int, n)
	for r, i := range order {
		m.nav.rank[i] = r
	}
	return order
}

// compareRows returns the current item's differences, keeping the
// selection within them (the first one not judged, on a new item).
func (m *Model) compareRows() []audit.RunDifference {
	id := m.CurrentID()
	rows := m.cmp.differences(id)
	if id != m.cmp.item {
		m.cmp.item, m.cmp.sel = id, 0
		for j, d := range rows {
			if e := m.cmp.mine[id][d.Key()]; e == nil || e.state == stateFailed {
				m.cmp.sel = j
				break
			}
		}
	}
	m.cmp.sel = max(0, min(m.cmp.sel, len(rows)-1))
	return rows
}

// compareOverlays are the boxes of compare mode: run A solid and tagged
// A, run B dashed and tagged B, the truth dotted and tagged T; the boxes
// of the selected difference are drawn selected.
func (m *Model) compareOverlays() []Overlay {
	it, ok := m.current()
	if !ok {
		return nil
	}
	ci := m.cmp.cfg.Items[it.ID]
	var selA, selB schema.Label
	if rows := m.compareRows(); len(rows) > 0 {
		d := rows[m.cmp.sel]
		selA, selB = d.Label, d.Label
	}
	var out []Overlay
	add := func(fs []schema.Finding, tag string, s render.Stroke, sel schema.Label) {
		for _, f := range fs {
			if f.Box != nil {
				out = append(out, Overlay{Box: *f.Box, Label: f.Label, Urgent: m.data.urgent[f.Label] && s == render.StrokeSolid,
					Selected: f.Label == sel, Tag: tag, Stroke: s})
			}
		}
	}
	if it.HasTruth {
		add(it.Truth, "T", render.StrokeDotted, "")
		for i := range out {
			out[i].Truth = true
		}
	}
	add(ci.A, "A", render.StrokeSolid, selA)
	add(ci.B, "B", render.StrokeDashed, selB)
	return out
}

// decideCompare records the reviewer's judgment of the selected
// difference, queued for the store like any verdict; the selection moves
// to the next difference not judged.
func (m *Model) decideCompare(p audit.Preference) tea.Cmd {
	it, ok := m.current()
	if !ok {
		return nil
	}
	rows := m.compareRows()
	if len(rows) == 0 {
		m.setMsg(msgInfo, "the runs agree on "+Sanitize(it.ID)+": nothing to judge")
		return nil
	}
	d := rows[m.cmp.sel]
	m.saves.seq++
	v := audit.CompareVerdict{ItemID: it.ID, RunA: m.cmp.cfg.RunA, RunB: m.cmp.cfg.RunB, DifferenceKey: d.Key(),
		Label: d.Label, Preference: p, Annotator: m.cfg.Annotator}
	what := p.Title()
	if old := m.cmp.mine[it.ID][d.Key()]; old != nil && old.state != stateFailed && old.pref != p {
		what = old.pref.Title() + " → " + what
	}
	m.cmp.setMine(it.ID, d.Key(), &prefEntry{pref: p, state: stateSaving, seq: m.saves.seq})
	m.saves.undoStack = append(m.saves.undoStack, writeCompare)
	m.cmp.all[[3]string{it.ID, d.Key(), m.cfg.Annotator}] = p
	after := "  · every difference judged"
	for k := 1; k < len(rows); k++ {
		j := (m.cmp.sel + k) % len(rows)
		if e := m.cmp.mine[it.ID][rows[j].Key()]; e == nil || e.state == stateFailed {
			m.cmp.sel = j
			after = "  → next: " + string(rows[j].Label) + " " + diffText(rows[j].Kind)
			break
		}
	}
	m.setMsg(msgInfo, "saving… "+string(d.Label)+" "+diffText(d.Kind)+": "+what+after)
	return m.enqueue(writeOp{seq: m.saves.seq, kind: writeCompare, cmp: v, save: m.cmp.cfg.Save, after: after, moves: m.nav.moves})
}

// compareWritten records the store's answer to a compare verdict write.
func (m *Model) compareWritten(op writeOp, msg writeDoneMsg) {
	v := op.cmp
	e := m.cmp.mine[v.ItemID][v.DifferenceKey]
	what := Sanitize(v.ItemID) + " " + string(v.Label) + ": " + v.Preference.Title()
	if msg.err != nil {
		if e != nil && e.seq == op.seq {
			e.state = stateFailed
			delete(m.cmp.all, [3]string{v.ItemID, v.DifferenceKey, v.Annotator})
		}
		m.setMsg(msgErr, "NOT saved "+what+": "+Sanitize(msg.err.Error())+": press its key again to retry")
		return
	}
	m.saves.verdicts++
	if e != nil && e.seq == op.seq {
		e.state = stateSaved
	}
	m.setMsg(msgOK, "saved ✓ "+what+op.after)
}

// diffText says a difference's kind in words.
func diffText(k audit.DifferenceKind) string {
	switch k {
	case audit.OnlyA:
		return "only in A"
	case audit.OnlyB:
		return "only in B"
	case audit.Moved:
		return "apart (IoU < 0.5)"
	}
	return string(k)
}

// applyCompareKeys enables the judgment keys in compare mode and turns
// off the draft's verdict keys and the truth view there.
func (m *Model) applyCompareKeys() {
	k := &m.keys
	browsing := m.mode == modeBrowse || m.mode == modeHelp
	on := m.cmp != nil
	for _, b := range []*key.Binding{&k.PreferA, &k.PreferB, &k.PreferBothRight, &k.PreferBothWrong} {
		b.SetEnabled(browsing && on)
	}
	if on && browsing {
		for _, b := range []*key.Binding{&k.ImageRight, &k.DraftRight, &k.BothWrong, &k.TruthView, &k.DisagreementNote} {
			b.SetEnabled(false)
		}
	}
}

// handleCompareKey acts on a selection or judgment key in compare mode;
// ok is false for the other keys.
func (m *Model) handleCompareKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k := &m.keys
	switch {
	case key.Matches(msg, k.NextDisagreement), key.Matches(msg, k.PrevDisagreement):
		n := len(m.compareRows())
		if n == 0 {
			m.setMsg(msgInfo, "the runs agree on this item")
			return nil, true
		}
		d := 1
		if key.Matches(msg, k.PrevDisagreement) {
			d = -1
		}
		m.cmp.sel = ((m.cmp.sel+d)%n + n) % n
		return nil, true
	case key.Matches(msg, k.PreferA):
		return m.decideCompare(audit.PreferA), true
	case key.Matches(msg, k.PreferB):
		return m.decideCompare(audit.PreferB), true
	case key.Matches(msg, k.PreferBothRight):
		return m.decideCompare(audit.PreferBothRight), true
	case key.Matches(msg, k.PreferBothWrong):
		return m.decideCompare(audit.PreferBothWrong), true
	case key.Matches(msg, k.Unsure):
		return m.decideCompare(audit.PreferUnsure), true
	}
	return nil, false
}

// compareTally is the preference tally of the two runs from every
// annotator's current verdicts, this session's included.
func (m *Model) compareTally() compare.Tally {
	vs := make([]audit.CompareVerdict, 0, len(m.cmp.all))
	for k, p := range m.cmp.all {
		vs = append(vs, audit.CompareVerdict{ItemID: k[0], DifferenceKey: k[1], Annotator: k[2], Preference: p,
			RunA: m.cmp.cfg.RunA, RunB: m.cmp.cfg.RunB})
	}
	if t := compare.PreferenceTally(vs, 0); len(t) == 1 {
		return t[0]
	}
	return compare.Tally{RunA: m.cmp.cfg.RunA, RunB: m.cmp.cfg.RunB}
}

// compareStatus is the tally for the status bar, short: B's wins,
// losses and ties against A.
func (m *Model) compareStatus() string {
	if m.cmp == nil {
		return ""
	}
	t := m.compareTally()
	return "B vs A " + itoa(t.Wins) + "–" + itoa(t.Losses) + "–" + itoa(t.Ties)
}

// tallyLines are the tally in words for the compare pane: B's wins,
// losses and ties against A, and B's share of the decisive verdicts
// with its Wilson interval.
func tallyLines(t compare.Tally, level float64) []string {
	plural := func(n int, one, many string) string {
		if n == 1 {
			return itoa(n) + " " + one
		}
		return itoa(n) + " " + many
	}
	out := []string{"B vs A: " + plural(t.Wins, "win", "wins") + ", " + plural(t.Losses, "loss", "losses") + ", " +
		plural(t.Ties, "tie", "ties")}
	if w := t.WinShare; t.Wins+t.Losses > 0 && !math.IsNaN(w.Value) {
		out = append(out, "B share "+pct(w.Value)+" ["+strconv.Itoa(int(math.Round(100*w.Low)))+"–"+pct(w.High)+"] "+pct(level)+" Wilson")
	}
	return out
}

func pct(f float64) string { return strconv.Itoa(int(math.Round(100*f))) + "%" }

// resumeCompare puts the cursor on the first item (differing ones come
// first) with a difference this reviewer has not judged, and says how
// far the comparison is.
func (m *Model) resumeCompare() {
	items, diffs, judged, first := 0, 0, 0, -1
	for _, i := range m.nav.order {
		id := m.data.items[i].ID
		rows := m.cmp.differences(id)
		if len(rows) == 0 {
			continue
		}
		items++
		for _, d := range rows {
			diffs++
			if e := m.cmp.mine[id][d.Key()]; e != nil && e.state != stateFailed {
				judged++
			} else if first < 0 {
				first = i
			}
		}
	}
	if first < 0 && len(m.nav.order) > 0 {
		first = m.nav.order[0]
	}
	if first >= 0 {
		m.nav.cur = first
	}
	m.setMsg(msgInfo, "compare A "+Sanitize(m.cmp.cfg.RunA)+" with B "+Sanitize(m.cmp.cfg.RunB)+": "+count(items, "item")+" differ ("+
		itoa(judged)+" of "+count(diffs, "difference")+" judged), listed first")
}

// noteCompare attaches a note to this reviewer's judgment of the selected
// difference of item id, in compare mode: the judgment is stored again
// with the note (the latest is current). Nil when there is none to note.
func (m *Model) noteCompare(id, text string) tea.Cmd {
	if m.cmp == nil || id != m.CurrentID() {
		return nil
	}
	rows := m.compareRows()
	if len(rows) == 0 {
		return nil
	}
	d := rows[m.cmp.sel]
	e := m.cmp.mine[id][d.Key()]
	if e == nil || e.state == stateFailed {
		return nil
	}
	m.saves.seq++
	e.seq = m.saves.seq
	m.saves.undoStack = append(m.saves.undoStack, writeCompare)
	v := audit.CompareVerdict{ItemID: id, RunA: m.cmp.cfg.RunA, RunB: m.cmp.cfg.RunB, DifferenceKey: d.Key(),
		Label: d.Label, Preference: e.pref, Note: text, Annotator: m.cfg.Annotator}
	return m.enqueue(writeOp{seq: m.saves.seq, kind: writeCompare, cmp: v, save: m.cmp.cfg.Save, after: " · with the note", moves: m.nav.moves})
}
