package tui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/compare"
)

// compareRow is one difference as the compare pane draws it.
type compareRow struct {
	d    audit.RunDifference
	mine *prefEntry // this reviewer's judgment (a copy), nil when none
	n    int        // how many annotators judged it
}

// compareData is everything the compare pane draws.
type compareData struct {
	present    bool
	runA, runB string
	truth      bool // the item has truth (its boxes are drawn)
	failedA    bool
	failedB    bool
	rows       []compareRow
	selected   int
	ascii      bool
	tally      []string
}

// comparePane lists the current item's differences between the two runs
// under a legend of the boxes, each with this reviewer's judgment.
type comparePane struct {
	st DisagreementStyles
	d  compareData
}

// SetData sets what the pane draws.
func (p *comparePane) SetData(d compareData) { p.d = d }

// Title is the pane's title: the runs, the selection and how many
// differences are judged.
func (p *comparePane) Title() string {
	n := len(p.d.rows)
	t := "A/B"
	if n == 0 {
		return t + " · no difference"
	}
	done := 0
	for _, r := range p.d.rows {
		if r.mine != nil && r.mine.state != stateFailed {
			done++
		}
	}
	return t + " " + itoa(p.d.selected+1) + "/" + itoa(n) + " · " + itoa(done) + " judged"
}

// legend says which box is whose: the strokes as the half-block pictures
// draw them, and the runs' names.
func (p *comparePane) legend() []string {
	solid, dashed, dotted := "──", "╌╌", "┈┈"
	if p.d.ascii {
		solid, dashed, dotted = "--", "- ", ". "
	}
	// The stroke in words too: some terminals draw the dash glyphs as
	// lines (kitty).
	out := []string{
		solid + " A solid " + Sanitize(p.d.runA),
		dashed + " B dashed " + Sanitize(p.d.runB),
	}
	if p.d.truth {
		out = append(out, dotted+" T dotted truth")
	}
	return out
}

// View draws width x height cells: the legend, then the differences,
// scrolled to keep the selection in view.
func (p *comparePane) View(width, height int) string {
	d, st := &p.d, p.st
	if width <= 0 || height <= 0 || !d.present {
		return ""
	}
	// The legend on one line when it fits, else an entry a line.
	var all []string
	if leg := strings.Join(p.legend(), "  "); ansi.StringWidth(leg) <= width {
		all = append(all, st.Kind.Render(leg))
	} else {
		for _, l := range p.legend() {
			all = append(all, st.Kind.Render(l))
		}
	}
	for _, l := range d.tally {
		all = append(all, st.Others.Render(l))
	}
	for _, f := range []struct {
		failed bool
		run    string
	}{{d.failedA, "A"}, {d.failedB, "B"}} {
		if f.failed {
			all = append(all, st.Unsaved.Render("! run "+f.run+"'s grounding failed: it predicts nothing"))
		}
	}
	if len(d.rows) == 0 {
		all = append(all, st.Empty.Render("✓ the runs agree on this item"))
		return clipLines(strings.Join(all, "\n"), width, height)
	}
	selStart := 0
	for j, r := range d.rows {
		if j == d.selected {
			selStart = len(all)
		}
		all = append(all, p.head(j, r), "  "+p.body(r))
	}
	off := 0
	if selStart+2 > height {
		off = min(selStart, max(0, len(all)-height))
	}
	return clipLines(strings.Join(all[off:min(len(all), off+height)], "\n"), width, height)
}

// head draws a row's first line: marker, number, label, kind.
func (p *comparePane) head(j int, r compareRow) string {
	st := p.st
	marker := "  "
	if j == p.d.selected {
		marker = "▸ "
	}
	head := marker + itoa(j+1) + " "
	kind := diffText(r.d.Kind)
	if j == p.d.selected {
		return st.Selected.Render(head + string(r.d.Label) + " " + kind + " ")
	}
	return head + st.Label.Render(string(r.d.Label)) + " " + st.Kind.Render(kind)
}

// body draws a row's second line: the IoU of a moved pair, the judgment
// and its save state.
func (p *comparePane) body(r compareRow) string {
	st := p.st
	s := ""
	if r.d.IoU != nil {
		s = st.Span.Render("IoU "+iouText(r.d.IoU)) + " · "
	}
	if r.n > 1 || r.n == 1 && r.mine == nil {
		s += st.Others.Render(itoa(r.n)+" judged") + " · "
	}
	e := r.mine
	if e == nil {
		return s + st.Empty.Render("— 1 2 3 4 u")
	}
	s += st.Decision.Render(e.pref.Title()) + " "
	switch e.state {
	case stateSaving:
		return s + st.Saving.Render("…")
	case stateSaved:
		return s + st.Saved.Render("✓")
	}
	return s + st.Unsaved.Render("NOT SAVED")
}

// syncCompare hands the compare pane the current item's differences.
func (m *Model) syncCompare() {
	if m.cmp == nil {
		return
	}
	d := compareData{runA: m.cmp.cfg.RunA, runB: m.cmp.cfg.RunB, ascii: m.cfg.ASCII,
		tally: tallyLines(m.compareTally(), compare.DefaultLevel)}
	if it, ok := m.current(); ok {
		ci := m.cmp.cfg.Items[it.ID]
		d.present, d.truth, d.failedA, d.failedB = true, it.HasTruth, ci.AFailed, ci.BFailed
		judged := map[string]int{}
		for k := range m.cmp.all {
			if k[0] == it.ID {
				judged[k[1]]++
			}
		}
		for _, diff := range m.compareRows() {
			r := compareRow{d: diff, n: judged[diff.Key()]}
			if e := m.cmp.mine[it.ID][diff.Key()]; e != nil {
				c := *e
				r.mine = &c
			}
			d.rows = append(d.rows, r)
		}
		d.selected = m.cmp.sel
	}
	m.cmp.pane.st = m.styles.Disagreement
	m.cmp.pane.SetData(d)
}
