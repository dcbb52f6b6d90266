package tui

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFindSpan(t *testing.T) {
	tests := []struct {
		name, text, span string
		want             string
		ok               bool
	}{
		{"verbatim", "No pneumothorax. Small effusion.", "Small effusion", "Small effusion", true},
		{"verbatim wins over an earlier case-insensitive match", "small effusion; Small effusion", "Small effusion", "Small effusion", true},
		{"case-insensitive fallback", "NO PNEUMOTHORAX.", "no pneumothorax", "NO PNEUMOTHORAX", true},
		{"unicode case folding", "Épanchement pleural", "épanchement", "Épanchement", true},
		{"absent", "Clear lungs.", "effusion", "", false},
		{"empty span", "Clear lungs.", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b, ok := findSpan(tt.text, tt.span)
			require.Equal(t, tt.ok, ok)
			if ok {
				assert.Equal(t, tt.want, tt.text[a:b])
			}
		})
	}
}

func FuzzFindSpan(f *testing.F) {
	f.Add("No pneumothorax. Small effusion.", "SMALL effusion")
	f.Add("Épanchement", "éPANCHEMENT")
	f.Add("\xff\xfe", "\xfe")
	f.Fuzz(func(t *testing.T, text, span string) {
		a, b, ok := findSpan(text, span)
		if !ok {
			return
		}
		require.True(t, 0 <= a && a <= b && b <= len(text))
		got := text[a:b]
		if got != span {
			require.True(t, strings.EqualFold(got, span) || !utf8.ValidString(span) || !utf8.ValidString(got),
				"%q is not %q ignoring case", got, span)
		}
	})
}

func TestWrapRunes(t *testing.T) {
	text := highlight("Small left pleural effusion. No pneumothorax.\nHeart normal.", []string{"pleural effusion"}, []string{"no pneumothorax"})
	lines := wrapRunes(text, 20)
	var got []string
	for _, l := range lines {
		var b strings.Builder
		for _, c := range l {
			b.WriteRune(c.r)
		}
		got = append(got, b.String())
	}
	assert.Equal(t, []string{"Small left pleural", "effusion. No", "pneumothorax.", "Heart normal."}, got)
	assert.True(t, hasStyle(lines[1], styleSelected), "the selected span is marked across the break")
	assert.True(t, hasStyle(lines[0], styleSpan))
	assert.Equal(t, [][]styledRune{{{r: 'a'}, {r: 'b'}}, {{r: 'c'}}}, wrapRunes([]styledRune{{r: 'a'}, {r: 'b'}, {r: 'c'}}, 2), "a long word is cut")
}

func FuzzWrapRunes(f *testing.F) {
	f.Add("Small left pleural effusion. No pneumothorax.", 7)
	f.Add("胸部 X 線 写真", 3)
	f.Fuzz(func(t *testing.T, s string, w int) {
		if w < 2 || w > 200 {
			return
		}
		s = SanitizeText(s)
		var in []styledRune
		for _, r := range s {
			in = append(in, styledRune{r: r})
		}
		n := 0
		for _, l := range wrapRunes(in, w) {
			if len(l) > 1 {
				require.LessOrEqual(t, runesWidth(l), w)
			}
			n += len(l)
		}
		// Nothing is lost but the spaces and line feeds the wrap breaks at.
		kept := 0
		for _, r := range s {
			if r != ' ' && r != '\n' {
				kept++
			}
		}
		require.GreaterOrEqual(t, n, kept)
	})
}
