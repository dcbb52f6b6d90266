package render

import (
	"context"
	"image/color"
	"strconv"
	"strings"
)

// blockGrays is the grey ramp of the half-block canvas.
const blockGrays = 240

// encodeBlocks draws two canvas pixels per cell with the upper half block:
// the top pixel as foreground, the bottom one as background. Colours are
// true colour, or the nearest of the xterm 256-colour palette when the
// terminal lacks true colour.
func (e *encoder) encodeBlocks(_ context.Context, req Request, g geometry) (Picture, error) {
	pal := grayPalette(blockGrays, false)
	// Boxes are drawn in cell space (cellMarks), not into the pixels.
	var marks [][]*cellMark
	if req.ShowBoxes {
		marks = cellMarks(req.Overlays, g.img, g.cols, g.rows)
		req.ShowBoxes = false
	}
	labelFg, labelBg := labelSGR(e.caps.TrueColor)
	img := e.canvasFor(req, g, pal, blockGrays, false)
	sgrFg := make([]string, len(pal))
	sgrBg := make([]string, len(pal))
	for i, c := range pal {
		rgba := color.RGBAModel.Convert(c).(color.RGBA)
		if e.caps.TrueColor {
			rgb := strconv.Itoa(int(rgba.R)) + ";" + strconv.Itoa(int(rgba.G)) + ";" + strconv.Itoa(int(rgba.B))
			sgrFg[i], sgrBg[i] = "38;2;"+rgb, "48;2;"+rgb
		} else {
			n := strconv.Itoa(int(xterm256(rgba)))
			sgrFg[i], sgrBg[i] = "38;5;"+n, "48;5;"+n
		}
	}
	// Many palette entries share an SGR (greys collapse onto the 24-step
	// ramp in 256 colours): compare canonical entries so runs of the same
	// colour emit no redundant escape sequences.
	canon := make([]int, len(pal))
	first := map[string]int{}
	for i, s := range sgrFg {
		if j, ok := first[s]; ok {
			canon[i] = j
		} else {
			first[s], canon[i] = i, i
		}
	}
	var b strings.Builder
	b.Grow(g.rows * g.cols * 20)
	for r := range g.rows {
		if r > 0 {
			b.WriteByte('\n')
		}
		top := img.Pix[img.PixOffset(0, 2*r) : img.PixOffset(0, 2*r)+g.cols]
		bot := img.Pix[img.PixOffset(0, 2*r+1) : img.PixOffset(0, 2*r+1)+g.cols]
		lastT, lastB := -1, -1
		for c := range g.cols {
			t, bo := canon[top[c]], canon[bot[c]]
			if marks != nil && marks[r][c] != nil {
				// The glyph on the cell's grey: the darker of its two pixels
				// (the palette is a ramp, so the lower index), so the line
				// stands out on the lung fields it crosses.
				m := marks[r][c]
				b.WriteString("\x1b[0;" + markSGR(m, labelFg, labelBg, sgrBg[min(t, bo)], e.caps.TrueColor) + "m" + m.glyph + "\x1b[0m")
				lastT, lastB = -1, -1
				continue
			}
			switch {
			case t != lastT && bo != lastB:
				b.WriteString("\x1b[" + sgrFg[t] + ";" + sgrBg[bo] + "m")
			case t != lastT:
				b.WriteString("\x1b[" + sgrFg[t] + "m")
			case bo != lastB:
				b.WriteString("\x1b[" + sgrBg[bo] + "m")
			}
			lastT, lastB = t, bo
			b.WriteString("▀")
		}
		b.WriteString("\x1b[0m")
	}
	return Picture{Cells: b.String(), Cols: g.cols, Rows: g.rows, WidthPX: g.canvas.Dx(), HeightPX: g.canvas.Dy()}, nil
}

// xterm256 returns the nearest xterm 256-colour index (the 6x6x6 cube or
// the 24-step grey ramp; the 16 system colours are skipped because themes
// redefine them).
func xterm256(c color.RGBA) uint8 {
	cube := func(v uint8) (int, int) {
		levels := [6]int{0, 95, 135, 175, 215, 255}
		best, bi := 1<<30, 0
		for i, l := range levels {
			if d := (int(v) - l) * (int(v) - l); d < best {
				best, bi = d, i
			}
		}
		return bi, levels[bi]
	}
	ri, rv := cube(c.R)
	gi, gv := cube(c.G)
	bi, bv := cube(c.B)
	dist := func(r, g, b int) int {
		dr, dg, db := int(c.R)-r, int(c.G)-g, int(c.B)-b
		return dr*dr + dg*dg + db*db
	}
	idx, best := 16+36*ri+6*gi+bi, dist(rv, gv, bv)
	avg := (int(c.R) + int(c.G) + int(c.B)) / 3
	k := max(0, min(23, (avg-8+5)/10))
	gray := 8 + 10*k
	if d := dist(gray, gray, gray); d < best {
		idx = 232 + k
	}
	return uint8(idx)
}
