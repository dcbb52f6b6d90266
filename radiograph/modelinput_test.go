package radiograph

import (
	"bytes"
	"image"
	"image/png"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPaddingUnpad(t *testing.T) {
	portrait := Padding{Side: 1248, OffX: 112, OffY: 0, ImgW: 1024, ImgH: 1248}
	landscape := Padding{Side: 1200, OffX: 0, OffY: 200, ImgW: 1200, ImgH: 800}
	square := Padding{Side: 512, ImgW: 512, ImgH: 512}
	cases := []struct {
		name string
		p    Padding
		in   Box
		want Box
		ok   bool
	}{
		{"portrait whole square is whole image", portrait, Box{Y0: 0, X0: 0, Y1: 1, X1: 1}, Box{Y0: 0, X0: 0, Y1: 1, X1: 1}, true},
		{"portrait image area maps to full", portrait, Box{Y0: 0.25, X0: 112.0 / 1248, Y1: 0.5, X1: 1136.0 / 1248}, Box{Y0: 0.25, X0: 0, Y1: 0.5, X1: 1}, true},
		{"portrait box in left padding", portrait, Box{Y0: 0.1, X0: 0.0, Y1: 0.2, X1: 0.05}, Box{}, false},
		{"portrait box straddling padding is clamped", portrait, Box{Y0: 0.1, X0: 0.0, Y1: 0.2, X1: 624.0 / 1248}, Box{Y0: 0.1, X0: 0, Y1: 0.2, X1: 0.5}, true},
		{"landscape centre", landscape, Box{Y0: 0.5, X0: 0.25, Y1: 0.75, X1: 0.5}, Box{Y0: 0.5, X0: 0.25, Y1: 0.875, X1: 0.5}, true},
		{"landscape box in bottom padding", landscape, Box{Y0: 0.9, X0: 0.2, Y1: 1, X1: 0.4}, Box{}, false},
		{"square is identity", square, Box{Y0: 0.1, X0: 0.2, Y1: 0.3, X1: 0.4}, Box{Y0: 0.1, X0: 0.2, Y1: 0.3, X1: 0.4}, true},
		{"zero padding is identity", Padding{}, Box{Y0: 0.1, X0: 0.2, Y1: 0.3, X1: 0.4}, Box{Y0: 0.1, X0: 0.2, Y1: 0.3, X1: 0.4}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.p.Unpad(tc.in)
			require.Equal(t, tc.ok, ok)
			if !ok {
				return
			}
			assert.InDelta(t, tc.want.Y0, got.Y0, 1e-9)
			assert.InDelta(t, tc.want.X0, got.X0, 1e-9)
			assert.InDelta(t, tc.want.Y1, got.Y1, 1e-9)
			assert.InDelta(t, tc.want.X1, got.X1, 1e-9)
			assert.True(t, got.Valid())
		})
	}
}

