package tui

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSanitize(t *testing.T) {
	tests := []struct {
		name, in, want, wantText string
	}{
		{"plain", "No pneumothorax.", "No pneumothorax.", "No pneumothorax."},
		{"clear screen", "a\x1b[2Jb", "ab", "ab"},
		{"osc52 clipboard", "x\x1b]52;c;ZWNobyBoaQ==\x07y", "xy", "xy"},
		{"osc52 st", "x\x1b]52;c;ZWNobyBoaQ==\x1b\\y", "xy", "xy"},
		{"lone esc", "a\x1b", "a", "a"},
		{"bell", "a\x07b", "a␇b", "a␇b"},
		{"newline", "a\nb", "a\u240ab", "a\nb"},
		{"crlf", "a\r\nb", "a\u240d\u240ab", "a\nb"},
		{"tab", "a\tb", "a\u2409b", "a    b"},
		{"del", "a\x7fb", "a␡b", "a␡b"},
		{"c1 csi utf8", "a\u009b2Jb", "a\uFFFD2Jb", "a\uFFFD2Jb"},
		{"invalid utf8", "a\xffb", "a\uFFFDb", "a\uFFFDb"},
		{"bidi override", "a\u202eb", "a\uFFFDb", "a\uFFFDb"},
		{"unicode kept", "épanchement — 胸", "épanchement — 胸", "épanchement — 胸"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Sanitize(tt.in))
			assert.Equal(t, tt.wantText, SanitizeText(tt.in))
		})
	}
}

// assertInert fails when s holds anything a terminal could act on.
func assertInert(t *testing.T, s string, multiline bool) {
	t.Helper()
	require.True(t, utf8.ValidString(s), "invalid UTF-8: %q", s)
	for _, r := range s {
		if r == '\n' && multiline {
			continue
		}
		require.False(t, r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || isBidiControl(r),
			"control %U left in %q", r, s)
	}
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"", "No pneumothorax.", "\x1b[2J", "\x1b]52;c;aGk=\x07", "\x1bP+q\x1b\\", "\u009b31m", "\xff\xfe", "a\r\nb\tc", "\x1b_Gf=100;AAAA\x1b\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		one := Sanitize(in)
		assertInert(t, one, false)
		require.Equal(t, one, Sanitize(one), "Sanitize is not idempotent")
		multi := SanitizeText(in)
		assertInert(t, multi, true)
		require.Equal(t, multi, SanitizeText(multi), "SanitizeText is not idempotent")
		require.NotContains(t, multi, "\x1b")
		require.False(t, strings.ContainsRune(one, '\n'))
	})
}
