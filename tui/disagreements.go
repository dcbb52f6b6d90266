package tui

import (
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// kindText says a disagreement kind in words.
func kindText(k audit.Kind) string {
	switch k {
	case audit.MissedInDraft:
		return "missed in draft"
	case audit.ContradictedByImage:
		return "contradicted by image"
	case audit.HedgedInDraft:
		return "hedged in draft"
	case audit.UnsupportedByImage:
		return "unsupported by image"
	}
	return Sanitize(string(k))
}

// disagreementRow is one disagreement as the pane draws it.
type disagreementRow struct {
	label   schema.Label
	kind    audit.Kind
	urgent  bool
	spans   []string      // the draft's words (unsanitized)
	verdict *verdictEntry // this reviewer's verdict (a copy), nil when none
	others  string        // other annotators' verdicts in words ("" when none or blind)
}

// disagreementData is everything the disagreement pane draws.
type disagreementData struct {
	present bool // an item is current
	status  audit.Status
	stage   audit.Stage
	err     string
	loaded  bool // the saved results are loaded
	// pending is the number of disagreements the store's summary counts
	// while the item's full result is still being looked up.
	pending  int
	rows     []disagreementRow
	selected int
	spin     string // the spinner's current frame
}

// disagreementPane lists the current item's disagreements: label, kind,
// urgency, the draft's span, this reviewer's verdict and its save state,
// and (unless blind) the other annotators' verdicts. Without
// disagreements it says why: agreement, failure, progress.
type disagreementPane struct {
	st       DisagreementStyles
	errStyle lipgloss.Style
	d        disagreementData
}

// SetData sets what the pane draws.
func (p *disagreementPane) SetData(d disagreementData) { p.d = d }

// Title is the pane's title: the selection and how many are adjudicated.
func (p *disagreementPane) Title() string {
	n := len(p.d.rows)
	if n == 0 {
		return "disagreements"
	}
	done := 0
	for _, r := range p.d.rows {
		if r.verdict != nil && r.verdict.state != stateFailed {
			done++
		}
	}
	return "disagreement " + itoa(p.d.selected+1) + "/" + itoa(n) + " · " + itoa(done) + "/" + itoa(n) + " adjudicated"
}

// View draws width x height cells, scrolled to keep the selection in view.
func (p *disagreementPane) View(width, height int) string {
	d := &p.d
	if width <= 0 || height <= 0 || !d.present {
		return ""
	}
	st := p.st
	if len(d.rows) == 0 {
		var s string
		switch d.status {
		case audit.StatusDone:
			s = "✓ image and draft agree: no disagreement to adjudicate"
			if d.pending > 0 {
				s = "· loading " + count(d.pending, "disagreement") + "…"
			}
		case audit.StatusError:
			s = "✗ failed: " + Sanitize(d.err) + "\n\nr shows the raw output · R reruns"
			return p.errStyle.Render(wrapPlain(s, width, height))
		case audit.StatusRunning:
			s = d.spin + " running"
			if d.stage != "" {
				s += " (" + string(d.stage) + ")"
			}
			return clipLines(s+"…", width, height)
		case audit.StatusQueued:
			s = "◌ queued"
		default:
			if d.loaded {
				s = "· waiting for the pipeline"
			} else {
				s = "· loading saved results…"
			}
		}
		out := wrapPlain(s, width, height)
		if rest, ok := strings.CutPrefix(out, "✓"); ok {
			// The mark upright: italic monospace fonts often lack ✓ (mlterm
			// 3.9 drew a missing-glyph box; its upright font has it).
			return st.Empty.Italic(false).Render("✓") + st.Empty.Render(rest)
		}
		return st.Empty.Render(out)
	}
	var all []string
	selStart := 0
	for j, r := range d.rows {
		marker := "  "
		if j == d.selected {
			marker = "▸ "
			selStart = len(all)
		}
		head := marker + itoa(j+1) + " "
		switch {
		case j == d.selected && r.urgent:
			// The badge keeps its colours on the selected row: URGENT stays
			// the strongest cue. The pieces around it are reversed each.
			head = st.Selected.Render(head) + st.Urgent.Render("URGENT") + st.Selected.Render(" "+string(r.label)+" ")
		case j == d.selected:
			head = st.Selected.Render(head + string(r.label) + " ")
		case r.urgent:
			head += st.Urgent.Render("URGENT") + " " + st.Label.Render(string(r.label))
		default:
			head += st.Label.Render(string(r.label))
		}
		all = append(all, head)
		span := "draft silent"
		if len(r.spans) > 0 {
			span = "“" + Sanitize(strings.Join(r.spans, "” “")) + "”"
		}
		all = append(all, "  "+st.Kind.Render(kindText(r.kind))+": "+st.Span.Render(span))
		all = append(all, "  "+p.verdictText(r.verdict))
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

// verdictText says this reviewer's verdict and whether it is on disk.
func (p *disagreementPane) verdictText(e *verdictEntry) string {
	st := p.st
	if e == nil {
		return st.Empty.Render("verdict: — (i/d/b/u)")
	}
	s := "verdict: " + st.Decision.Render(decisionText(e.decision)) + " "
	switch e.state {
	case stateSaving:
		return s + st.Saving.Render("saving…")
	case stateSaved:
		return s + st.Saved.Render("saved ✓")
	}
	return s + st.Unsaved.Render("NOT SAVED: "+Sanitize(e.err))
}

// syncDisagreements hands the disagreement pane the current item's
// disagreements and verdicts.
func (m *Model) syncDisagreements() {
	d := disagreementData{selected: m.nav.dis, loaded: m.data.loaded, spin: m.panes.spin.View()}
	if it, ok := m.current(); ok {
		r := &m.data.rows[m.nav.cur]
		d.present, d.status, d.stage, d.err = true, r.status, r.stage, r.err
		if r.report == nil {
			d.pending = r.summary.disagreements
		}
		mine := m.data.mine[it.ID]
		for _, dis := range m.disagreements() {
			row := disagreementRow{label: dis.Label, kind: dis.Kind, urgent: dis.Urgent, spans: dis.DraftSpans}
			if e := mine[dis.Key()]; e != nil {
				c := *e
				row.verdict = &c
			}
			if !m.cfg.Blind {
				row.others = othersText(m.data.others[it.ID], dis.Key())
			}
			d.rows = append(d.rows, row)
		}
	}
	m.panes.disagreements.SetData(d)
}

// othersText lists other annotators' verdicts on a disagreement.
func othersText(vs []audit.Verdict, key string) string {
	var parts []string
	for _, v := range vs {
		if v.DisagreementKey == key {
			parts = append(parts, Sanitize(v.Annotator)+": "+decisionText(audit.Decision(v.Decision)))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "others: " + strings.Join(parts, ", ")
}
