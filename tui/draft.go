package tui

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
	"github.com/cxr-auditor/cxr-auditor/audit"
)

// span styles of the draft text.
const (
	styleText uint8 = iota
	styleSpan
	styleSelected
)

// findSpan returns the byte range of span in text: verbatim if it occurs,
// else the first case-insensitive match. ok is false when it does not
// occur at all (a model may paraphrase despite the prompt).
func findSpan(text, span string) (start, end int, ok bool) {
	if span == "" {
		return 0, 0, false
	}
	if i := strings.Index(text, span); i >= 0 {
		return i, i + len(span), true
	}
	for i := 0; i < len(text); {
		if j, ok := foldPrefix(text[i:], span); ok {
			return i, i + j, true
		}
		_, w := utf8.DecodeRuneInString(text[i:])
		i += w
	}
	return 0, 0, false
}

// foldPrefix reports whether s starts with prefix under simple Unicode case
// folding, and the length in bytes of the matching part of s.
func foldPrefix(s, prefix string) (int, bool) {
	n := 0
	for _, pr := range prefix {
		if n >= len(s) {
			return 0, false
		}
		sr, w := utf8.DecodeRuneInString(s[n:])
		if !equalFold(sr, pr) {
			return 0, false
		}
		n += w
	}
	return n, true
}

func equalFold(a, b rune) bool {
	if a == b {
		return true
	}
	for f := unicode.SimpleFold(a); f != a; f = unicode.SimpleFold(f) {
		if f == b {
			return true
		}
	}
	return false
}

// highlight marks, byte by byte, every occurrence range of spans
// (styleSpan) and of selected (styleSelected, which wins) in text.
func highlight(text string, spans, selected []string) []uint8 {
	marks := make([]uint8, len(text))
	mark := func(list []string, st uint8) {
		for _, sp := range list {
			if a, b, ok := findSpan(text, SanitizeText(sp)); ok {
				for k := a; k < b; k++ {
					marks[k] = max(marks[k], st)
				}
			}
		}
	}
	mark(spans, styleSpan)
	mark(selected, styleSelected)
	return marks
}

// run is a stretch of a wrapped line in one highlight.
type run struct {
	text string
	st   uint8
}

// wrapMarked wraps text to lines of at most w cells and carries each
// byte's mark over to the wrapped lines, as runs of equal mark. The
// wrapping is ansi.Wrap's, the one lipgloss.Wrap uses: grapheme-aware (a
// ZWJ emoji sequence or a flag is one cluster of two cells, never split),
// breaking at spaces when it can and inside a word when it must; line
// feeds break lines. Styles are applied after wrapping, not before,
// because the draft pane needs to know on which line the selected span
// lands in order to scroll to it.
func wrapMarked(text string, marks []uint8, w int) [][]run {
	if w <= 0 {
		return nil
	}
	wrapped := wrapText(text, w)
	var (
		lines [][]run
		line  []run
		cur   strings.Builder
		curSt uint8
	)
	flushRun := func() {
		if cur.Len() > 0 {
			line = append(line, run{text: cur.String(), st: curSt})
			cur.Reset()
		}
	}
	emit := func(b byte, st uint8) {
		if b == '\n' {
			flushRun()
			lines = append(lines, line)
			line = nil
			return
		}
		if st != curSt {
			flushRun()
			curSt = st
		}
		cur.WriteByte(b)
	}
	// Walk the text and its wrapped form together: the wrap only inserts
	// line feeds and drops the blanks it breaks at.
	i := 0
	for j := 0; j < len(wrapped); j++ {
		c := wrapped[j]
		for i < len(text) && text[i] != c {
			r, n := utf8.DecodeRuneInString(text[i:])
			if !unicode.IsSpace(r) {
				break
			}
			i += n // a blank the wrap dropped
		}
		switch {
		case i < len(text) && text[i] == c:
			emit(c, marks[i])
			i++
		default:
			emit(c, styleText) // a line feed the wrap inserted
		}
	}
	flushRun()
	return append(lines, line)
}

// wrapText is ansi.Wrap(s, w, ""), with its overflows fixed: it lets a
// line that starts with blanks before a word of exactly w cells run w+1
// or more cells wide (" 000" at 3), and can end in a line feed s did not
// have. Such a line loses its leading blanks, then is cut at w cells.
func wrapText(s string, w int) string {
	wrapped := ansi.Wrap(s, w, "")
	if strings.HasSuffix(wrapped, "\n") && !strings.HasSuffix(s, "\n") {
		wrapped = wrapped[:len(wrapped)-1]
	}
	lines := strings.Split(wrapped, "\n")
	fixed := false
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			l = strings.TrimLeftFunc(l, unicode.IsSpace)
			if ansi.StringWidth(l) > w {
				l = ansi.Hardwrap(l, w, true)
			}
			lines[i], fixed = l, true
		}
	}
	if !fixed {
		return wrapped
	}
	return strings.Join(lines, "\n")
}

