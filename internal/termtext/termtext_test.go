package termtext

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLineAndText(t *testing.T) {
	tests := []struct {
		name, in, want, wantText string
	}{
		{"plain", "No pneumothorax.", "No pneumothorax.", "No pneumothorax."},
		{"clear screen", "a\x1b[2Jb", "ab", "ab"},
		{"osc52 clipboard", "x\x1b]52;c;ZWNobyBoaQ==\x07y", "xy", "xy"},
		{"osc52 st", "x\x1b]52;c;ZWNobyBoaQ==\x1b\\y", "xy", "xy"},
		{"window title", "x\x1b]0;pwned\x07y", "xy", "xy"},
		{"lone esc", "a\x1b", "a", "a"},
		{"bell", "a\x07b", "a␇b", "a␇b"},
		{"newline", "a\nb", "a\u240ab", "a\nb"},
		{"crlf", "a\r\nb", "a\u240d\u240ab", "a\nb"},
		{"carriage return alone", "safe\rEVIL", "safe\u240dEVIL", "safe\u240dEVIL"},
		{"tab", "a\tb", "a\u2409b", "a    b"},
		{"del", "a\x7fb", "a␡b", "a␡b"},
		{"c1 csi utf8", "a\u009b2Jb", "a\uFFFD2Jb", "a\uFFFD2Jb"},
		{"c1 csi raw byte", "a\x9b2Jb", "a\uFFFD2Jb", "a\uFFFD2Jb"},
		{"invalid utf8", "a\xffb", "a\uFFFDb", "a\uFFFDb"},
		{"bidi override", "a\u202eb", "a\uFFFDb", "a\uFFFDb"},
		{"bidi isolate", "a\u2066b\u2069", "a\uFFFDb\uFFFD", "a\uFFFDb\uFFFD"},
		{"unicode kept", "épanchement — 胸", "épanchement — 胸", "épanchement — 胸"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Line(tt.in))
			assert.Equal(t, tt.wantText, Text(tt.in))
			assert.True(t, Inert(Line(tt.in), false))
			assert.True(t, Inert(Text(tt.in), true))
		})
	}
}

func TestInert(t *testing.T) {
	assert.True(t, Inert("a b — é", false))
	assert.True(t, Inert("a\nb", true))
	assert.False(t, Inert("a\nb", false))
	for _, s := range []string{"\x1b[2J", "\a", "\u009b", "\u202e", "\xff", "\x7f"} {
		assert.False(t, Inert(s, true), "%q", s)
	}
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"", "No pneumothorax.", "\x1b[2J", "\x1b]52;c;aGk=\x07", "\x1bP+q\x1b\\", "\u009b31m", "\xff\xfe", "a\r\nb\tc", "\x1b_Gf=100;AAAA\x1b\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		one := Line(in)
		require.True(t, Inert(one, false), "Line left a control in %q", one)
		require.Equal(t, one, Line(one), "Line is not idempotent")
		multi := Text(in)
		require.True(t, Inert(multi, true), "Text left a control in %q", multi)
		require.Equal(t, multi, Text(multi), "Text is not idempotent")
		require.NotContains(t, multi, "\x1b")
		require.False(t, strings.ContainsRune(one, '\n'))
	})
}

func BenchmarkLine(b *testing.B) {
	plain := strings.Repeat("No pneumothorax. ", 20)
	hostile := strings.Repeat("a\x1b[2Jb\x1b]52;c;aGk=\x07\u202e", 20)
	b.Run("plain", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = Line(plain)
		}
	})
	b.Run("hostile", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = Line(hostile)
		}
	})
}

func TestJSON(t *testing.T) {
	type row struct {
		ID   string `json:"id"`
		Note string `json:"note"`
	}
	in := row{ID: "a\x1b[2J\u009b31m\u202eb\x7f", Note: "épanchement\n胸\a"}
	raw, err := json.Marshal(in)
	require.NoError(t, err)
	safe := JSON(raw)
	assert.True(t, Inert(string(safe), false), "%q", safe)
	var back row
	require.NoError(t, json.Unmarshal(safe, &back))
	assert.Equal(t, in, back, "the value is unchanged")
	plain := []byte(`{"id":"x"}`)
	assert.Equal(t, &plain[0], &JSON(plain)[0], "ASCII JSON is returned as is")
}

func FuzzJSON(f *testing.F) {
	for _, s := range []string{"", "x", "\x1b[2J", "\u009b", "\u202e", "\x7f", "\xff", "é胸"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		raw, err := json.Marshal(map[string]string{s: s})
		require.NoError(t, err)
		safe := JSON(raw)
		require.True(t, Inert(string(safe), false), "%q", safe)
		var a, b map[string]string
		require.NoError(t, json.Unmarshal(raw, &a))
		require.NoError(t, json.Unmarshal(safe, &b))
		require.Equal(t, a, b)
	})
}
