package tui

import (
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/stretchr/testify/assert"
)

// TestSalvageNoteFitsWhole: at 160 columns the image title cut the
// salvage warning mid-word ("check the…"); the warning is now shortened
// whole to what fits beside the id and the W/L readout.
func TestSalvageNoteFitsWhole(t *testing.T) {
	const id = "demo-03-ptx-missed"
	const rest = " · W 3800 C 2095 file VOI"
	cases := []struct {
		w    int
		want string
	}{
		{200, " · (!) findings salvaged: check them (r)"},
		{77, " · (!) findings salvaged: check them (r)"},
		{76, " · (!) findings salvaged (r)"},
		{65, " · (!) findings salvaged (r)"},
		{64, " · (!) salvaged (r)"},
		{56, " · (!) salvaged (r)"},
		{55, " · (!)"},
		{43, " · (!)"},
		{10, " · (!)"},
	}
	for _, tc := range cases {
		got := salvageNote(id, rest, tc.w)
		assert.Equal(t, tc.want, got, "w=%d", tc.w)
		title := fitTitle(id, "demo-", rest+got, tc.w)
		if tc.w >= 43 {
			assert.LessOrEqual(t, ansi.StringWidth(title), tc.w, "w=%d: %q", tc.w, title)
			assert.Contains(t, title, got, "w=%d", tc.w)
		}
	}
}