// lineHas reports whether l has a run of style st.
func lineHas(l []run, st uint8) bool {
	for _, r := range l {
		if r.st == st {
			return true
		}
	}
	return false
}

// draftData is everything the draft pane draws.
type draftData struct {
	present  bool
	text     string   // the draft, sanitized
	spans    []string // every span the draft parser quoted
	selected []string // the selected disagreement's spans
	note     string   // this reviewer's note, sanitized ("" when none)
	draft    bool     // note is an unsaved draft
	others   string   // the other annotators' notes, sanitized
	salvaged bool     // the draft stage's output needed salvage
}

// draftPane draws the draft text with the parsed spans highlighted and the
// selected disagreement's span emphasised, scrolled to show it, and the
// reviewer's note below.
type draftPane struct {
	st DraftStyles
	d  draftData
}

// SetData sets what the pane draws.
func (p *draftPane) SetData(d draftData) { p.d = d }

// Title is the pane's title, with the salvage warning.
func (p *draftPane) Title() string {
	if p.d.salvaged {
		return "draft · (!) draft parse salvaged: check it (r)"
	}
	return "draft"
}

// View draws width x height cells.
func (p *draftPane) View(width, height int) string {
	d := &p.d
	if !d.present || width <= 0 || height <= 0 {
		return ""
	}
	lines := wrapMarked(d.text, highlight(d.text, d.spans, d.selected), width)
	if d.note != "" {
		note := "✎ note: " + d.note
		if d.draft {
			note = "✎ note (unsaved draft): " + d.note
		}
		lines = append(lines, nil)
		lines = append(lines, wrapMarked(note, make([]uint8, len(note)), width)...)
	}
	if d.others != "" {
		note := "✎ others' notes: " + d.others
		lines = append(lines, nil)
		lines = append(lines, wrapMarked(note, make([]uint8, len(note)), width)...)
	}
	// Scroll so the selected span's first line is in view.
	off := 0
	for k, l := range lines {
		if lineHas(l, styleSelected) {
			if k >= height {
				off = min(k-height/3, len(lines)-height)
			}
			break
		}
	}
	end := min(len(lines), off+height)
	st := [...]func(...string) string{p.st.Text.Render, p.st.Span.Render, p.st.SpanSelected.Render}
	var b strings.Builder
	for k := off; k < end; k++ {
		if k > off {
			b.WriteByte('\n')
		}
		for _, r := range lines[k] {
			b.WriteString(st[r.st](r.text))
		}
	}
	return b.String()
}

// syncDraft hands the draft pane the current item's draft, spans and note.
func (m *Model) syncDraft() {
	it, ok := m.current()
	if !ok {
		m.panes.draft.SetData(draftData{})
		return
	}
	d := draftData{present: true, text: SanitizeText(it.Draft), note: SanitizeText(m.data.notes[it.ID]), others: SanitizeText(m.data.otherNotes[it.ID])}
	if nd, ok := m.data.noteDrafts[it.ID]; ok {
		d.note, d.draft = SanitizeText(nd), true
	}
	if res := m.data.rows.get(m.nav.cur).result; res != nil {
		_, d.salvaged = salvagedStages(res)
		for _, dl := range res.DraftLabels {
			d.spans = append(d.spans, dl.Span)
		}
	}
	for j, dis := range m.disagreements() {
		if j == m.nav.dis {
			d.selected = append(d.selected, dis.DraftSpans...)
		} else {
			d.spans = append(d.spans, dis.DraftSpans...)
		}
	}
	m.panes.draft.SetData(d)
}

// wrapPlain wraps plain text into at most h lines of w cells.
func wrapPlain(s string, w, h int) string {
	if w <= 0 || h <= 0 {
		return ""
	}
	lines := strings.Split(wrapText(s, w), "\n")
	return strings.Join(lines[:min(len(lines), h)], "\n")
}

// clipLines keeps the first h lines of the styled text s and truncates
// each to w cells (with "…"), so a pane never draws outside its place.
func clipLines(s string, w, h int) string {
	if w <= 0 || h <= 0 {
		return ""
	}
	lines := strings.SplitN(s, "\n", h+1)
	lines = lines[:min(len(lines), h)]
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			lines[i] = ansi.Truncate(l, w, "…")
		}
	}
	return strings.Join(lines, "\n")
}

// salvagedStages says which stage's output needed salvage: the stage
// records say; a result that only says "salvaged" (recorded before the
// stages did) marks the draft.
func salvagedStages(res *audit.Result) (grounding, draft bool) {
	if res.Grounding != nil && res.Grounding.Diagnostics.Salvaged {
		grounding = true
	}
	if res.Draft != nil && res.Draft.Diagnostics.Salvaged {
		draft = true
	}
	if res.Salvaged && !grounding && !draft {
		draft = true
	}
	return grounding, draft
}
