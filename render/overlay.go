package render

import (
	"image"
	"math"

	"github.com/cxr-auditor/cxr-auditor/schema"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Overlay is one box to draw on the image.
type Overlay struct {
	// Box is in schema.BoxFormat, normalized to the original image.
	Box schema.Box
	// Label picks the colour (overlayPercent).
	Label schema.Label
	// Urgent boxes (a can't-miss label) get a double outline.
	Urgent bool
	// Selected is the box the reviewer is looking at: drawn twice as thick.
	Selected bool
	// Tag is an optional short text (say "1 PTX") drawn on a filled strip in
	// the box's colour at its top-left corner; empty draws none. Tags are
	// left out when the picture is too small to read them.
	Tag string
	// Stroke is the outline's line: solid (the zero value), dashed or
	// dotted, so boxes from different sources (two runs, the truth) stay
	// apart where colour says only the label.
	Stroke Stroke
	// Truth marks a ground-truth box: the text listing says [truth] (its
	// Stroke draws it apart in pictures).
	Truth bool
}

// Stroke is how an overlay's outline is drawn.
type Stroke int

// The strokes; StrokeSolid is the default.
const (
	StrokeSolid Stroke = iota
	StrokeDashed
	StrokeDotted
)

// on reports whether the stroke paints position i (pixels along the
// outline) for lines t px thick: dashes of 4t with gaps of 2t, dots of t
// with gaps of t.
func (s Stroke) on(i, t int) bool {
	switch s {
	case StrokeDashed:
		return i%(6*t) < 4*t
	case StrokeDotted:
		return i%(2*t) < t
	}
	return true
}

// overlayPercent is the Okabe-Ito colour-blind-safe palette (Okabe & Ito,
// 2008) in whole percent per channel, because sixel colour registers are
// percentages: a colour that is not a whole percent cannot be shown exactly.
var overlayPercent = [...][3]int{
	{0, 0, 0},    // unused: slot 0 means "no overlay"
	{34, 71, 91}, // sky blue        pleural_effusion
	{84, 37, 0},  // vermillion      pneumothorax
	{0, 62, 45},  // bluish green    lung_opacity_consolidation
	{80, 47, 65}, // reddish purple  nodule_mass
	{90, 62, 0},  // orange          cardiomegaly
	{0, 45, 70},  // blue            no_finding
	{94, 89, 26}, // yellow          anything else
}

// overlaySlot maps a label to its index in overlayPercent (1-based; the
// first entry is unused so that a zero slot means "none").
func overlaySlot(l schema.Label) int {
	switch l {
	case schema.PleuralEffusion:
		return 1
	case schema.Pneumothorax:
		return 2
	case schema.LungOpacity:
		return 3
	case schema.NoduleMass:
		return 4
	case schema.Cardiomegaly:
		return 5
	case schema.NoFinding:
		return 6
	}
	return 7
}

// numOverlayColors is how many palette entries overlays reserve.
const numOverlayColors = len(overlayPercent) - 1

func pctTo8(p int) uint8 { return uint8((p*255 + 50) / 100) }

// ShortLabel returns a compact tag for a label ("PTX", "NOD", "EFF", "OPAC",
// "CARD", "NF"), or the label itself when it is not canonical.
func ShortLabel(l schema.Label) string {
	switch l {
	case schema.PleuralEffusion:
		return "EFF"
	case schema.Pneumothorax:
		return "PTX"
	case schema.LungOpacity:
		return "OPAC"
	case schema.NoduleMass:
		return "NOD"
	case schema.Cardiomegaly:
		return "CARD"
	case schema.NoFinding:
		return "NF"
	}
	return string(l)
}

// pixRect converts a normalized box to pixel bounds inside an image
// rectangle r (which may be offset in the canvas).
func pixRect(b schema.Box, r image.Rectangle) image.Rectangle {
	w, h := float64(r.Dx()), float64(r.Dy())
	x0 := r.Min.X + int(math.Floor(clamp01(b.X0)*w))
	y0 := r.Min.Y + int(math.Floor(clamp01(b.Y0)*h))
	x1 := r.Min.X + int(math.Ceil(clamp01(b.X1)*w))
	y1 := r.Min.Y + int(math.Ceil(clamp01(b.Y1)*h))
	return image.Rect(x0, y0, x1, y1)
}

// lineWidth is the outline thickness for a canvas: min(w,h)/200 clamped to
// 1..3 px, so 2 px at typical pane sizes, 1 px on tiny (half-block)
// canvases, never so thick it hides the anatomy under it.
func lineWidth(canvas image.Rectangle) int {
	return max(1, min(3, min(canvas.Dx(), canvas.Dy())/200))
}

// drawOverlays paints outlines (and tags) into a paletted canvas in which
// overlay colours start at index first. img is the image's rectangle in the
// canvas. Drawing is index assignment: crisp, no anti-aliasing.
//
// Styles: an outline of lw px; Selected doubles it; Urgent adds a second
// outline lw px outside the first, with a lw px gap, so a can't-miss box
// reads as a double frame even in a colour-blind or monochrome glance.
func drawOverlays(dst *image.Paletted, img image.Rectangle, ovs []Overlay, first int) {
	lw := lineWidth(dst.Rect)
	tags := dst.Rect.Dy() >= 160 && dst.Rect.Dx() >= 120
	for _, o := range ovs {
		if !o.Box.Valid() {
			continue
		}
		idx := uint8(first + overlaySlot(o.Label) - 1)
		r := pixRect(o.Box, img)
		t := lw
		if o.Selected {
			t = 2 * lw
		}
		strokeRect(dst, r, t, idx, o.Stroke)
		if o.Urgent {
			strokeRect(dst, r.Inset(-(t + lw)), lw, idx, o.Stroke)
		}
		if tags && o.Tag != "" {
			drawTag(dst, r.Min, o.Tag, idx)
		}
	}
}

// strokeRect draws a t px outline just inside r (clipped to dst) in
// stroke s.
func strokeRect(dst *image.Paletted, r image.Rectangle, t int, idx uint8, s Stroke) {
	if r.Dx() <= 0 || r.Dy() <= 0 {
		return
	}
	t = min(t, (r.Dx()+1)/2, (r.Dy()+1)/2)
	if s == StrokeSolid {
		fill(dst, image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+t), idx)
		fill(dst, image.Rect(r.Min.X, r.Max.Y-t, r.Max.X, r.Max.Y), idx)
		fill(dst, image.Rect(r.Min.X, r.Min.Y, r.Min.X+t, r.Max.Y), idx)
		fill(dst, image.Rect(r.Max.X-t, r.Min.Y, r.Max.X, r.Max.Y), idx)
		return
	}
	// Dashes run from each corner, so every corner is drawn.
	for i := 0; i < r.Dx(); i++ {
		if s.on(i, t) {
			fill(dst, image.Rect(r.Min.X+i, r.Min.Y, r.Min.X+i+1, r.Min.Y+t), idx)
			fill(dst, image.Rect(r.Max.X-1-i, r.Max.Y-t, r.Max.X-i, r.Max.Y), idx)
		}
	}
	for i := 0; i < r.Dy(); i++ {
		if s.on(i, t) {
			fill(dst, image.Rect(r.Min.X, r.Min.Y+i, r.Min.X+t, r.Min.Y+i+1), idx)
			fill(dst, image.Rect(r.Max.X-t, r.Max.Y-1-i, r.Max.X, r.Max.Y-i), idx)
		}
	}
}

