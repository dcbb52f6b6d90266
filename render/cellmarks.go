package render

import (
	"image"
	"image/color"
	"strconv"
)

// Half-block pictures have two pixels per cell, so an outline drawn in
// pixels is a bar one or more cells thick over the anatomy, and a bitmap
// tag needs more pixels than the picture has. Instead, boxes on half-block
// pictures are drawn in cell space with box-drawing glyphs in the label's
// colour (thin lines inside the cell, the picture's grey behind them) and
// the tag as text on the top edge, like chafa's symbol output: the line
// style says what colour alone cannot, light for a box, heavy for the
// selected one, double for an urgent one.

// cellMark is what a cell of a half-block picture shows instead of its two
// pixels: a glyph in an overlay's colour, or one character of a tag.
type cellMark struct {
	glyph string
	slot  int  // overlaySlot of the label (1-based)
	tag   bool // part of a tag: black on the label colour
	bold  bool // the selected box
}

// glyph sets of the outline styles: corners top-left, top-right,
// bottom-left, bottom-right, then horizontal and vertical.
var (
	lightBox  = [6]string{"┌", "┐", "└", "┘", "─", "│"}
	heavyBox  = [6]string{"┏", "┓", "┗", "┛", "━", "┃"}
	doubleBox = [6]string{"╔", "╗", "╚", "╝", "═", "║"}
	// Dashed and dotted strokes keep the corners and break the edges.
	dashedBox      = [6]string{"┌", "┐", "└", "┘", "╌", "╎"}
	heavyDashedBox = [6]string{"┏", "┓", "┗", "┛", "╍", "╏"}
	dottedBox      = [6]string{"┌", "┐", "└", "┘", "┈", "┊"}
	heavyDottedBox = [6]string{"┏", "┓", "┗", "┛", "┉", "┋"}
)

// strokeGlyphs is the glyph set of an outline: the stroke's, heavy when
// selected; solid strokes are double when urgent.
func strokeGlyphs(o Overlay) [6]string {
	switch {
	case o.Stroke == StrokeDashed && o.Selected:
		return heavyDashedBox
	case o.Stroke == StrokeDashed:
		return dashedBox
	case o.Stroke == StrokeDotted && o.Selected:
		return heavyDottedBox
	case o.Stroke == StrokeDotted:
		return dottedBox
	case o.Urgent:
		return doubleBox
	case o.Selected:
		return heavyBox
	}
	return lightBox
}

// cellMarks lays the overlays out on a cols x rows half-block picture whose
// image occupies img (in canvas pixels: one per cell across, two per cell
// down). Later overlays are drawn over earlier ones; the selected one is
// drawn last so nothing hides it. The result has rows slices of cols
// entries; nil means the picture shows through.
func cellMarks(ovs []Overlay, img image.Rectangle, cols, rows int) [][]*cellMark {
	marks := make([][]*cellMark, rows)
	for y := range marks {
		marks[y] = make([]*cellMark, cols)
	}
	order := make([]Overlay, 0, len(ovs))
	for _, o := range ovs {
		if !o.Selected {
			order = append(order, o)
		}
	}
	for _, o := range ovs {
		if o.Selected {
			order = append(order, o)
		}
	}
	set := func(x, y int, m *cellMark) {
		if x >= 0 && y >= 0 && x < cols && y < rows {
			marks[y][x] = m
		}
	}
	for _, o := range order {
		if !o.Box.Valid() {
			continue
		}
		r := pixRect(o.Box, img)
		if r.Empty() {
			continue
		}
		x0, x1 := r.Min.X, r.Max.X-1
		y0, y1 := r.Min.Y/2, (r.Max.Y-1)/2
		g := strokeGlyphs(o)
		slot := overlaySlot(o.Label)
		at := func(x, y int) string { return outlineGlyph(g, x, y, x0, y0, x1, y1) }
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				if y == y0 || y == y1 || x == x0 || x == x1 {
					set(x, y, &cellMark{glyph: at(x, y), slot: slot, bold: o.Selected})
				}
			}
		}
		// The tag sits on the top edge after the corner, or on the corner
		// itself when the box is too narrow for both.
		tx := x0 + 1
		if x1-x0+1 < len(o.Tag)+2 {
			tx = x0
		}
		for i, c := range o.Tag {
			if c < 0x20 || c > 0x7e {
				c = '?' // ASCII only: one cell each, on every terminal
			}
			set(tx+i, y0, &cellMark{glyph: string(c), slot: slot, tag: true, bold: true})
		}
	}
	return marks
}

// outlineGlyph is the glyph of cell (x, y) on the outline of the box from
// (x0, y0) to (x1, y1) in style g; a box one cell wide or high gets tees
// and a bar.
func outlineGlyph(g [6]string, x, y, x0, y0, x1, y1 int) string {
	top, bottom, left, right := y == y0, y == y1, x == x0, x == x1
	switch {
	case x0 == x1 && y0 == y1:
		return "+"
	case x0 == x1 && top:
		return "┬"
	case x0 == x1 && bottom:
		return "┴"
	case x0 == x1:
		return "│"
	case y0 == y1 && left:
		return "├"
	case y0 == y1 && right:
		return "┤"
	case top && left:
		return g[0]
	case top && right:
		return g[1]
	case bottom && left:
		return g[2]
	case bottom && right:
		return g[3]
	case top || bottom:
		return g[4]
	}
	return g[5]
}

// markSGR returns the SGR parameters of a mark drawn over a cell whose
// picture colour (the background behind the glyph) is bg, an SGR
// background parameter string.
func markSGR(m *cellMark, labelFg, labelBg []string, bg string, trueColor bool) string {
	s := ""
	if m.bold {
		s = "1;"
	}
	if m.tag {
		black := "38;5;16"
		if trueColor {
			black = "38;2;0;0;0"
		}
		return s + black + ";" + labelBg[m.slot]
	}
	return s + labelFg[m.slot] + ";" + bg
}

// labelSGR returns the foreground and background SGR parameters of every
// overlay colour, indexed by slot (1-based; entry 0 unused).
func labelSGR(trueColor bool) (fg, bg []string) {
	fg, bg = make([]string, len(overlayPercent)), make([]string, len(overlayPercent))
	for slot, p := range overlayPercent {
		if slot == 0 {
			continue
		}
		r, g, b := pctTo8(p[0]), pctTo8(p[1]), pctTo8(p[2])
		if trueColor {
			rgb := strconv.Itoa(int(r)) + ";" + strconv.Itoa(int(g)) + ";" + strconv.Itoa(int(b))
			fg[slot], bg[slot] = "38;2;"+rgb, "48;2;"+rgb
		} else {
			n := strconv.Itoa(int(xterm256(color.RGBA{R: r, G: g, B: b, A: 0xFF})))
			fg[slot], bg[slot] = "38;5;"+n, "48;5;"+n
		}
	}
	return fg, bg
}
