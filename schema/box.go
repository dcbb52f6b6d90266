package schema

// The box scale rule. Models write box_2d either normalized to [0,1] (the
// design's format) or as 0-1000 integers (Gemma's native convention), and
// both overshoot the image a little. One rule reads both:
//
//   - The scale is decided by the largest coordinate: at most
//     NormalizedLimit (1.5), the box is normalized; above it, the box is on
//     the 0-1000 scale and every coordinate is divided by 1000.
//   - On either scale, coordinates outside [0,1] but within Margin (0.5) of
//     it, that is in [-0.5, 1.5] after any division, are clamped onto the
//     image's edge. A box with a coordinate further out does not locate
//     anything and is dropped (its label is kept).
//
// So [-0.1, 0.2, 1.3, 0.5] is a normalized box clamped to [0, 0.2, 1, 0.5],
// not a 0-1000 box of a thousandth of the image; [500, 200, 1030, 400] is a
// 0-1000 box clamped to [0.5, 0.2, 1, 0.4]; [0.1, 0.2, 3000, 0.4] is
// dropped.
//
// Why 1.5: a normalized coordinate above it would put the box's edge more
// than half the image beyond the image, which no model that is locating
// something does; and a 0-1000 box whose every coordinate is at most 1.5
// spans at most 0.15% of the image's side, smaller than any finding the six
// labels name, so reading such a box as normalized is the likelier
// meaning. The margin equals the excess the limit allows, so that a box is
// either clamped or dropped the same way on both scales.
const (
	// NormalizedLimit is the largest coordinate of a normalized box; a
	// box with a larger one is on the 0-1000 scale.
	NormalizedLimit = 1.5
	// Margin is how far outside [0,1] (after any division by 1000) a
	// coordinate may be and still be clamped onto the image's edge.
	Margin = 0.5
)

// BoxReading says how ReadBox read a box's coordinates.
type BoxReading struct {
	// Rescaled: on the 0-1000 scale, divided by 1000.
	Rescaled bool
	// Reordered: inverted corners (y0 > y1 or x0 > x1) were swapped.
	Reordered bool
	// Clamped: a coordinate a little outside [0,1] was moved onto the edge.
	Clamped bool
	// Outside: a coordinate lies beyond Margin; the box locates nothing.
	Outside bool
}

// ReadBox reads the four finite coordinates [y0, x0, y1, x1] of a box_2d by
// the scale rule above, reorders inverted corners and clamps a small
// overshoot. The Box is meaningful only when the reading is not Outside; it
// may still have zero area (check Valid).
func ReadBox(c [4]float64) (Box, BoxReading) {
	var r BoxReading
	if max(c[0], c[1], c[2], c[3]) > NormalizedLimit {
		for i := range c {
			c[i] /= 1000
		}
		r.Rescaled = true
	}
	b := Box{Y0: c[0], X0: c[1], Y1: c[2], X1: c[3]}
	if b.Y0 > b.Y1 {
		b.Y0, b.Y1, r.Reordered = b.Y1, b.Y0, true
	}
	if b.X0 > b.X1 {
		b.X0, b.X1, r.Reordered = b.X1, b.X0, true
	}
	for _, p := range []*float64{&b.Y0, &b.X0, &b.Y1, &b.X1} {
		switch {
		case *p < -Margin || *p > 1+Margin:
			r.Outside = true
		case *p < 0:
			*p, r.Clamped = 0, true
		case *p > 1:
			*p, r.Clamped = 1, true
		}
	}
	return b, r
}
