package main

import (
	"image"
	"math"
	"sort"
)

// rgb is a pixel's colour.
type rgb [3]uint8

// grid is where the cells are on the screenshot.
type grid struct {
	cols, rows, left, top, cw, ch int
	ignore                        map[rgb]bool
	skip                          [4]int // cell rectangle X0,Y0,X1,Y1 left out; -1s: none
	only                          [4]int // cell rectangle reported on (main)
}

// opts are the measurement's thresholds.
type opts struct {
	// minPx is the pixels a colour must cover to be a cell's candidate
	// ink; coreMin the pixels it must cover for the cell to show the
	// ink's core (a solid stroke, not only anti-aliased edges).
	minPx, coreMin int
	// maxColours: cells with more distinct colours are pictures.
	maxColours int
}

// textCell is one cell that holds text: its background (the commonest
// colour), its candidate ink (the highest-contrast colour covering minPx
// pixels, with the pixels it covers) and its extreme pixel (the
// highest-contrast colour of any count).
type textCell struct {
	x, y        int
	bg, cand, e rgb
	candPx      int
}

// measured is a cell's ink as the glyph cores say: ink is the solid ink
// of its text; thin is true when no pixel of the cell reaches it (a thin
// glyph, its pixels all blends of ink and background); unexplained when
// its pixels are a blend of no solid ink found on the screen (then ink is
// the candidate, as a per-cell measure would say).
type measured struct {
	x, y              int
	ink, bg           rgb
	ratio             float64
	thin, unexplained bool
}

// scan finds the text cells of img.
func scan(img image.Image, g grid, o opts) []textCell {
	b := img.Bounds()
	cw, ch := (b.Dx()-g.left)/g.cols, (b.Dy()-g.top)/g.rows
	if g.cw > 0 {
		cw = g.cw
	}
	if g.ch > 0 {
		ch = g.ch
	}
	var cells []textCell
	for cy := range g.rows {
		for cx := range g.cols {
			if cx >= g.skip[0] && cx <= g.skip[2] && cy >= g.skip[1] && cy <= g.skip[3] {
				continue
			}
			if c, ok := scanCell(img, b.Min.X+g.left+cx*cw, b.Min.Y+g.top+cy*ch, cw, ch, o, g.ignore); ok {
				c.x, c.y = cx, cy
				cells = append(cells, c)
			}
		}
	}
	return cells
}

// scanCell reads one cell; ok is false for a blank cell or a picture.
func scanCell(img image.Image, x0, y0, w, h int, o opts, ignore map[rgb]bool) (textCell, bool) {
	hist := map[rgb]int{}
	for y := y0; y < y0+h; y++ {
		for x := x0; x < x0+w; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			hist[rgb{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8)}]++
		}
	}
	if len(hist) < 2 || len(hist) > o.maxColours {
		return textCell{}, false
	}
	c := textCell{}
	most := -1
	for col, n := range hist {
		if n > most || (n == most && less(col, c.bg)) {
			c.bg, most = col, n
		}
	}
	best, extreme := -1.0, -1.0
	for col, n := range hist {
		if col == c.bg {
			continue
		}
		r := contrast(col, c.bg)
		if r > extreme || (r == extreme && less(col, c.e)) {
			c.e, extreme = col, r
		}
		if n >= o.minPx && (r > best || (r == best && less(col, c.cand))) {
			c.cand, c.candPx, best = col, n, r
		}
	}
	if ignore[c.e] {
		// A frame line or a banner's edge, not text.
		return textCell{}, false
	}
	return c, best > 0
}

// less orders colours, so that ties are broken the same on every run.
func less(a, b rgb) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// solidInks are, per background, the inks of the cells that show a
// glyph's core (coreMin pixels of their candidate): the colours text is
// really drawn in on that background. Where the cell's extreme pixel is
// further along the candidate's line from the background, the candidate
// is a wide anti-aliased stem and the extreme pixel is the ink.
func solidInks(cells []textCell, coreMin int) map[rgb][]rgb {
	seen := map[[2]rgb]bool{}
	out := map[rgb][]rgb{}
	for _, c := range cells {
		ink := c.cand
		if c.e != c.cand && blendOf(c.cand, c.bg, c.e) {
			ink = c.e
		}
		k := [2]rgb{c.bg, ink}
		if c.candPx >= coreMin && !seen[k] {
			seen[k] = true
			out[c.bg] = append(out[c.bg], ink)
		}
	}
	for bg, inks := range out {
		sort.Slice(inks, func(i, j int) bool { return contrast(inks[i], bg) < contrast(inks[j], bg) })
	}
	return out
}

// blendOf reports whether p lies on the way from bg to ink (an
// anti-aliased pixel of ink on bg: bg + t·(ink−bg), 0 < t ≤ 1, within a
// few levels of rounding).
func blendOf(p, bg, ink rgb) bool {
	var d, v [3]float64
	var dd, dv float64
	for i := range p {
		d[i] = float64(ink[i]) - float64(bg[i])
		v[i] = float64(p[i]) - float64(bg[i])
		dd += d[i] * d[i]
		dv += d[i] * v[i]
	}
	if dd == 0 {
		return false
	}
	t := dv / dd
	if t <= 0 || t > 1.03 {
		return false
	}
	var resid float64
	for i := range p {
		e := v[i] - t*d[i]
		resid += e * e
	}
	return math.Sqrt(resid) <= 6
}

// measure gives each text cell the solid ink its pixels show: its
// extreme pixel when that is a solid ink of its background and the
// candidate a blend of it (a glyph whose core shows only in a few
// pixels); else the least contrasting solid ink the extreme pixel is a
// blend of (the conservative reading: a dim ink and a bright one on the
// same line from the background are told apart by how far the pixels
// reach); else, unexplained, its candidate. Sorted lowest ratio first.
func measure(cells []textCell, o opts) []measured {
	solids := solidInks(cells, o.coreMin)
	isSolid := func(bg, c rgb) bool {
		for _, s := range solids[bg] {
			if s == c {
				return true
			}
		}
		return false
	}
	out := make([]measured, 0, len(cells))
	for _, c := range cells {
		m := measured{x: c.x, y: c.y, bg: c.bg, ink: c.cand, unexplained: true}
		if isSolid(c.bg, c.e) && (c.e == c.cand || blendOf(c.cand, c.bg, c.e)) {
			m.ink, m.unexplained = c.e, false
		} else {
			for _, s := range solids[c.bg] {
				if blendOf(c.e, c.bg, s) {
					m.ink, m.unexplained, m.thin = s, false, true
					break
				}
			}
		}
		m.ratio = contrast(m.ink, m.bg)
		out = append(out, m)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ratio < out[j].ratio })
	return out
}

// contrast is the WCAG 2 contrast ratio of two sRGB colours.
func contrast(a, b rgb) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(c rgb) float64 {
	lin := func(v uint8) float64 {
		s := float64(v) / 255
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c[0]) + 0.7152*lin(c[1]) + 0.0722*lin(c[2])
}
