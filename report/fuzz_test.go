package report

import (
	"strings"
	"testing"
)

// FuzzMarkdownText checks mdText's promise on any input: one line, no
// HTML tag or entity left raw, and every character that could open
// Markdown (a link, an image, emphasis, code, a table cell) escaped.
func FuzzMarkdownText(f *testing.F) {
	for _, s := range append(hostile, "1. list", "# heading", "www.example.com", "a|b", "x\ny", "`code`", "*em*") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := mdText(s)
		if strings.ContainsAny(out, "<>\n\r") {
			t.Fatalf("mdText(%q) = %q: raw markup or a line break", s, out)
		}
		for i := 0; i < len(out); i++ {
			c := out[i]
			if c == '\\' {
				i++ // an escape and what it escapes
				continue
			}
			if strings.IndexByte("`*_[]()!|", c) >= 0 {
				t.Fatalf("mdText(%q) = %q: %q at %d is not escaped", s, out, c, i)
			}
		}
	})
}
