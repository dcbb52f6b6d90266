package termtext

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCSVCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"", ""},
		{"=1+1", "'=1+1"},
		{"+1+1", "'+1+1"},
		{"-1+1", "'-1+1"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"-12", "-12"},
		{"+3.5", "+3.5"},
		{"-1e5", "-1e5"},
		{"-.5", "-.5"},
		{"-", "'-"},
		{"-e5", "'-e5"},
		{"-1e", "'-1e"},
		{"\x1b[31m=red", "'=red"},
		{"a=b", "a=b"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, CSVCell(tt.in, false), "%q", tt.in)
	}
	assert.Equal(t, "two\nlines", CSVCell("two\nlines", true))
	assert.Equal(t, "two\u240alines", CSVCell("two\nlines", false))
}

// FuzzCSVCell: whatever the input, the cell is inert on a terminal and no
// spreadsheet formula.
func FuzzCSVCell(f *testing.F) {
	for _, s := range []string{"=1", "-12", "\t=x", "\r=x", "\x1b]0;t\x07", "@a", "+-1", "-1.5e-3", "é"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, multiline bool) {
		got := CSVCell(s, multiline)
		if !Inert(got, multiline) {
			t.Fatalf("CSVCell(%q) = %q is not inert", s, got)
		}
		if got != "" && strings.ContainsRune("=+-@\t\r", rune(got[0])) && !PlainNumber(got) {
			t.Fatalf("CSVCell(%q) = %q starts a formula", s, got)
		}
	})
}
