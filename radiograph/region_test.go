package radiograph

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ramp is a w x h radiograph whose pixel (x, y) is y*w + x.
func ramp(w, h int) *Radiograph {
	r := &Radiograph{Width: w, Height: h, SourceWidth: 2 * w, SourceHeight: 2 * h, Pix: make([]float32, w*h),
		DefaultWindow: Window{Center: 5, Width: 10}, Invert: true, VOIFunction: VOISigmoid, Source: "ramp", Format: "png16"}
	for i := range r.Pix {
		r.Pix[i] = float32(i)
	}
	return r
}

func TestCrop(t *testing.T) {
	r := ramp(10, 8)
	tests := []struct {
		name          string
		region        Box
		w, h          int
		first         float32
		taken         Box
		sourceW, srcH int
	}{
		{"middle", Box{Y0: 0.25, X0: 0.2, Y1: 0.75, X1: 0.6}, 4, 4, 22, Box{Y0: 0.25, X0: 0.2, Y1: 0.75, X1: 0.6}, 8, 8},
		{"snapped outwards", Box{Y0: 0.3, X0: 0.15, Y1: 0.6, X1: 0.55}, 5, 3, 21, Box{Y0: 0.25, X0: 0.1, Y1: 0.625, X1: 0.6}, 10, 6},
		{"clamped to the image", Box{Y0: -1, X0: 0.5, Y1: 2, X1: 3}, 5, 8, 5, Box{Y0: 0, X0: 0.5, Y1: 1, X1: 1}, 10, 16},
		{"at least a pixel", Box{Y0: 0.999, X0: 0.999, Y1: 1, X1: 1}, 1, 1, 79, Box{Y0: 0.875, X0: 0.9, Y1: 1, X1: 1}, 2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, taken, err := r.Crop(tt.region)
			require.NoError(t, err)
			assert.Equal(t, tt.w, c.Width)
			assert.Equal(t, tt.h, c.Height)
			require.Len(t, c.Pix, tt.w*tt.h)
			assert.Equal(t, tt.first, c.Pix[0])
			assert.Equal(t, tt.first+float32(10*(tt.h-1)+tt.w-1), c.Pix[len(c.Pix)-1], "rows are the image's rows")
			assert.InDelta(t, tt.taken.X0, taken.X0, 1e-9)
			assert.InDelta(t, tt.taken.Y0, taken.Y0, 1e-9)
			assert.InDelta(t, tt.taken.X1, taken.X1, 1e-9)
			assert.InDelta(t, tt.taken.Y1, taken.Y1, 1e-9)
			assert.Equal(t, tt.sourceW, c.SourceWidth)
			assert.Equal(t, tt.srcH, c.SourceHeight)
			assert.Equal(t, r.DefaultWindow, c.DefaultWindow)
			assert.True(t, c.Invert)
			assert.Equal(t, VOISigmoid, c.VOIFunction)
			assert.NotEqual(t, r.ID(), c.ID(), "a crop is another image for the encoder's caches")
		})
	}
	for _, bad := range []Box{{Y0: 0.5, X0: 0.5, Y1: 0.5, X1: 0.9}, {Y0: 0, X0: math.NaN(), Y1: 1, X1: 1}, {Y0: 2, X0: 0, Y1: 3, X1: 1}} {
		_, _, err := r.Crop(bad)
		assert.Error(t, err, "%v", bad)
	}
}

func TestWithInvert(t *testing.T) {
	r := ramp(4, 2)
	assert.Same(t, r, r.WithInvert(true))
	n := r.WithInvert(false)
	assert.False(t, n.Invert)
	assert.True(t, r.Invert, "the original is unchanged")
	assert.Same(t, &r.Pix[0], &n.Pix[0], "pixels are shared, not copied")
	assert.NotEqual(t, r.ID(), n.ID())
	g1, g2 := r.Gray(r.DefaultWindow), n.Gray(r.DefaultWindow)
	assert.Equal(t, 255-int(g1.Pix[3]), int(g2.Pix[3]))
}

func TestPercentiles(t *testing.T) {
	r := ramp(100, 100) // 0 .. 9999
	got := r.Percentiles(0, 1, 50, 99, 100, -5, 200)
	want := []float64{0, 100, 5000, 9900, 9999, 0, 9999}
	for i := range want {
		assert.InDelta(t, want[i], got[i], 9999.0/4095+1, "p%d", i)
	}
	flat := &Radiograph{Width: 2, Height: 1, Pix: []float32{7, 7}}
	assert.Equal(t, []float64{7, 7}, flat.Percentiles(10, 90))
}
