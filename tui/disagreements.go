package tui

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

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

// isConfirmKey reports whether a verdict key is that of a row to confirm
// (an urgent finding no disagreement stands for).
func isConfirmKey(key string) bool { return strings.HasSuffix(key, "/"+string(audit.UrgentConfirm)) }

// confirmText says what a row to confirm is, by whether the draft was read.
func confirmText(unread bool) string {
	if unread {
		return "urgent · draft unread: confirm"
	}
	return "urgent · draft agrees: confirm"
}

// disagreementRow is one review row as the pane draws it: a disagreement,
// or an urgent finding to confirm (kind audit.UrgentConfirm).
type disagreementRow struct {
	label   schema.Label
	kind    audit.Kind
	urgent  bool
	unread  bool          // a row to confirm on an item whose draft was not read
	spans   []string      // the draft's words (unsanitized)
	verdict *verdictEntry // this reviewer's verdict (a copy), nil when none
	// agreed is the readers' decision on a unit this reviewer may not
	// judge (Config.Settled), "" otherwise.
	agreed audit.Decision
	others string // other annotators' verdicts in words ("" when none or blind)
	// inDoubt: the disagreement rests only on a draft reading in doubt.
	inDoubt bool
	// note is this reviewer's note on the disagreement (unsanitized, ""
	// when none); noteDraft: it is an unsaved draft.
	note      string
	noteDraft bool
}

// doubtRow is one label whose draft reading is in doubt: the draft
// model's reading and the rule labeler's, with their spans (unsanitized).
type doubtRow struct {
	label                 schema.Label
	model, rules          schema.Status
	modelSpans, ruleSpans []string
}

// disagreementData is everything the disagreement pane draws.
type disagreementData struct {
	judged  bool // a study reader: "judged", not "adjudicated"
	present bool // an item is current
	status  audit.Status
	stage   audit.Stage
	err     string
	loaded  bool // the saved results are loaded
	// pending is the number of disagreements the store's summary counts
	// while the item's full result is still being looked up.
	pending int
	// note says the draft could not be read ("" otherwise): the item is
	// audited on the image alone.
	note     string
	rows     []disagreementRow
	doubts   []doubtRow
	selected int
	spin     string // the spinner's current frame
	// stale: the stored result was made under another prompt, model or
	// options than this session's, so it is not shown.
	stale bool
}

// disagreementPane lists the current item's disagreements: label, kind,
// urgency, the draft's span, this reviewer's verdict and its save state,
// and (unless blind) the other annotators' verdicts. Without
// disagreements it says why: agreement, failure, progress.
type disagreementPane struct {
	st       DisagreementStyles
	errStyle lipgloss.Style
	d        disagreementData
	// wrapW is the width the draft's words wrap to (set by View): the
	// pane uses its lines before cutting a quote.
	wrapW int
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
		if (r.verdict != nil && r.verdict.state != stateFailed) || (r.agreed != "" && r.verdict == nil) {
			done++
		}
	}
	word := " adjudicated"
	if p.d.judged {
		word = " judged"
	}
	return "disagreement " + itoa(p.d.selected+1) + "/" + itoa(n) + " · " + itoa(done) + "/" + itoa(n) + word
}

// View draws width x height cells, scrolled to keep the selection in view.
// The labels whose draft reading is in doubt follow the rows.
func (p *disagreementPane) View(width, height int) string {
	d := &p.d
	if width <= 0 || height <= 0 || !d.present {
		return ""
	}
	if len(d.rows) == 0 {
		if len(d.doubts) > 0 && d.status == audit.StatusDone && d.pending == 0 && d.note == "" {
			lines := append([]string{p.st.Empty.Render("image and draft agree, but:")}, p.doubtLines()...)
			return clipLines(strings.Join(lines, "\n"), width, height)
		}
		return p.viewEmpty(width, height)
	}
	var all []string
	if d.note != "" {
		for _, l := range strings.Split(wrapPlain("! "+Sanitize(d.note), width, 3), "\n") {
			all = append(all, p.st.Unsaved.Render(l))
		}
	}
	p.wrapW = width
	all, selStart := p.rowLines(all)
	all = append(all, p.doubtLines()...)
	off := 0
	if selStart+3 > height {
		off = min(selStart, max(0, len(all)-height))
	}
	return clipLines(strings.Join(all[off:min(len(all), off+height)], "\n"), width, height)
}

