package tui

import (
	"math"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// WindowPreset names the window a picture starts from; the reviewer's
// WindowAdjust applies on top of it.
type WindowPreset int

// The presets, in the order the preset key cycles through them.
const (
	// PresetDefault is the image's own window: the file's VOI (DICOM
	// WindowCenter/Width) when it has one, the full range of an 8-bit
	// image, else the 0.5th to 99.5th percentile.
	PresetDefault WindowPreset = iota
	// PresetFull spans every value in the image.
	PresetFull
	// PresetLung spreads the darker part of the picture (where the lungs
	// are) over the grey scale, from percentiles of the image.
	PresetLung
	// PresetMediastinum spreads the middle of the picture's values (soft
	// tissue, heart, diaphragm) over the grey scale.
	PresetMediastinum
	// PresetBone spreads the brighter part of the picture (ribs, spine).
	PresetBone
	numPresets
)

// String names the preset as the image pane's title shows it.
func (p WindowPreset) String() string {
	switch p {
	case PresetFull:
		return "full range"
	case PresetLung:
		return "lung"
	case PresetMediastinum:
		return "mediastinum"
	case PresetBone:
		return "bone"
	}
	return "default"
}

// Percentiles returns the percentiles of the image's values that bound a
// percentile preset, in display terms: lo and hi are the percentiles of
// the darkest and the brightest grey of the window on a picture whose
// bright values are high (a MONOCHROME2 presentation). ok is false for
// the presets that are not percentile-based.
func (p WindowPreset) Percentiles() (lo, hi float64, ok bool) {
	switch p {
	case PresetLung:
		return 1, 55, true
	case PresetMediastinum:
		return 30, 97, true
	case PresetBone:
		return 60, 99.7, true
	}
	return 0, 0, false
}

// WindowAdjust is the reviewer's change to the preset's window, in terms
// that mean the same on every image, PNG, JPEG, MONOCHROME2 or
// MONOCHROME1: Width multiplies the window's width (below 1: more
// contrast), Brightness moves the picture lighter (positive) or darker by
// that fraction of the width. The zero value and DefaultWindowAdjust both
// leave the preset's window as it is.
type WindowAdjust struct {
	Width      float64
	Brightness float64
}

// DefaultWindowAdjust leaves the preset's window unchanged.
func DefaultWindowAdjust() WindowAdjust { return WindowAdjust{Width: 1} }

// IsDefault reports whether w leaves the window unchanged.
func (w WindowAdjust) IsDefault() bool {
	return (w.Width == 0 || w.Width == 1) && w.Brightness == 0
}

// Factor is the width factor (1 when unset).
func (w WindowAdjust) Factor() float64 {
	if w.Width <= 0 {
		return 1
	}
	return w.Width
}

// MaxZoom is the largest magnification.
const MaxZoom = 16.0

// ImageView is how the reviewer looks at an image: the window (a preset
// and an adjustment), whether dark and light are swapped, and the zoom.
// The zero value shows the whole image in its default window.
type ImageView struct {
	Preset WindowPreset
	Window WindowAdjust
	// Invert swaps dark and light relative to the usual presentation.
	Invert bool
	// Zoom is the magnification: 1 (or 0) shows the whole image, 2 a
	// region half as wide and high, up to MaxZoom.
	Zoom float64
	// CenterX and CenterY are the image point (normalized, origin
	// top-left) at the middle of the region shown; ignored unzoomed.
	CenterX, CenterY float64
}

// DefaultImageView is the whole image in its default window.
func DefaultImageView() ImageView {
	return ImageView{Window: DefaultWindowAdjust(), Zoom: 1, CenterX: 0.5, CenterY: 0.5}
}

// Zoomed reports whether the view shows part of the image.
func (v ImageView) Zoomed() bool { return v.Zoom > 1 }

// Region returns the part of the image the view shows, normalized: a
// region 1/Zoom of the image on each side around the centre, moved back
// inside the image where it would cross an edge. Unzoomed it is the whole
// image.
func (v ImageView) Region() schema.Box {
	if !v.Zoomed() {
		return schema.Box{Y0: 0, X0: 0, Y1: 1, X1: 1}
	}
	side := 1 / math.Min(v.Zoom, MaxZoom)
	place := func(c float64) (float64, float64) {
		if math.IsNaN(c) {
			c = 0.5
		}
		lo := math.Max(0, math.Min(1-side, c-side/2))
		return lo, lo + side
	}
	x0, x1 := place(v.CenterX)
	y0, y1 := place(v.CenterY)
	return schema.Box{Y0: y0, X0: x0, Y1: y1, X1: x1}
}

// zoomBy multiplies the zoom by f (clamped to 1..MaxZoom); back at 1 the
// centre returns to the middle.
func (v *ImageView) zoomBy(f float64) {
	z := v.Zoom
	if z < 1 {
		z = 1
	}
	v.Zoom = math.Max(1, math.Min(MaxZoom, z*f))
	if v.Zoom <= 1 {
		v.Zoom, v.CenterX, v.CenterY = 1, 0.5, 0.5
		return
	}
	v.clampCenter()
}

// pan moves the region shown by dx, dy of its own size.
func (v *ImageView) pan(dx, dy float64) {
	if !v.Zoomed() {
		return
	}
	side := 1 / v.Zoom
	v.CenterX += dx * side
	v.CenterY += dy * side
	v.clampCenter()
}

// clampCenter keeps the centre where the region stays inside the image.
func (v *ImageView) clampCenter() {
	r := v.Region()
	v.CenterX, v.CenterY = (r.X0+r.X1)/2, (r.Y0+r.Y1)/2
}

// zoomTo shows box b with a margin around it.
func (v *ImageView) zoomTo(b schema.Box) {
	w, h := b.X1-b.X0, b.Y1-b.Y0
	if !(w > 0) || !(h > 0) {
		return
	}
	const margin = 1.4
	v.Zoom = math.Max(1, math.Min(MaxZoom, 1/(margin*math.Max(w, h))))
	v.CenterX, v.CenterY = (b.X0+b.X1)/2, (b.Y0+b.Y1)/2
	if v.Zoom <= 1 {
		v.Zoom, v.CenterX, v.CenterY = 1, 0.5, 0.5
		return
	}
	v.clampCenter()
}
