package radiograph

import (
	"fmt"
	"image"
	"math"
	"strconv"
	"strings"
)

// Window is a DICOM window: Center and Width in modality units (the values in
// Radiograph.Pix). A Width below the smallest meaningful value is treated as
// that value (1 for LINEAR, a tiny positive number otherwise), so no window is
// invalid.
type Window struct {
	Center, Width float64
}

// String formats w as "CENTER,WIDTH", the form ParseWindow reads.
func (w Window) String() string {
	return strconv.FormatFloat(w.Center, 'g', 6, 64) + "," + strconv.FormatFloat(w.Width, 'g', 6, 64)
}

// ParseWindow parses "CENTER,WIDTH" (as given to --window). Width must be
// positive.
func ParseWindow(s string) (Window, error) {
	c, wd, ok := strings.Cut(s, ",")
	if !ok {
		return Window{}, fmt.Errorf("window %q: want CENTER,WIDTH", s)
	}
	center, err := strconv.ParseFloat(strings.TrimSpace(c), 64)
	if err != nil || math.IsNaN(center) || math.IsInf(center, 0) {
		return Window{}, fmt.Errorf("window %q: center %q is not a finite number", s, c)
	}
	width, err := strconv.ParseFloat(strings.TrimSpace(wd), 64)
	if err != nil || !(width > 0) || math.IsInf(width, 0) {
		return Window{}, fmt.Errorf("window %q: width %q is not a positive number", s, wd)
	}
	return Window{Center: center, Width: width}, nil
}

// Adjust returns w moved and widened the way window/level keys do:
// the centre moves by dCenter times the current width (so +0.05 brightens
// the same visible amount whatever the bit depth), and the width is
// multiplied by widthFactor (>1 lowers contrast). A non-positive factor
// leaves the width unchanged.
func (w Window) Adjust(dCenter, widthFactor float64) Window {
	out := w
	out.Center += dCenter * w.Width
	if widthFactor > 0 && !math.IsInf(widthFactor, 0) {
		out.Width *= widthFactor
	}
	if !(out.Width > 1e-6) {
		out.Width = 1e-6
	}
	return out
}

// AutoWindow returns the window spanning the 0.5th to 99.5th percentile of
// r's pixel values, from a 4096-bin histogram (two linear passes, no sort).
// A constant image gets a width-1 window centred on its value.
func AutoWindow(r *Radiograph) Window {
	lo, hi := r.Range()
	if len(r.Pix) == 0 || hi <= lo {
		return Window{Center: float64(lo), Width: 1}
	}
	var hist [autoBins]int
	scale := float32(autoBins-1) / (hi - lo)
	for _, v := range r.Pix {
		// The clamp only matters for values Range could not order (NaN,
		// which no decoder produces): it keeps a bad value from indexing
		// outside the histogram.
		hist[max(0, min(autoBins-1, int((v-lo)*scale)))]++
	}
	return windowFromHist(&hist, len(r.Pix), lo, hi)
}

// VOIMap is a prepared window: it maps a modality value to [0,1] display
// intensity (0 black), inversion included. Display and model input both go
// through it, so what the reviewer sees is what the model was sent.
type VOIMap struct {
	a, b    float32 // linear: y = a*x + b, clamped
	sigmoid bool
	c, w    float64
	invert  bool
}

// VOIMap prepares window w for r: r's VOI function and, for MONOCHROME1
// (or a radiograph WithInvert), the inversion.
func (r *Radiograph) VOIMap(w Window) VOIMap { return newVOIMap(w, r.VOIFunction, r.Invert) }

func newVOIMap(w Window, f VOIFunction, invert bool) VOIMap {
	m := VOIMap{invert: invert, c: w.Center, w: w.Width}
	switch f {
	case VOISigmoid:
		m.sigmoid = true
		if !(m.w > 0) {
			m.w = 1e-6
		}
	case VOILinearExact:
		// PS3.3 C.11.2.1.3.2: y = ((x - c) / w + 0.5).
		width := math.Max(w.Width, 1e-6)
		m.a = float32(1 / width)
		m.b = float32(0.5 - w.Center/width)
	default:
		// PS3.3 C.11.2.1.2.1: y = ((x - (c - 0.5)) / (w - 1) + 0.5), with
		// w >= 1; at w == 1 it is a step at c - 0.5.
		den := math.Max(w.Width-1, 1e-6)
		m.a = float32(1 / den)
		m.b = float32(0.5 - (w.Center-0.5)/den)
	}
	return m
}

// Unit maps one modality value to [0,1].
func (m VOIMap) Unit(x float32) float32 {
	var y float32
	if m.sigmoid {
		y = float32(1 / (1 + math.Exp(-4*(float64(x)-m.c)/m.w)))
	} else {
		y = m.a*x + m.b
		if y < 0 {
			y = 0
		} else if y > 1 {
			y = 1
		}
	}
	if m.invert {
		y = 1 - y
	}
	return y
}

// Apply writes round(Unit(x) * (levels-1)) for every src value into dst
// (levels at most 256): 256 for 8-bit grey, fewer for a display with
// fewer grey registers.
func (m VOIMap) Apply(src []float32, dst []uint8, levels int) {
	k := float32(levels - 1)
	if !m.sigmoid {
		a, b := m.a*k, m.b*k
		if m.invert {
			// k - clamp(a*x+b) = clamp(-a*x + (k-b)).
			a, b = -a, k-b
		}
		dst = dst[:len(src)]
		// Plain comparisons rather than min/max, whose NaN and signed-zero
		// rules cost instructions in this loop (docs/render.md, Benchmarks).
		for i, x := range src {
			v := a*x + b
			if v < 0 {
				v = 0
			}
			if v > k {
				v = k
			}
			dst[i] = uint8(int32(v + 0.5))
		}
		return
	}
	for i, x := range src {
		dst[i] = uint8(m.Unit(x)*k + 0.5)
	}
}

// Gray windows the full-resolution image to 8-bit grey (0 black), applying
// r.VOIFunction and, for MONOCHROME1, the inversion.
func (r *Radiograph) Gray(w Window) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, r.Width, r.Height))
	r.VOIMap(w).Apply(r.Pix, img.Pix, 256)
	return img
}