func fill(dst *image.Paletted, r image.Rectangle, idx uint8) {
	r = r.Intersect(dst.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := dst.Pix[dst.PixOffset(r.Min.X, y):dst.PixOffset(r.Max.X, y)]
		for i := range row {
			row[i] = idx
		}
	}
}

// drawTag draws text in black (index 0) on a strip of the box colour
// above the box's top-left corner (inside it when there is no room above),
// with the 7x13 bitmap font: every pixel is either ink or strip.
func drawTag(dst *image.Paletted, at image.Point, text string, idx uint8) {
	face := basicfont.Face7x13
	const pad = 2
	w := len([]rune(text))*face.Advance + 2*pad
	h := face.Height + pad
	top := at.Y - h
	if top < dst.Rect.Min.Y {
		top = at.Y
	}
	strip := image.Rect(at.X, top, at.X+w, top+h)
	fill(dst, strip, idx)
	dot := fixed.P(at.X+pad, top+face.Ascent+1)
	for _, r := range text {
		dr, mask, mp, adv, ok := face.Glyph(dot, r)
		if ok {
			for y := dr.Min.Y; y < dr.Max.Y; y++ {
				for x := dr.Min.X; x < dr.Max.X; x++ {
					if !(image.Point{x, y}.In(dst.Rect)) {
						continue
					}
					if _, _, _, a := mask.At(mp.X+x-dr.Min.X, mp.Y+y-dr.Min.Y).RGBA(); a > 0x7FFF {
						dst.Pix[dst.PixOffset(x, y)] = 0
					}
				}
			}
		}
		dot.X += adv
	}
}

// Reframe maps box b (normalized to an image) onto the part of that image
// inside region (as Crop returns it): the result is normalized to the
// region and clipped to it. ok is false when b lies wholly outside region
// or region is empty.
func Reframe(b, region schema.Box) (schema.Box, bool) {
	w, h := region.X1-region.X0, region.Y1-region.Y0
	if !(w > 0) || !(h > 0) {
		return schema.Box{}, false
	}
	out := schema.Box{
		Y0: clamp01((b.Y0 - region.Y0) / h), X0: clamp01((b.X0 - region.X0) / w),
		Y1: clamp01((b.Y1 - region.Y0) / h), X1: clamp01((b.X1 - region.X0) / w),
	}
	if !(out.X1 > out.X0) || !(out.Y1 > out.Y0) {
		return schema.Box{}, false
	}
	return out, true
}

func clamp01(v float64) float64 {
	if math.IsNaN(v) || v < 0 {
		return 0
	}
	if v > 1 {
		return 1
	}
	return v
}
