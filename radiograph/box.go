package radiograph

import "math"

// Box is a region of an image normalized to its size, origin top-left:
// [y0, x0, y1, x1] in [0,1]. It has the layout of schema.Box, so callers
// that hold one convert with radiograph.Box(b) and schema.Box(b); the
// radiograph keeps its own type so that it imports nothing of the project.
type Box struct {
	Y0, X0, Y1, X1 float64
}

// Valid reports whether b is well formed: finite, inside [0,1], positive
// area (the rule of schema.Box.Valid).
func (b Box) Valid() bool {
	for _, v := range []float64{b.Y0, b.X0, b.Y1, b.X1} {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > 1 {
			return false
		}
	}
	return b.Y1 > b.Y0 && b.X1 > b.X0
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
