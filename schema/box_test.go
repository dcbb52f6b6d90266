package schema

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestReadBox(t *testing.T) {
	next := func(f float64) float64 { return math.Nextafter(f, math.Inf(1)) }
	prev := func(f float64) float64 { return math.Nextafter(f, math.Inf(-1)) }
	tests := []struct {
		name string
		in   [4]float64
		want Box
		read BoxReading
	}{
		{"normalized", [4]float64{0.1, 0.2, 0.3, 0.4}, Box{0.1, 0.2, 0.3, 0.4}, BoxReading{}},
		{"the whole image", [4]float64{0, 0, 1, 1}, Box{0, 0, 1, 1}, BoxReading{}},
		// A little outside [0,1] is a normalized box to clamp,
		// not a 0-1000 box of a thousandth of the image.
		{"a little outside, clamped", [4]float64{-0.1, 0.2, 1.3, 0.5}, Box{0, 0.2, 1, 0.5}, BoxReading{Clamped: true}},
		{"just over 1, clamped", [4]float64{0.5, 0.2, 1.0001, 0.4}, Box{0.5, 0.2, 1, 0.4}, BoxReading{Clamped: true}},
		{"largest at the limit: normalized", [4]float64{0, 0, 1.5, 1.5}, Box{0, 0, 1, 1}, BoxReading{Clamped: true}},
		{"largest just over the limit: 0-1000", [4]float64{0, 0, next(1.5), 1}, Box{0, 0, next(1.5) / 1000, 0.001}, BoxReading{Rescaled: true}},
		{"0-1000", [4]float64{100, 200, 300, 400}, Box{0.1, 0.2, 0.3, 0.4}, BoxReading{Rescaled: true}},
		{"0-1000 whole image", [4]float64{0, 0, 1000, 1000}, Box{0, 0, 1, 1}, BoxReading{Rescaled: true}},
		{"0-1000 a little outside, clamped", [4]float64{500, 200, 1030, 400}, Box{0.5, 0.2, 1, 0.4}, BoxReading{Rescaled: true, Clamped: true}},
		{"0-1000 at the margin", [4]float64{-500, 0, 1000, 1500}, Box{0, 0, 1, 1}, BoxReading{Rescaled: true, Clamped: true}},
		{"0-1000 past the margin", [4]float64{0, 0, 1000, next(1500)}, Box{0, 0, 1, next(1500) / 1000}, BoxReading{Rescaled: true, Outside: true}},
		{"0-1000 far outside", [4]float64{0.1, 0.2, 3000, 0.4}, Box{0.0001, 0.0002, 3, 0.0004}, BoxReading{Rescaled: true, Outside: true}},
		{"one large coordinate rescales all four", [4]float64{0.5, 0.2, 600, 0.4}, Box{0.0005, 0.0002, 0.6, 0.0004}, BoxReading{Rescaled: true}},
		{"negative at the margin", [4]float64{-0.5, 0, 1, 1}, Box{0, 0, 1, 1}, BoxReading{Clamped: true}},
		{"negative past the margin", [4]float64{prev(-0.5), 0, 1, 1}, Box{prev(-0.5), 0, 1, 1}, BoxReading{Outside: true}},
		// A large negative does not make a box 0-1000: only the largest
		// coordinate decides, and this one is far outside.
		{"large negative", [4]float64{-2, 0, 0.5, 0.5}, Box{-2, 0, 0.5, 0.5}, BoxReading{Outside: true}},
		{"inverted corners", [4]float64{0.3, 0.4, 0.1, 0.2}, Box{0.1, 0.2, 0.3, 0.4}, BoxReading{Reordered: true}},
		{"inverted and outside", [4]float64{1.2, 0.4, -0.1, 0.2}, Box{0, 0.2, 1, 0.4}, BoxReading{Reordered: true, Clamped: true}},
		{"zero area is read, Valid says no", [4]float64{0.2, 0.2, 0.2, 0.4}, Box{0.2, 0.2, 0.2, 0.4}, BoxReading{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, read := ReadBox(tc.in)
			assert.Equal(t, tc.read, read)
			assert.InDelta(t, tc.want.Y0, got.Y0, 1e-12)
			assert.InDelta(t, tc.want.X0, got.X0, 1e-12)
			assert.InDelta(t, tc.want.Y1, got.Y1, 1e-12)
			assert.InDelta(t, tc.want.X1, got.X1, 1e-12)
			if !read.Outside && got.Y1 > got.Y0 && got.X1 > got.X0 {
				assert.True(t, got.Valid(), "a box read inside the margin with area is well formed")
			}
		})
	}
}

// FuzzReadBox checks the rule's promises for any four finite numbers: the
// scale follows the largest coordinate, a box read inside the margin lies
// within the image, and one with area is well formed.
func FuzzReadBox(f *testing.F) {
	f.Add(-0.1, 0.2, 1.3, 0.5)
	f.Add(100.0, 200.0, 300.0, 400.0)
	f.Add(0.0, 0.0, 1.5, 1.5)
	f.Add(-500.0, 0.0, 1000.0, 1500.0)
	f.Add(5e93, 0.0, 1.0, -9.0)
	f.Fuzz(func(t *testing.T, y0, x0, y1, x1 float64) {
		in := [4]float64{y0, x0, y1, x1}
		for _, v := range in {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return // the parser drops these before the rule
			}
		}
		b, r := ReadBox(in)
		if want := max(y0, x0, y1, x1) > NormalizedLimit; r.Rescaled != want {
			t.Fatalf("%v: rescaled %v, want %v", in, r.Rescaled, want)
		}
		if r.Outside {
			return
		}
		for _, v := range []float64{b.Y0, b.X0, b.Y1, b.X1} {
			if v < 0 || v > 1 {
				t.Fatalf("%v read as %+v: outside the image without Outside", in, b)
			}
		}
		if b.Y0 > b.Y1 || b.X0 > b.X1 {
			t.Fatalf("%v read as %+v: corners not ordered", in, b)
		}
		if b.Y1 > b.Y0 && b.X1 > b.X0 && !b.Valid() {
			t.Fatalf("%v read as %+v: not Valid", in, b)
		}
	})
}
