package render

import (
	"context"
	"image"
	"path/filepath"
	"testing"

	"github.com/cxr-auditor/cxr-auditor/radiograph"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLeanGreysIgnoreBoxes: the lean profile picks its greys from the
// picture, not from what the boxes leave visible, so showing or hiding the
// boxes changes no pixel outside them. (Before, the histogram skipped the
// pixels under the boxes and the greys moved with them.)
func TestLeanGreysIgnoreBoxes(t *testing.T) {
	r, err := radiograph.Load(context.Background(), filepath.Join("..", "testdata", "phantoms", "phantom-effusion-16bit.png"), radiograph.LoadOptions{})
	require.NoError(t, err)
	// Boxes over the lungs, most of the picture's darkest pixels.
	ovs := []Overlay{
		{Box: schema.Box{Y0: 0.10, X0: 0.05, Y1: 0.90, X1: 0.48}, Label: schema.PleuralEffusion, Tag: "1 EFF"},
		{Box: schema.Box{Y0: 0.10, X0: 0.52, Y1: 0.90, X1: 0.95}, Label: schema.Pneumothorax, Urgent: true},
	}
	pics := map[bool]image.Image{}
	for _, show := range []bool{false, true} {
		enc, err := NewEncoder(ProtocolSixel, Caps{Quality: QualityLean})
		require.NoError(t, err)
		pic, err := enc.Encode(context.Background(), Request{Image: r, Window: r.DefaultWindow, Overlays: ovs, ShowBoxes: show, Cols: 60, Rows: 40, Cell: CellSize{W: 8, H: 16}})
		require.NoError(t, err)
		pics[show], err = decodeSixel(pic.Raw)
		require.NoError(t, err)
	}
	b := pics[false].Bounds()
	require.Equal(t, b, pics[true].Bounds())
	inBox := func(x, y int) bool {
		for _, o := range ovs {
			// Outlines and tags lie within a few pixels of the box.
			if image.Pt(x, y).In(pixRect(o.Box, b).Inset(-20)) {
				return true
			}
		}
		return false
	}
	differ := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if !inBox(x, y) && pics[false].At(x, y) != pics[true].At(x, y) {
				differ++
			}
		}
	}
	assert.Zero(t, differ, "pixels outside the boxes that changed with the boxes")
}

// TestDitherToLevels: the light dither between two chosen greys, on flat
// fields at a known fraction f of the way from one to the next: strength 0
// takes the nearest, strength s dithers only when f lies within s/2 of the
// midpoint (the 4x4 thresholds span 1/32..31/32), and full strength keeps
// the mean (the share of upper pixels is f to within a sixteenth).
func TestDitherToLevels(t *testing.T) {
	kept := []int{0, 20, 40, 60, 80, 100}
	cases := []struct {
		name      string
		pct       float32 // the field's value, in percent
		s         float32
		wantUpper float64 // share of pixels at the upper level
	}{
		{"nearest below the midpoint", 49, 0, 0},
		{"nearest above the midpoint", 51, 0, 1},
		{"light, far from the midpoint", 44, 0.25, 0},
		{"light, far above the midpoint", 56.5, 0.25, 1},
		{"light, at the midpoint", 50, 0.25, 0.5},
		{"full, a quarter of the way", 45, 1, 0.25},
		{"full, three quarters", 55, 1, 0.75},
		{"on a level", 60, 1, 0},
		{"white", 100, 1, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			const n = 32
			r := &radiograph.Radiograph{Width: n, Height: n, Pix: make([]float32, n*n), VOIFunction: radiograph.VOILinear}
			// Window centre 50.5, width 101 (DICOM linear: (x - (c-0.5)) /
			// (w-1) + 0.5): value v is v percent.
			for i := range r.Pix {
				r.Pix[i] = c.pct
			}
			w := radiograph.Window{Center: 50.5, Width: 101}
			require.InDelta(t, c.pct, r.VOIMap(w).Unit(r.Pix[0])*100, 1e-3)
			rect := image.Rect(0, 0, n, n)
			img := image.NewPaletted(rect, grayPalette(MaxSixelGrays, true))
			e := &encoder{}
			e.ditherToLevels(img, Request{Image: r, Window: w}, geometry{canvas: rect, img: rect}, kept, c.s)
			lower := 0
			for i := range kept {
				if kept[i] <= int(c.pct) {
					lower = i
				}
			}
			upper := 0
			for _, v := range img.Pix {
				require.Contains(t, []uint8{uint8(lower), uint8(lower + 1)}, v)
				if int(v) == lower+1 {
					upper++
				}
			}
			assert.InDelta(t, c.wantUpper, float64(upper)/float64(n*n), 1.0/16)
		})
	}
}