// viewEmpty says why there is no row: agreement, an unread draft, failure,
// progress.
func (p *disagreementPane) viewEmpty(width, height int) string {
	d, st := &p.d, p.st
	var s string
	switch {
	case d.stale:
		return st.Unsaved.Render(wrapPlain("! "+staleText, width, height))
	case d.status == audit.StatusDone && d.note != "":
		return st.Unsaved.Render(wrapPlain("! "+Sanitize(d.note)+"\n\nno urgent finding to confirm · r shows the draft's attempts", width, height))
	case d.status == audit.StatusDone:
		s = "✓ image and draft agree: no disagreement"
		if d.pending > 0 {
			s = "· loading " + count(d.pending, "disagreement") + "…"
		}
	case d.status == audit.StatusError:
		s = "✗ failed: " + Sanitize(d.err) + "\n\nr shows the raw output · R reruns"
		return p.errStyle.Render(wrapPlain(s, width, height))
	case d.status == audit.StatusRunning:
		s = d.spin + " running"
		if d.stage != "" {
			s += " (" + string(d.stage) + ")"
		}
		return clipLines(s+"…", width, height)
	case d.status == audit.StatusQueued:
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

// rowLines appends the rows to all, and says where the selected one
// starts.
func (p *disagreementPane) rowLines(all []string) ([]string, int) {
	d, st := &p.d, p.st
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
		all = append(all, p.rowBody(r)...)
		if r.note != "" {
			what := "✎ note: "
			if r.noteDraft {
				what = "✎ note (unsaved draft): "
			}
			all = append(all, p.wrapped(st.Others.Render(what+SanitizeText(r.note)))...)
		}
		if r.others != "" {
			// Wrapped, not cut: the adjudicator reads every reader's.
			all = append(all, p.wrapped(st.Others.Render(r.others))...)
		}
	}
	return all, selStart
}

// rowBody draws what a row says below its head: the kind and the draft's
// words, the doubt mark, the verdict; a row to confirm says so and how.
func (p *disagreementPane) rowBody(r disagreementRow) []string {
	st := p.st
	span := "draft silent"
	if len(r.spans) > 0 {
		span = "“" + Sanitize(strings.Join(r.spans, "” “")) + "”"
	}
	if r.kind == audit.UrgentConfirm {
		out := []string{"  " + st.Kind.Render(confirmText(r.unread))}
		if !r.unread {
			out = append(out, "  "+st.Span.Render("draft: "+span))
		}
		if r.agreed != "" && r.verdict == nil {
			return append(out, p.wrapped(st.Saved.Render("agreed by the readers: "+decisionText(r.agreed, "/"+string(audit.UrgentConfirm)))+" "+st.Empty.Render("(final)"))...)
		}
		out = append(out, "  "+p.verdictText(r.verdict, true))
		if r.verdict == nil {
			out = append(out, "  "+st.Empty.Render("i confirm, b image wrong, u unsure"))
		}
		return out
	}
	out := p.wrapped(st.Kind.Render(kindText(r.kind)) + ": " + st.Span.Render(span))
	if r.inDoubt {
		out = append(out, "  "+st.Doubt.Render("? rests on a reading in doubt"))
	}
	if r.agreed != "" && r.verdict == nil {
		// A study adjudicator's unit the readers agreed on: final.
		// Wrapped, not cut: it is all the adjudicator needs to know.
		return append(out, p.wrapped(st.Saved.Render("agreed by the readers: "+decisionText(r.agreed, ""))+" "+st.Empty.Render("(final, not to adjudicate)"))...)
	}
	return append(out, "  "+p.verdictText(r.verdict, false))
}

// doubtLines draws each label whose draft reading is in doubt: both
// readings and their spans.
func (p *disagreementPane) doubtLines() []string {
	st := p.st
	var out []string
	for _, d := range p.d.doubts {
		out = append(out, st.Doubt.Render("? in doubt: ")+st.Label.Render(string(d.label)),
			"  model: "+readingText(st, d.model, d.modelSpans),
			"  rules: "+readingText(st, d.rules, d.ruleSpans))
	}
	return out
}

// readingText says one reading of a label: its status and spans.
func readingText(st DisagreementStyles, s schema.Status, spans []string) string {
	out := st.Decision.Render(string(s))
	if len(spans) > 0 {
		out += " " + st.Span.Render("“"+Sanitize(strings.Join(spans, "” “"))+"”")
	}
	return out
}

// verdictText says this reviewer's verdict and whether it is on disk; on
// a row to confirm, in the words of a confirmation.
func (p *disagreementPane) verdictText(e *verdictEntry, confirm bool) string {
	st := p.st
	key := ""
	if confirm {
		key = "/" + string(audit.UrgentConfirm)
	}
	if e == nil && confirm {
		return st.Empty.Render("verdict: — (i/b/u)")
	}
	if e == nil {
		return st.Empty.Render("verdict: — (i/d/b/u)")
	}
	s := "verdict: " + st.Decision.Render(decisionText(e.decision, key)) + " "
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
	d := disagreementData{selected: m.nav.dis, loaded: m.data.loaded, spin: m.panes.spin.View(), judged: m.cfg.Reader}
	if it, ok := m.current(); ok {
		r := m.data.rows.at(m.nav.cur)
		d.present, d.status, d.stage, d.err = true, r.status, r.stage, r.err
		if r.report == nil && !r.stale {
			d.pending = r.summary.disagreements
		}
		d.stale = r.stale && r.report == nil
		unread := r.report != nil && r.report.ImageOnly
		if unread {
			d.note = imageOnlyNote(r.result)
		}
		if r.report != nil {
			for _, dd := range r.report.DraftDoubts {
				d.doubts = append(d.doubts, doubtRow{label: dd.Label, model: dd.Model, rules: dd.Rules,
					modelSpans: dd.ModelSpans, ruleSpans: dd.RulesSpans})
			}
		}
		mine := m.data.mine[it.ID]
		for _, dis := range m.disagreements() {
			row := disagreementRow{label: dis.Label, kind: dis.Kind, urgent: dis.Urgent, spans: dis.DraftSpans, unread: unread,
				inDoubt: dis.DraftInDoubt}
			row.agreed = m.data.settled[it.ID][dis.Key()]
			if e := mine[dis.Key()]; e != nil && row.agreed == "" {
				// The readers' agreement is final, whatever an
				// adjudicator ruled before they came to agree.
				c := *e
				row.verdict = &c
			}
			row.note = m.data.disNotes[it.ID][dis.Key()]
			if t, ok := m.data.noteDrafts[noteKey(it.ID, dis.Key())]; ok {
				row.note, row.noteDraft = t, true
			}
			if !m.cfg.Blind {
				row.others = othersText(m.data.others[it.ID], dis.Key())
			}
			d.rows = append(d.rows, row)
		}
	}
	m.panes.disagreements.SetData(d)
}

// imageOnlyNote says why an item is audited on the image alone: its
// result's note, or a standard one when only the stored report is known.
func imageOnlyNote(res *audit.Result) string {
	if res != nil && res.Note != "" {
		return res.Note
	}
	return "the draft could not be read; image findings only"
}

// othersText lists other annotators' verdicts on a disagreement.
func othersText(vs []audit.Verdict, key string) string {
	var parts []string
	for _, v := range vs {
		if v.DisagreementKey == key {
			parts = append(parts, Sanitize(v.Annotator)+": "+decisionText(audit.Decision(v.Decision), key))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "others: " + strings.Join(parts, ", ")
}

// wrapped is s indented by two cells and wrapped to the pane's width,
// at most three lines (the rest cut), so a long quote is read whole
// where the pane has room.
func (p *disagreementPane) wrapped(s string) []string {
	if p.wrapW <= 4 {
		return []string{"  " + s}
	}
	lines := strings.Split(ansi.Wrap(s, p.wrapW-2, " "), "\n")
	if len(lines) > 3 {
		lines = lines[:3]
		lines[2] = ansi.Truncate(lines[2], p.wrapW-3, "") + "…"
	}
	for i := range lines {
		lines[i] = "  " + lines[i]
	}
	return lines
}
