package tui

import (
	"strings"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// truthRow is one row of the truth view as the pane draws it.
type truthRow struct {
	e       audit.TruthError
	verdict *verdictEntry // this reviewer's triage (a copy), nil when none
	others  string        // other annotators' triage in words
}

// truthData is everything the truth view draws.
type truthData struct {
	present  bool // an item is current
	hasTruth bool
	known    bool // the item's full result is known
	failed   bool // its grounding failed: it predicts nothing
	rows     []truthRow
	selected int
}

// truthPane lists the current item's findings against its truth: missed
// (URGENT on the whitelist), spurious, mislocated and matched, with the
// IoU of each pair and this reviewer's triage.
type truthPane struct {
	st DisagreementStyles
	d  truthData
}

// SetData sets what the pane draws.
func (p *truthPane) SetData(d truthData) { p.d = d }

// Title is the pane's title: the selection and how many error rows are
// triaged.
func (p *truthPane) Title() string {
	n := len(p.d.rows)
	if n == 0 {
		return "truth"
	}
	errs, done := 0, 0
	for _, r := range p.d.rows {
		if r.e.Kind == audit.ErrorMatched {
			continue
		}
		errs++
		if r.verdict != nil && r.verdict.state != stateFailed {
			done++
		}
	}
	return "truth " + itoa(p.d.selected+1) + "/" + itoa(n) + " · " + itoa(done) + "/" + itoa(errs) + " errors triaged"
}

// View draws width x height cells, scrolled to keep the selection in view.
func (p *truthPane) View(width, height int) string {
	d, st := &p.d, p.st
	if width <= 0 || height <= 0 || !d.present {
		return ""
	}
	switch {
	case !d.hasTruth:
		return st.Empty.Render(wrapPlain("· no truth for this item (the worklist's truth column, or --truth FILE)\n\nt: back to the draft's disagreements", width, height))
	case !d.known:
		return st.Empty.Render(wrapPlain("· waiting for the model's findings", width, height))
	case len(d.rows) == 0:
		return st.Empty.Render(wrapPlain("✓ the model and the truth both find nothing", width, height))
	}
	var all []string
	if d.failed {
		all = append(all, st.Unsaved.Render("! the grounding failed: it predicts nothing"))
	}
	selStart := 0
	for j, r := range d.rows {
		if j == d.selected {
			selStart = len(all)
		}
		all = append(all, p.head(j, r), "  "+p.body(r))
		if r.others != "" {
			all = append(all, "  "+st.Others.Render(r.others))
		}
	}
	off := 0
	if selStart+3 > height {
		off = min(selStart, max(0, len(all)-height))
	}
	return clipLines(strings.Join(all[off:min(len(all), off+height)], "\n"), width, height)
}

// head draws a row's first line: marker, number, urgency, label, kind.
func (p *truthPane) head(j int, r truthRow) string {
	st := p.st
	marker := "  "
	if j == p.d.selected {
		marker = "▸ "
	}
	kind := string(r.e.Kind)
	head := marker + itoa(j+1) + " "
	switch {
	case j == p.d.selected && r.e.Urgent:
		return st.Selected.Render(head) + st.Urgent.Render("URGENT") + st.Selected.Render(" "+string(r.e.Label)+" "+kind+" ")
	case j == p.d.selected:
		return st.Selected.Render(head + string(r.e.Label) + " " + kind + " ")
	case r.e.Urgent:
		return head + st.Urgent.Render("URGENT") + " " + st.Label.Render(string(r.e.Label)) + " " + st.Kind.Render(kind)
	}
	return head + st.Label.Render(string(r.e.Label)) + " " + st.Kind.Render(kind)
}

// body draws a row's second line: what the row compares, the triage
// and its save state.
func (p *truthPane) body(r truthRow) string {
	st := p.st
	s := st.Span.Render(truthDetail(r.e)) + " · "
	e := r.verdict
	if e == nil {
		return s + st.Empty.Render("triage: — (m/x/y/u)")
	}
	s += "triage: " + st.Decision.Render(decisionText(e.decision, "truth:")) + " "
	switch e.state {
	case stateSaving:
		return s + st.Saving.Render("saving…")
	case stateSaved:
		return s + st.Saved.Render("saved ✓")
	}
	return s + st.Unsaved.Render("NOT SAVED: "+Sanitize(e.err))
}

// truthDetail says what a row compares: which side has the finding, or
// the IoU of its pair of boxes.
func truthDetail(e audit.TruthError) string {
	switch {
	case e.Kind == audit.ErrorMissed:
		return "truth only"
	case e.Kind == audit.ErrorSpurious:
		return "model only"
	case e.IoU == nil:
		return "no box pair"
	}
	return "IoU " + iouText(e.IoU)
}

// syncTruth hands the truth view the current item's rows and triage.
func (m *Model) syncTruth() {
	d := truthData{}
	if it, ok := m.current(); ok {
		d.present, d.hasTruth = true, m.data.hasTruth(m.nav.cur)
		res := m.data.rows.get(m.nav.cur).result
		d.known = res != nil
		d.failed = res != nil && res.Grounding != nil && res.Grounding.Error != ""
		mine := m.data.mine[it.ID]
		for _, e := range m.truthRows() {
			r := truthRow{e: e}
			if v := mine[audit.TruthKey(e)]; v != nil {
				c := *v
				r.verdict = &c
			}
			if !m.cfg.Blind {
				r.others = othersText(m.data.others[it.ID], audit.TruthKey(e))
			}
			d.rows = append(d.rows, r)
		}
		d.selected = m.truth.sel
	}
	m.panes.truth.SetData(d)
}
