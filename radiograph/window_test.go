package radiograph

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVOIMapMatchesDICOMFormulas(t *testing.T) {
	// Reference values computed from PS3.3 C.11.2.1.2.1 / C.11.2.1.3.2.
	linear := func(x, c, w float64) float64 {
		switch {
		case x <= c-0.5-(w-1)/2:
			return 0
		case x > c-0.5+(w-1)/2:
			return 255
		}
		return ((x-(c-0.5))/(w-1) + 0.5) * 255
	}
	exact := func(x, c, w float64) float64 {
		switch {
		case x <= c-w/2:
			return 0
		case x > c+w/2:
			return 255
		}
		return ((x-c)/w + 0.5) * 255
	}
	sigmoid := func(x, c, w float64) float64 { return 255 / (1 + math.Exp(-4*(x-c)/w)) }
	cases := []struct {
		name string
		f    VOIFunction
		ref  func(x, c, w float64) float64
		win  Window
	}{
		{"linear", VOILinear, linear, Window{Center: 2048, Width: 4096}},
		{"linear narrow", VOILinear, linear, Window{Center: 1000, Width: 300}},
		{"linear exact", VOILinearExact, exact, Window{Center: 1000, Width: 300}},
		{"sigmoid", VOISigmoid, sigmoid, Window{Center: 1000, Width: 300}},
		{"zero value is linear", "", linear, Window{Center: 40, Width: 400}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var src []float32
			for x := -500.0; x <= 4600; x += 7.5 {
				src = append(src, float32(x))
			}
			dst := make([]uint8, len(src))
			newVOIMap(tc.win, tc.f, false).Apply(src, dst, 256)
			inv := make([]uint8, len(src))
			newVOIMap(tc.win, tc.f, true).Apply(src, inv, 256)
			for i, x := range src {
				want := tc.ref(float64(x), tc.win.Center, tc.win.Width)
				assert.InDelta(t, want, float64(dst[i]), 1.0, "x=%v", x)
				assert.InDelta(t, 255-want, float64(inv[i]), 1.0, "inverted x=%v", x)
			}
		})
	}
}

func TestIdentityWindowIsLosslessFor8Bit(t *testing.T) {
	r := &Radiograph{Width: 256, Height: 1, Pix: make([]float32, 256)}
	for i := range r.Pix {
		r.Pix[i] = float32(i)
	}
	g := r.Gray(identityWindow8)
	for i, v := range g.Pix {
		require.Equal(t, uint8(i), v)
	}
}

func TestAutoWindowPercentiles(t *testing.T) {
	// 10000 values 0..9999 plus outliers: the window must ignore the outer
	// 0.5 % on each side.
	r := &Radiograph{Width: 10000, Height: 1, Pix: make([]float32, 10000)}
	for i := range r.Pix {
		r.Pix[i] = float32(i)
	}
	r.Pix[0], r.Pix[1] = -60000, 60000
	w := AutoWindow(r)
	lo, hi := w.Center-w.Width/2, w.Center+w.Width/2
	assert.InDelta(t, 50, lo, 40)
	assert.InDelta(t, 9950, hi, 40)

	flat := &Radiograph{Width: 2, Height: 2, Pix: []float32{7, 7, 7, 7}}
	assert.Equal(t, Window{Center: 7, Width: 1}, AutoWindow(flat))
}

func TestWindowAdjustAndParse(t *testing.T) {
	w := Window{Center: 100, Width: 200}
	assert.Equal(t, Window{Center: 110, Width: 400}, w.Adjust(0.05, 2))
	assert.Equal(t, Window{Center: 90, Width: 200}, w.Adjust(-0.05, 0))
	assert.Greater(t, w.Adjust(0, 1e-12).Width, 0.0)

	got, err := ParseWindow(" 40 , 400 ")
	require.NoError(t, err)
	assert.Equal(t, Window{Center: 40, Width: 400}, got)
	back, err := ParseWindow(got.String())
	require.NoError(t, err)
	assert.Equal(t, got, back)
	for _, bad := range []string{"", "40", "40,0", "40,-1", "x,400", "40,NaN", "Inf,3"} {
		_, err := ParseWindow(bad)
		assert.Error(t, err, bad)
	}
}

func FuzzParseWindow(f *testing.F) {
	for _, s := range []string{"40,400", "-600,1500", "1e3,2e3", ",", "NaN,1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, err := ParseWindow(s)
		if err != nil {
			return
		}
		if !(w.Width > 0) || math.IsNaN(w.Center) {
			t.Fatalf("ParseWindow(%q) = %+v accepted", s, w)
		}
	})
}

func TestResampleAreaAverage(t *testing.T) {
	// 4x2 -> 2x1 is the mean of each 2x2 block.
	src := []float32{1, 3, 10, 20, 5, 7, 30, 40}
	got := resample(src, 4, 2, 2, 1)
	assert.InDeltaSlice(t, []float64{4, 25}, []float64{float64(got[0]), float64(got[1])}, 1e-5)
	// A constant image stays constant at any size, up or down.
	c := make([]float32, 7*5)
	for i := range c {
		c[i] = 42
	}
	for _, sz := range [][2]int{{3, 2}, {7, 5}, {20, 13}, {1, 1}} {
		for _, v := range resample(c, 7, 5, sz[0], sz[1]) {
			require.InDelta(t, 42, v, 1e-3)
		}
	}
}
