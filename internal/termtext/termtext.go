// Package termtext makes text from outside the program safe to print on a
// terminal: worklist ids and paths, server messages, notes, drafts, model
// output. It is the one sanitiser every command and the TUI use, so that no
// byte a terminal would act on (an escape sequence that clears the screen,
// sets the clipboard through OSC 52 or retitles the window, a C1 control, a
// bell, a bidirectional override that makes text read backwards) reaches it
// from data.
//
// Line is for text shown on one line (ids, paths, error messages); Text is
// for text that keeps its line breaks (drafts, model output, notes).
// Neither styles nor measures text: apply styles after sanitising.
package termtext

import (
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Line makes untrusted text safe to put on the terminal as one line: escape
// sequences (CSI, OSC such as OSC 52, DCS, APC, ...) are removed, and every
// remaining control character becomes a visible placeholder: C0 controls and
// DEL their Unicode control pictures (ESC shows as ␛, a line feed as ␊), C1
// controls, invalid UTF-8 and bidirectional overrides U+FFFD. The result
// contains no byte a terminal would act on. Line is idempotent, and returns
// printable ASCII unchanged without copying it.
func Line(s string) string { return sanitize(s, false) }

// Text is Line for multi-line text (drafts, model outputs, notes): line
// feeds are kept, a CR LF pair becomes a line feed, and a tab becomes four
// spaces.
func Text(s string) string { return sanitize(s, true) }

func sanitize(s string, multiline bool) string {
	if isPlain(s) {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	if multiline {
		s = strings.ReplaceAll(s, "\r\n", "\n")
	}
	s = ansi.Strip(s)
	// ansi.Strip passes through bytes it does not understand; make sure the
	// result is valid UTF-8 before looking at runes.
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' && multiline:
			b.WriteRune(r)
		case r == '\t' && multiline:
			b.WriteString("    ")
		case r < 0x20:
			b.WriteRune(0x2400 + r) // control pictures: ␀ … ␟, ␛ for ESC
		case r == 0x7f:
			b.WriteRune('\u2421') // ␡
		case r >= 0x80 && r <= 0x9f, IsBidiControl(r), r == utf8.RuneError:
			b.WriteRune('\uFFFD')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isPlain reports whether s is printable ASCII only (the common case), so
// sanitize can return it without copying.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// IsBidiControl reports the explicit bidirectional formatting characters
// (embeddings, overrides, isolates and marks), which can make text read
// differently from what it says. Line and Text replace them.
func IsBidiControl(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c
}

// Inert reports whether s holds nothing a terminal could act on: valid
// UTF-8 without C0 or C1 controls, DEL or bidirectional controls (line
// feeds allowed when multiline). Tests use it to check output.
func Inert(s string, multiline bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r == '\n' && multiline {
			continue
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || IsBidiControl(r) {
			return false
		}
	}
	return true
}