func TestModelInputPadsAndRoundTrips(t *testing.T) {
	cases := []struct {
		name       string
		w, h       int
		side, offX int
		offY       int
	}{
		{"portrait", 300, 400, 400, 50, 0},
		{"landscape", 500, 200, 500, 0, 150},
		{"square", 256, 256, 256, 0, 0},
		{"large portrait is downscaled", 1500, 1900, ModelMaxSide, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := &Radiograph{Width: tc.w, Height: tc.h, Pix: make([]float32, tc.w*tc.h), VOIFunction: VOILinear}
			for i := range r.Pix {
				r.Pix[i] = 1000 // white under the window below
			}
			data, p, err := ModelInput(r, Window{Center: 500, Width: 100}, ModelPad)
			require.NoError(t, err)
			img, err := png.Decode(bytes.NewReader(data))
			require.NoError(t, err)
			g, ok := img.(*image.Gray)
			require.True(t, ok, "want 8-bit grey PNG, got %T", img)
			require.Equal(t, p.Side, g.Bounds().Dx())
			require.Equal(t, p.Side, g.Bounds().Dy())
			if tc.side != ModelMaxSide {
				assert.Equal(t, Padding{Side: tc.side, OffX: tc.offX, OffY: tc.offY, ImgW: tc.w, ImgH: tc.h}, p)
			} else {
				assert.Equal(t, ModelMaxSide, p.Side)
				assert.Equal(t, ModelMaxSide, p.ImgH)
				assert.InDelta(t, float64(tc.w)/float64(tc.h), float64(p.ImgW)/float64(p.ImgH), 0.002)
			}
			// Image pixels white, padding black.
			assert.Equal(t, uint8(255), g.GrayAt(p.OffX+p.ImgW/2, p.OffY+p.ImgH/2).Y)
			if p.OffX > 0 {
				assert.Equal(t, uint8(0), g.GrayAt(p.OffX-1, p.Side/2).Y)
				assert.Equal(t, uint8(255), g.GrayAt(p.OffX, p.Side/2).Y)
			}
			if p.OffY > 0 {
				assert.Equal(t, uint8(0), g.GrayAt(p.Side/2, p.OffY-1).Y)
			}
			// A box in image coordinates survives Pad then Unpad.
			b := Box{Y0: 0.1, X0: 0.2, Y1: 0.6, X1: 0.9}
			back, ok := p.Unpad(p.Pad(b))
			require.True(t, ok)
			assert.InDelta(t, b.Y0, back.Y0, 1e-9)
			assert.InDelta(t, b.X1, back.X1, 1e-9)
		})
	}
}

func TestModelInputRejectsEmpty(t *testing.T) {
	_, _, err := ModelInput(&Radiograph{}, Window{Center: 1, Width: 1}, ModelSquash)
	require.Error(t, err)
	_, _, err = ModelInput(nil, Window{}, ModelPad)
	require.Error(t, err)
	_, _, err = ModelInput(&Radiograph{Width: 1, Height: 1, Pix: []float32{0}}, Window{}, "stretch")
	require.ErrorContains(t, err, "stretch")
}

// TestModelInputSquashSendsTheImageAsIs: the default geometry sends the
// image with its own aspect ratio and no padding (the server squashes it to
// its square, as in training), and boxes need no mapping.
func TestModelInputSquashSendsTheImageAsIs(t *testing.T) {
	cases := []struct {
		name         string
		w, h, ww, wh int
	}{
		{"portrait", 300, 400, 300, 400},
		{"landscape", 500, 200, 500, 200},
		{"large is downscaled, aspect kept", 1500, 1900, 1415, ModelMaxSide},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := &Radiograph{Width: tc.w, Height: tc.h, Pix: make([]float32, tc.w*tc.h), VOIFunction: VOILinear}
			for i := range r.Pix {
				r.Pix[i] = float32(i % tc.w) // a horizontal ramp
			}
			for _, g := range []ModelGeometry{ModelSquash, ""} {
				data, p, err := ModelInput(r, Window{Center: float64(tc.w) / 2, Width: float64(tc.w)}, g)
				require.NoError(t, err)
				assert.Equal(t, Padding{}, p)
				img, err := png.Decode(bytes.NewReader(data))
				require.NoError(t, err)
				require.Equal(t, image.Rect(0, 0, tc.ww, tc.wh), img.Bounds())
				gray := img.(*image.Gray)
				// No black border: the left column is the ramp's start,
				// the right one its end.
				assert.Less(t, gray.GrayAt(0, tc.wh/2).Y, uint8(8))
				assert.Greater(t, gray.GrayAt(tc.ww-1, tc.wh/2).Y, uint8(247))
				b := Box{Y0: 0.1, X0: 0.2, Y1: 0.6, X1: 0.9}
				got, ok := p.Unpad(b)
				require.True(t, ok)
				assert.Equal(t, b, got, "boxes apply to the original image as they are")
			}
		})
	}
}

func TestParseModelGeometry(t *testing.T) {
	for in, want := range map[string]ModelGeometry{"": ModelSquash, "squash": ModelSquash, " PAD ": ModelPad} {
		got, err := ParseModelGeometry(in)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	_, err := ParseModelGeometry("letterbox")
	require.ErrorContains(t, err, "letterbox")
}
