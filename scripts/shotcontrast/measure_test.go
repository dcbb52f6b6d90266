package main

import (
	"image"
	"image/color"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// blend is t of the way from bg to ink, as a glyph's anti-aliased edge.
func blend(bg, ink rgb, t float64) rgb {
	var out rgb
	for i := range out {
		out[i] = uint8(float64(bg[i]) + t*(float64(ink[i])-float64(bg[i])) + 0.5)
	}
	return out
}

// paint fills n pixels of the 10x22 cell at column cx with c, row by row
// from offset start.
func paint(img *image.RGBA, cx, start, n int, c rgb) {
	for k := range n {
		p := start + k
		img.Set(cx*10+p%10, p/10, color.RGBA{c[0], c[1], c[2], 0xff})
	}
}

// TestThinGlyphsMeasuredAtTheirInk: a thin glyph whose pixels are all
// blends is measured at the solid ink they blend, not at the blends
// (which put the old per-cell floor near 2:1); a dim ink on the same line
// from the background keeps its own, lower, ratio; pixels no solid ink
// explains are reported as they are.
func TestThinGlyphsMeasuredAtTheirInk(t *testing.T) {
	white, blue, red := rgb{255, 255, 255}, rgb{0x5C, 0x5C, 0xFF}, rgb{0xFF, 0, 0}
	dim := blend(white, blue, 0.5)
	img := image.NewRGBA(image.Rect(0, 0, 60, 22))
	for x := range 60 {
		for y := range 22 {
			img.Set(x, y, color.White)
		}
	}
	paint(img, 0, 20, 30, blue)                   // a thick glyph: blue's core
	paint(img, 0, 60, 6, blend(white, blue, 0.4)) // with its edges
	paint(img, 1, 20, 5, blend(white, blue, 0.7)) // a thin glyph: no pixel of blue
	paint(img, 1, 40, 5, blend(white, blue, 0.3))
	paint(img, 2, 20, 30, dim)                     // a dim ink's core
	paint(img, 3, 20, 5, blend(white, blue, 0.4))  // thin, not reaching blue beyond dim
	paint(img, 4, 20, 5, blend(white, red, 0.6))   // thin red: no red core anywhere
	paint(img, 5, 20, 10, blend(white, blue, 0.7)) // a stem short of blue,
	paint(img, 5, 40, 3, blue)                     // with a few pixels of its core
	o := opts{minPx: 4, coreMin: 8, maxColours: 24}
	ms := measure(scan(img, grid{cols: 6, rows: 1, skip: [4]int{-1, -1, -1, -1}}, o), o)
	byCol := map[int]measured{}
	for _, m := range ms {
		byCol[m.x] = m
	}
	require.Len(t, byCol, 6)
	cases := []struct {
		col               int
		ink               rgb
		thin, unexplained bool
	}{
		{0, blue, false, false},
		{1, blue, true, false},
		{2, dim, false, false},
		{3, dim, true, false},
		{4, blend(white, red, 0.6), false, true},
		{5, blue, false, false},
	}
	for _, c := range cases {
		m := byCol[c.col]
		assert.Equal(t, c.ink, m.ink, "cell %d", c.col)
		assert.InDelta(t, contrast(c.ink, white), m.ratio, 1e-9, "cell %d", c.col)
		assert.Equal(t, c.thin, m.thin, "cell %d thin", c.col)
		assert.Equal(t, c.unexplained, m.unexplained, "cell %d unexplained", c.col)
	}
	assert.InDelta(t, 4.74, byCol[1].ratio, 0.01, "mlterm's bold blue on white")
	assert.Less(t, contrast(blend(white, blue, 0.7), white), 3.0, "what the blends alone say")
}
