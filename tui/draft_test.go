package tui

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
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

// lineTexts returns the text of wrapped lines.
func lineTexts(lines [][]run) []string {
	var out []string
	for _, l := range lines {
		var b strings.Builder
		for _, r := range l {
			b.WriteString(r.text)
		}
		out = append(out, b.String())
	}
	return out
}

func TestWrapMarked(t *testing.T) {
	text := "Small left pleural effusion. No pneumothorax.\nHeart normal."
	lines := wrapMarked(text, highlight(text, []string{"pleural effusion"}, []string{"no pneumothorax"}), 20)
	assert.Equal(t, []string{"Small left pleural", "effusion. No", "pneumothorax.", "Heart normal."}, lineTexts(lines))
	assert.True(t, lineHas(lines[1], styleSelected), "the selected span is marked across the break")
	assert.True(t, lineHas(lines[2], styleSelected))
	assert.False(t, lineHas(lines[3], styleSelected))
	assert.True(t, lineHas(lines[0], styleSpan))
	assert.Equal(t, [][]run{{{text: "ab"}}, {{text: "c"}}}, wrapMarked("abc", make([]uint8, 3), 2), "a long word is cut")
}

// TestWrapGraphemes: a ZWJ emoji sequence and a flag are one grapheme of
// two cells each. Wrapping per rune counted the family as six cells and
// the flag as four, broke lines early and could split a cluster.
func TestWrapGraphemes(t *testing.T) {
	tests := []struct {
		name, text string
		w          int
		want       []string
	}{
		{"ZWJ family fits", "👨\u200d👩\u200d👧 family", 9, []string{"👨\u200d👩\u200d👧 family"}},
		{"flag fits", "🇫🇷 ok", 5, []string{"🇫🇷 ok"}},
		{"cluster not split", "ab👨\u200d👩\u200d👧", 3, []string{"ab", "👨\u200d👩\u200d👧"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := lineTexts(wrapMarked(tt.text, make([]uint8, len(tt.text)), tt.w))
			assert.Equal(t, tt.want, got)
			for _, l := range got {
				assert.LessOrEqual(t, ansi.StringWidth(l), tt.w)
			}
		})
	}
}

func FuzzWrapMarked(f *testing.F) {
	f.Add("Small left pleural effusion. No pneumothorax.", 7)
	f.Add("胸部 X 線 写真", 3)
	f.Add("👨\u200d👩\u200d👧 🇫🇷\tx\u3000y", 2)
	f.Fuzz(func(t *testing.T, s string, w int) {
		if w < 2 || w > 200 {
			return
		}
		s = SanitizeText(s)
		marks := make([]uint8, len(s))
		for i := range marks {
			marks[i] = uint8(i % 3)
		}
		var kept strings.Builder
		for _, l := range wrapMarked(s, marks, w) {
			var b strings.Builder
			for _, r := range l {
				b.WriteString(r.text)
			}
			if g := b.String(); ansi.StringWidth(g) > w {
				// Only a single grapheme wider than the line may overflow.
				require.Equal(t, 1, len(graphemes(g)), "line %q is wider than %d", g, w)
			}
			kept.WriteString(b.String())
		}
		// Nothing is lost but the blanks and line feeds the wrap breaks at.
		require.Equal(t, strings.Join(strings.Fields(s), ""), strings.Join(strings.Fields(kept.String()), ""))
	})
}

func graphemes(s string) []string {
	var out []string
	for len(s) > 0 {
		g, _ := ansi.FirstGraphemeCluster(s, ansi.GraphemeWidth)
		out = append(out, g)
		s = s[len(g):]
	}
	return out
}
