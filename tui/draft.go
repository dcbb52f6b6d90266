package tui

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
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

// styledRune is one rune of the draft with its highlight.
type styledRune struct {
	r  rune
	st uint8
}

// highlight marks every occurrence range of spans (styleSpan) and of
// selected (styleSelected, which wins) in text.
func highlight(text string, spans, selected []string) []styledRune {
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
	out := make([]styledRune, 0, len(text))
	for i, r := range text {
		out = append(out, styledRune{r: r, st: marks[i]})
	}
	return out
}

// wrapRunes wraps styled text to lines of at most w cells, breaking at
// spaces when it can and inside a word when it must; line feeds break
// lines.
func wrapRunes(text []styledRune, w int) [][]styledRune {
	if w <= 0 {
		return nil
	}
	var lines [][]styledRune
	var line []styledRune
	width, lastSpace := 0, -1
	for _, c := range text {
		if c.r == '\n' {
			lines = append(lines, line)
			line, width, lastSpace = nil, 0, -1
			continue
		}
		rw := max(0, ansi.StringWidth(string(c.r)))
		for width+rw > w && len(line) > 0 {
			if lastSpace >= 0 {
				rest := append([]styledRune(nil), line[lastSpace+1:]...)
				lines = append(lines, line[:lastSpace])
				line = rest
			} else {
				lines = append(lines, line)
				line = nil
			}
			width, lastSpace = runesWidth(line), -1
			for k, r := range line {
				if r.r == ' ' {
					lastSpace = k
				}
			}
		}
		if c.r == ' ' {
			lastSpace = len(line)
		}
		line = append(line, c)
		width += rw
	}
	return append(lines, line)
}

func runesWidth(rs []styledRune) int {
	n := 0
	for _, r := range rs {
		n += ansi.StringWidth(string(r.r))
	}
	return n
}

// draftPane draws the draft text with the parsed spans highlighted and the
// selected disagreement's span emphasised, scrolled to show it.
type draftPane struct{}

// View renders the current item's draft into inner.
func (p *draftPane) View(m *Model, inner Rect) string {
	it, ok := m.current()
	if !ok || inner.Empty() {
		return ""
	}
	text := SanitizeText(it.Draft)
	var spans, selected []string
	if res := m.rows[m.cur].result; res != nil {
		for _, dl := range res.DraftLabels {
			spans = append(spans, dl.Span)
		}
	}
	for j, d := range m.disagreements() {
		if j == m.dis {
			selected = append(selected, d.DraftSpans...)
		} else {
			spans = append(spans, d.DraftSpans...)
		}
	}
	lines := wrapRunes(highlight(text, spans, selected), inner.W)
	if note := m.notes[it.ID]; note != "" {
		lines = append(lines, nil)
		lines = append(lines, wrapRunes(highlight("✎ note: "+SanitizeText(note), nil, nil), inner.W)...)
	}
	// Scroll so the selected span's first line is in view.
	off := 0
	for k, l := range lines {
		if hasStyle(l, styleSelected) {
			if k >= inner.H {
				off = min(k-inner.H/3, len(lines)-inner.H)
			}
			break
		}
	}
	end := min(len(lines), off+inner.H)
	st := []func(...string) string{m.styles.Draft.Text.Render, m.styles.Draft.Span.Render, m.styles.Draft.SpanSelected.Render}
	var b strings.Builder
	for k := off; k < end; k++ {
		if k > off {
			b.WriteByte('\n')
		}
		renderRuns(&b, lines[k], st)
	}
	return b.String()
}

func hasStyle(l []styledRune, st uint8) bool {
	for _, c := range l {
		if c.st == st {
			return true
		}
	}
	return false
}

// renderRuns writes l, one styled run per stretch of equal highlight.
func renderRuns(b *strings.Builder, l []styledRune, st []func(...string) string) {
	for a := 0; a < len(l); {
		z := a
		var run strings.Builder
		for z < len(l) && l[z].st == l[a].st {
			run.WriteRune(l[z].r)
			z++
		}
		b.WriteString(st[l[a].st](run.String()))
		a = z
	}
}

// wrapPlain wraps plain text into at most h lines of w cells.
func wrapPlain(s string, w, h int) string {
	var rs []styledRune
	for _, r := range s {
		rs = append(rs, styledRune{r: r})
	}
	lines := wrapRunes(rs, w)
	if len(lines) > h {
		lines = lines[:max(0, h)]
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		var b strings.Builder
		for _, c := range l {
			b.WriteRune(c.r)
		}
		out[i] = b.String()
	}
	return strings.Join(out, "\n")
}
