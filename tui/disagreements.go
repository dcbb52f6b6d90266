package tui

import (
	"strings"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/compare"
)

// kindText says a disagreement kind in words.
func kindText(k compare.Kind) string {
	switch k {
	case compare.MissedInDraft:
		return "missed in draft"
	case compare.ContradictedByImage:
		return "contradicted by image"
	case compare.HedgedInDraft:
		return "hedged in draft"
	case compare.UnsupportedByImage:
		return "unsupported by image"
	}
	return Sanitize(string(k))
}

// disagreementPane lists the current item's disagreements: label, kind,
// urgency, the draft's span, this reviewer's verdict and its save state,
// and (unless blind) the other annotators' verdicts.
type disagreementPane struct{}

// View renders into inner, scrolled to keep the selection in view.
func (p *disagreementPane) View(m *Model, inner Rect) string {
	if inner.Empty() || m.cur < 0 {
		return ""
	}
	st := m.styles.Disagreement
	r := &m.rows[m.cur]
	ds := m.disagreements()
	if len(ds) == 0 {
		var s string
		switch r.status {
		case audit.StatusDone:
			s = "✓ image and draft agree: no disagreement to adjudicate"
		case audit.StatusError:
			s = "✗ failed: " + Sanitize(r.err) + "\n\nr shows the raw output · R reruns"
			return m.styles.Status.Error.Render(wrapPlain(s, inner.W, inner.H))
		case audit.StatusRunning:
			s = m.spin.View() + " running"
			if r.stage != "" {
				s += " (" + string(r.stage) + ")"
			}
			s += "…"
			return s
		case audit.StatusQueued:
			s = "◌ queued"
		default:
			if m.loaded {
				s = "· waiting for the pipeline"
			} else {
				s = "· loading saved results…"
			}
		}
		return st.Empty.Render(wrapPlain(s, inner.W, inner.H))
	}
	mine := m.mine[m.items[m.cur].ID]
	var blocks [][]string
	selStart := 0
	for j, d := range ds {
		var lines []string
		marker := "  "
		if j == m.dis {
			marker = "▸ "
			selStart = sumLen(blocks)
		}
		head := marker + itoa(j+1) + " "
		switch {
		case j == m.dis:
			// Reversed as a whole (an inner style would end the reverse).
			if d.Urgent {
				head += "URGENT "
			}
			head = st.Selected.Render(head + string(d.Label) + " ")
		case d.Urgent:
			head += st.Urgent.Render("URGENT") + " " + st.Label.Render(string(d.Label))
		default:
			head += st.Label.Render(string(d.Label))
		}
		lines = append(lines, head)
		span := "draft silent"
		if len(d.DraftSpans) > 0 {
			span = "“" + Sanitize(strings.Join(d.DraftSpans, "” “")) + "”"
		}
		lines = append(lines, "  "+st.Kind.Render(kindText(d.Kind))+": "+st.Span.Render(span))
		lines = append(lines, "  "+m.verdictText(mine[d.Key()]))
		if !m.cfg.Blind {
			if o := m.othersText(d.Key()); o != "" {
				lines = append(lines, "  "+st.Others.Render(o))
			}
		}
		blocks = append(blocks, lines)
	}
	var all []string
	for _, b := range blocks {
		all = append(all, b...)
	}
	off := 0
	if selStart+3 > inner.H {
		off = min(selStart, max(0, len(all)-inner.H))
	}
	return strings.Join(all[off:min(len(all), off+inner.H)], "\n")
}

func sumLen(b [][]string) int {
	n := 0
	for _, x := range b {
		n += len(x)
	}
	return n
}

// verdictText says this reviewer's verdict and whether it is on disk.
func (m *Model) verdictText(e *verdictEntry) string {
	st := m.styles.Disagreement
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

// othersText lists other annotators' verdicts on a disagreement.
func (m *Model) othersText(key string) string {
	var parts []string
	for _, v := range m.others[m.items[m.cur].ID] {
		if v.DisagreementKey == key {
			parts = append(parts, Sanitize(v.Annotator)+": "+decisionText(audit.Decision(v.Decision)))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "others: " + strings.Join(parts, ", ")
}
