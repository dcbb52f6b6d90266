package render

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"math/rand/v2"
	"testing"

	gosixel "github.com/mattn/go-sixel"
	"github.com/stretchr/testify/require"
)

// pctTo16 is the smallest 16-bit value go-sixel's truncating conversion
// (v*100/0xFFFF) maps back to p.
func pctTo16(p int) uint16 { return uint16((p*0xFFFF + 99) / 100) }

// TestSixelWriterMatchesGoSixel checks appendSixel against mattn/go-sixel
// on the same paletted images (go-sixel's paletted path writes indices as
// they are): decoded, every pixel is the same.
func TestSixelWriterMatchesGoSixel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	r := loadPhantom(t, "phantom-consolidation-signed.dcm")
	enc, _ := NewEncoder(ProtocolSixel, Caps{})
	e := enc.(*encoder)
	req := e.withDefaults(Request{Image: r, Window: r.DefaultWindow, Overlays: testOverlays(), ShowBoxes: true, Cols: 37, Rows: 23})
	phantomCanvas := e.canvasFor(req, e.layout(req), grayPalette(101, true), 101, false)

	random := func(w, h, colours int) *image.Paletted {
		img := image.NewPaletted(image.Rect(0, 0, w, h), grayPalette(colours, true)[:colours])
		for i := range img.Pix {
			if rng.IntN(3) > 0 { // runs as well as noise
				img.Pix[i] = uint8(rng.IntN(colours))
			} else if i > 0 {
				img.Pix[i] = img.Pix[i-1]
			}
		}
		return img
	}
	cases := map[string]*image.Paletted{
		"phantom with overlays":      phantomCanvas,
		"height not a multiple of 6": random(17, 13, 101),
		"one pixel":                  random(1, 1, 2),
		"one column":                 random(1, 40, 5),
		"wide flat":                  image.NewPaletted(image.Rect(0, 0, 300, 7), grayPalette(2, true)),
	}
	for name, img := range cases {
		t.Run(name, func(t *testing.T) {
			pct := make([][3]int, len(img.Palette))
			gp := make(color.Palette, len(img.Palette))
			for i, c := range img.Palette {
				rgba := color.RGBAModel.Convert(c).(color.RGBA)
				var p [3]int
				for j, v := range []uint8{rgba.R, rgba.G, rgba.B} {
					p[j] = (int(v)*100 + 127) / 255
				}
				pct[i] = p
				gp[i] = color.RGBA64{R: pctTo16(p[0]), G: pctTo16(p[1]), B: pctTo16(p[2]), A: 0xFFFF}
			}
			mine := appendSixel(nil, img, pct)
			ref := image.NewPaletted(img.Rect, gp)
			copy(ref.Pix, img.Pix)
			var theirs bytes.Buffer
			genc := gosixel.NewEncoder(&theirs)
			genc.Colors = 256
			require.NoError(t, genc.Encode(ref))

			a, err := decodeSixel(mine)
			require.NoError(t, err)
			b, err := decodeSixel(theirs.Bytes())
			require.NoError(t, err)
			require.Equal(t, b.Bounds(), a.Bounds())
			for y := 0; y < img.Rect.Dy(); y++ {
				for x := 0; x < img.Rect.Dx(); x++ {
					if pa, pb := rgbaAt(a, x, y), rgbaAt(b, x, y); pa != pb {
						t.Fatalf("pixel %d,%d: %v, go-sixel %v", x, y, pa, pb)
					}
				}
			}
		})
	}
}

// BenchmarkSixelWriterVsGoSixel compares render's writer with go-sixel's
// encoder on the same paletted canvas (1024² of the 2048² phantom, with
// boxes), at the full and the lean grey counts: time and bytes.
func BenchmarkSixelWriterVsGoSixel(b *testing.B) {
	r, _ := bigRadiograph(b)
	enc, _ := NewEncoder(ProtocolSixel, Caps{})
	e := enc.(*encoder)
	req := e.withDefaults(sixelRequest(r))
	for _, grays := range []int{sixelLean.grays, MaxSixelGrays} {
		img := e.canvasFor(req, e.layout(req), grayPalette(grays, true), grays, false)
		pct := sixelPercents(grays)
		b.Run(fmt.Sprintf("grays=%d/appendSixel", grays), func(b *testing.B) {
			var out []byte
			for b.Loop() {
				out = appendSixel(out[:0], img, pct)
			}
			b.ReportMetric(float64(len(out)), "sixel-bytes")
		})
		b.Run(fmt.Sprintf("grays=%d/go-sixel", grays), func(b *testing.B) {
			gp := make(color.Palette, len(pct))
			for i, p := range pct {
				gp[i] = color.RGBA64{R: pctTo16(p[0]), G: pctTo16(p[1]), B: pctTo16(p[2]), A: 0xFFFF}
			}
			ref := image.NewPaletted(img.Rect, gp)
			copy(ref.Pix, img.Pix)
			var buf bytes.Buffer
			genc := gosixel.NewEncoder(&buf)
			genc.Colors = 256
			for b.Loop() {
				buf.Reset()
				if err := genc.Encode(ref); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(buf.Len()), "sixel-bytes")
		})
	}
}
