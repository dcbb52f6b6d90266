package pyconst

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzConstant: no source makes Parse, Constant, Pieces or Format panic;
// a value read has a line for every byte, inside the file; a rendering
// without fields is the value with its braces undoubled.
func FuzzConstant(f *testing.F) {
	for _, c := range readCases {
		f.Add(c.src)
	}
	for _, c := range refuseCases {
		f.Add(c.src)
	}
	f.Add("P = '''{{{label_list}}}\\\n{x!r}'''")
	f.Fuzz(func(t *testing.T, src string) {
		m, err := Parse("m.py", []byte(src))
		if err != nil {
			return
		}
		s, err := m.Constant("P")
		if err != nil {
			return
		}
		if len(s.lines) != len(s.Value) {
			t.Fatalf("%d lines for %d bytes", len(s.lines), len(s.Value))
		}
		n := strings.Count(src, "\n") + strings.Count(src, "\r") + 1
		for _, l := range s.lines {
			if l < 1 || l > n {
				t.Fatalf("line %d outside 1..%d", l, n)
			}
		}
		if !utf8.ValidString(s.Value) {
			t.Fatalf("value %q is not UTF-8", s.Value)
		}
		got, err := s.Format(map[string]string{})
		if err == nil && got != strings.NewReplacer("{{", "{", "}}", "}").Replace(s.Value) {
			t.Fatalf("Format without fields: %q from %q", got, s.Value)
		}
	})
}

// FuzzRoundTrip: any text written as a Python literal in any style is read
// back exactly.
func FuzzRoundTrip(f *testing.F) {
	f.Add("plain", uint64(1))
	f.Add("tricky \\ ' \" \n \t {x} é 😀 \x00", uint64(7))
	f.Fuzz(func(t *testing.T, text string, seed uint64) {
		if !utf8.ValidString(text) || strings.ContainsAny(text, "\r") {
			return // source text is UTF-8; a raw CR would be read as LF
		}
		rng := rand.New(rand.NewPCG(seed, seed>>1))
		src := "P = " + literal(rng, text) + "\n"
		m, err := Parse("m.py", []byte(src))
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		s, err := m.Constant("P")
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		if s.Value != text {
			t.Fatalf("%q: read %q, want %q", src, s.Value, text)
		}
	})
}
