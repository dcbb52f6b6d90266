package tui

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestComputeLayout(t *testing.T) {
	tests := []struct {
		name          string
		w, h, help    int
		tooSmall      bool
		wide          bool
		worklist      Rect
		image         Rect
		disagreements Rect
		draft         Rect
		status, hlp   Rect
	}{
		{name: "too narrow", w: 59, h: 40, help: 1, tooSmall: true},
		{name: "too short", w: 200, h: 17, help: 1, tooSmall: true},
		{name: "minimum", w: 60, h: 18, help: 1,
			worklist: Rect{0, 0, 18, 15}, image: Rect{18, 0, 18, 10}, disagreements: Rect{36, 0, 24, 10},
			draft: Rect{18, 10, 42, 5}, status: Rect{0, 15, 60, 2}, hlp: Rect{0, 17, 60, 1}},
		{name: "80x24", w: 80, h: 24, help: 1,
			worklist: Rect{0, 0, 18, 21}, image: Rect{18, 0, 26, 14}, disagreements: Rect{44, 0, 36, 14},
			draft: Rect{18, 14, 62, 7}, status: Rect{0, 21, 80, 2}, hlp: Rect{0, 23, 80, 1}},
		{name: "80x24 full help is clamped", w: 80, h: 24, help: 9,
			worklist: Rect{0, 0, 18, 13}, image: Rect{18, 0, 14, 8}, disagreements: Rect{32, 0, 48, 8},
			draft: Rect{18, 8, 62, 5}, status: Rect{0, 13, 80, 2}, hlp: Rect{0, 15, 80, 9}},
		{name: "120x40 wide", w: 120, h: 40, help: 1, wide: true,
			worklist: Rect{0, 0, 24, 37}, image: Rect{24, 0, 58, 37}, disagreements: Rect{82, 0, 38, 14},
			draft: Rect{82, 14, 38, 23}, status: Rect{0, 37, 120, 2}, hlp: Rect{0, 39, 120, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := ComputeLayout(tt.w, tt.h, tt.help)
			require.Equal(t, tt.tooSmall, l.TooSmall)
			if tt.tooSmall {
				return
			}
			assert.Equal(t, tt.wide, l.Wide)
			assert.Equal(t, tt.worklist, l.Worklist, "worklist")
			assert.Equal(t, tt.image, l.Image, "image")
			assert.Equal(t, tt.disagreements, l.Disagreements, "disagreements")
			assert.Equal(t, tt.draft, l.Draft, "draft")
			assert.Equal(t, tt.status, l.Status, "status")
			assert.Equal(t, tt.hlp, l.Help, "help")
		})
	}
}

// TestComputeLayoutTiles checks, for every size from the minimum up, that
// the panes tile the screen exactly: no overlap, no gap, nothing outside.
func TestComputeLayoutTiles(t *testing.T) {
	for w := MinWidth; w <= 220; w += 7 {
		for h := MinHeight; h <= 70; h += 5 {
			for _, help := range []int{1, 6} {
				l := ComputeLayout(w, h, help)
				require.False(t, l.TooSmall)
				grid := make([]int, w*h)
				for _, r := range []Rect{l.Worklist, l.Image, l.Disagreements, l.Draft, l.Status, l.Help} {
					require.False(t, r.Empty(), "%dx%d: empty pane %+v", w, h, r)
					for y := r.Y; y < r.Y+r.H; y++ {
						for x := r.X; x < r.X+r.W; x++ {
							if x < 0 || x >= w || y < 0 || y >= h {
								t.Fatalf("%dx%d: %+v outside the screen", w, h, r)
							}
							grid[y*w+x]++
						}
					}
				}
				for i, n := range grid {
					if n != 1 {
						t.Fatalf("%dx%d help %d: cell (%d,%d) covered %d times", w, h, help, i%w, i/w, n)
					}
				}
				assert.GreaterOrEqual(t, l.Image.Inner().H, 3, "%dx%d: image too short", w, h)
				assert.GreaterOrEqual(t, l.Draft.Inner().H, 3, "%dx%d: draft too short", w, h)
			}
		}
	}
}
