package render

import (
	"bytes"
	"image"
	"image/png"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPNGPayloadIsFilteredGreyAndSmaller: kitty and iTerm2 payloads were
// unfiltered paletted PNGs; without boxes they are filtered grey
// PNGs now, at least 30% smaller for the same pixels, and decode to exactly
// the canvas.
func TestPNGPayloadIsFilteredGreyAndSmaller(t *testing.T) {
	r, _ := bigRadiograph(&testing.B{})
	e := &encoder{proto: ProtocolKitty}
	for _, boxes := range []bool{false, true} {
		req := e.withDefaults(sixelRequest(r))
		req.ShowBoxes = boxes
		img := e.canvasFor(req, e.layout(req), grayPalette(payloadGrays, false), payloadGrays, false)
		got := appendPNG(nil, img, payloadGrays)
		var before bytes.Buffer
		require.NoError(t, pngEncoder.Encode(&before, img))
		t.Logf("boxes=%v: %d bytes, image/png BestSpeed paletted %d (%.1f%% smaller)", boxes, len(got), before.Len(), 100*(1-float64(len(got))/float64(before.Len())))
		assert.LessOrEqual(t, float64(len(got)), 0.70*float64(before.Len()))

		dec, err := png.Decode(bytes.NewReader(got))
		require.NoError(t, err)
		if boxes {
			assert.IsType(t, &image.Paletted{}, dec)
		} else {
			assert.IsType(t, &image.Gray{}, dec, "grey without boxes")
		}
		for y := range img.Rect.Dy() {
			for x := range img.Rect.Dx() {
				if rgbaAt(dec, x, y) != rgbaAt(img, x, y) {
					t.Fatalf("pixel %d,%d: %v, want %v", x, y, rgbaAt(dec, x, y), rgbaAt(img, x, y))
				}
			}
		}
	}
	// Small pictures are compressed in one piece.
	small := image.NewPaletted(image.Rect(0, 0, 3, 2), grayPalette(payloadGrays, false))
	_, err := png.Decode(bytes.NewReader(appendPNG(nil, small, payloadGrays)))
	require.NoError(t, err)
}

func BenchmarkPNGPayload1024(b *testing.B) {
	r, _ := bigRadiograph(b)
	e := &encoder{proto: ProtocolKitty}
	req := e.withDefaults(sixelRequest(r))
	img := e.canvasFor(req, e.layout(req), grayPalette(payloadGrays, false), payloadGrays, false)
	b.Run("ours", func(b *testing.B) {
		var n int
		for b.Loop() {
			n = len(appendPNG(nil, img, payloadGrays))
		}
		b.ReportMetric(float64(n), "bytes")
	})
	b.Run("image-png-bestspeed", func(b *testing.B) {
		var n int
		for b.Loop() {
			var buf bytes.Buffer
			pngEncoder.Encode(&buf, img)
			n = buf.Len()
		}
		b.ReportMetric(float64(n), "bytes")
	})
}
