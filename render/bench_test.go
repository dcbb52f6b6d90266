package render

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/cxr-auditor/cxr-auditor/radiograph"
	"github.com/cxr-auditor/cxr-auditor/radiograph/phantom"
)

// big is the benchmark radiograph: a 2048x2048 synthetic phantom with
// 12-bit values, stored as a 16-bit PNG and decoded like any input. It is
// generated at run time (once per process) rather than committed.
var big struct {
	once sync.Once
	png  []byte
	r    *radiograph.Radiograph
	err  error
}

func bigRadiograph(b testing.TB) (*radiograph.Radiograph, []byte) {
	b.Helper()
	big.once.Do(func() {
		im := phantom.Render(phantom.Spec{Variant: phantom.Pneumothorax, Width: 2048, Height: 2048, Seed: 7})
		var buf bytes.Buffer
		if big.err = png.Encode(&buf, im.Gray16()); big.err != nil {
			return
		}
		big.png = buf.Bytes()
		big.r, big.err = radiograph.Decode(context.Background(), bytes.NewReader(big.png), "bench-2048.png", radiograph.LoadOptions{})
	})
	if big.err != nil {
		b.Fatal(big.err)
	}
	return big.r, big.png
}

// sixelRequest is 1024 px wide with the four test boxes.
func sixelRequest(r *radiograph.Radiograph) Request {
	return Request{
		Image: r, Window: r.DefaultWindow, Overlays: testOverlays(), ShowBoxes: true,
		Cols: 1024 / 8, Rows: 1024 / 16, Cell: CellSize{W: 8, H: 16}, MaxWidthPX: 1024,
	}
}

// BenchmarkSixelEncode2048 is a first draw: scale 2048 -> 1024, window, 4
// boxes, sixel with 101 greys. A new encoder per iteration defeats both
// caches.
func BenchmarkSixelEncode2048(b *testing.B) {
	r, _ := bigRadiograph(b)
	req := sixelRequest(r)
	var size int
	b.ResetTimer()
	for b.Loop() {
		enc, _ := NewEncoder(ProtocolSixel, Caps{ColorRegisters: 256})
		pic, err := enc.Encode(context.Background(), req)
		if err != nil {
			b.Fatal(err)
		}
		size = len(pic.Raw)
	}
	b.ReportMetric(float64(size), "sixel-bytes")

	// Fidelity of the same picture without boxes, against the windowed
	// full-resolution image scaled with Catmull-Rom (as for img2sixel).
	enc, _ := NewEncoder(ProtocolSixel, Caps{ColorRegisters: 256})
	plain := req
	plain.ShowBoxes = false
	pic, err := enc.Encode(context.Background(), plain)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(sixelPSNR(b, pic.Raw, r), "PSNR-dB")
}

// sixelPSNR decodes a sixel picture of r (image filling the canvas width,
// centred vertically) and returns its PSNR against the reference.
func sixelPSNR(b testing.TB, raw []byte, r *radiograph.Radiograph) float64 {
	b.Helper()
	img, err := decodeSixel(raw)
	if err != nil {
		b.Fatal(err)
	}
	w := img.Bounds().Dx()
	h := w * r.Height / r.Width
	off := (img.Bounds().Dy() - h) / 2
	ref := reference(r, r.DefaultWindow, image.Rect(0, 0, w, h))
	var sum float64
	for y := range h {
		for x := range w {
			c := rgbaAt(img, x, y+off)
			d := (float64(c.R)+float64(c.G)+float64(c.B))/3 - float64(ref.GrayAt(x, y).Y)
			sum += d * d
		}
	}
	return psnr(sum, w*h)
}

// BenchmarkSixelFromPNG2048 adds decoding the 16-bit PNG, for a like-for-
// like comparison with img2sixel, which decodes its input too.
func BenchmarkSixelFromPNG2048(b *testing.B) {
	_, data := bigRadiograph(b)
	b.ResetTimer()
	for b.Loop() {
		r, err := radiograph.Decode(context.Background(), bytes.NewReader(data), "bench.png", radiograph.LoadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		enc, _ := NewEncoder(ProtocolSixel, Caps{ColorRegisters: 256})
		if _, err := enc.Encode(context.Background(), sixelRequest(r)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWindowChange1024 is a window/level key press on a decoded,
// already scaled image: re-window, redraw boxes, re-encode the sixel.
func BenchmarkWindowChange1024(b *testing.B) {
	r, _ := bigRadiograph(b)
	enc, _ := NewEncoder(ProtocolSixel, Caps{ColorRegisters: 256})
	req := sixelRequest(r)
	if _, err := enc.Encode(context.Background(), req); err != nil {
		b.Fatal(err)
	}
	i := 0
	b.ResetTimer()
	for b.Loop() {
		i++
		req.Window = r.DefaultWindow.Adjust(float64(i%200)*0.001, 1) // a new window every time
		if _, err := enc.Encode(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeProtocols1024 compares the back ends on the same cached
// scale, changing the window each time.
func BenchmarkEncodeProtocols1024(b *testing.B) {
	r, _ := bigRadiograph(b)
	for _, p := range []Protocol{ProtocolSixel, ProtocolKitty, ProtocolITerm2, ProtocolBlocks} {
		b.Run(string(p), func(b *testing.B) {
			enc, _ := NewEncoder(p, Caps{ColorRegisters: 256, TrueColor: true})
			req := sixelRequest(r)
			if p == ProtocolBlocks {
				req.Cols, req.Rows, req.MaxWidthPX = 160, 50, 0
			}
			i := 0
			for b.Loop() {
				i++
				req.Window = r.DefaultWindow.Adjust(float64(i%200)*0.001, 1)
				if _, err := enc.Encode(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSixelGrays measures what the sixel grey count and dithering cost
// and give at 1024 px on the 2048² phantom (no boxes): bytes and PSNR
// against the Catmull-Rom reference. The profiles in sixel.go were chosen
// from these figures (docs/render.md).
func BenchmarkSixelGrays(b *testing.B) {
	r, _ := bigRadiograph(b)
	req := sixelRequest(r)
	req.ShowBoxes = false
	for _, grays := range []int{16, 24, 32, 40, 48, 64, 101} {
		for _, mode := range []string{"even", "dither", "adaptive", "coherent", "light=0.25", "light=0.5", "light=0.75", "light=1"} {
			var light float32
			if _, err := fmt.Sscanf(mode, "light=%g", &light); err == nil && grays == MaxSixelGrays {
				continue // adaptive at 101 greys is even spacing
			}
			name := fmt.Sprintf("grays=%d/%s", grays, mode)
			b.Run(name, func(b *testing.B) {
				var raw []byte
				for b.Loop() {
					enc, _ := NewEncoder(ProtocolSixel, Caps{})
					p := sixelProfile{grays: grays, dither: mode == "dither",
						adaptive: mode == "adaptive" || mode == "coherent" || light > 0, light: light}
					if mode == "coherent" {
						p.coherent = sixelLean.coherent
					}
					enc.(*encoder).sixelOverride = &p
					pic, err := enc.Encode(context.Background(), req)
					if err != nil {
						b.Fatal(err)
					}
					raw = pic.Raw
				}
				b.ReportMetric(float64(len(raw)), "bytes")
				b.ReportMetric(sixelPSNR(b, raw, r), "PSNR-dB")
			})
		}
	}
}

// benchFiles writes the 2048² phantom in the four formats compared with
// chafa (docs/render.md) (16-bit PNG, 8-bit PNG, baseline JPEG, 12-bit DICOM).
func benchFiles(b *testing.B) map[string]string {
	b.Helper()
	dir := b.TempDir()
	im := phantom.Render(phantom.Spec{Variant: phantom.Pneumothorax, Width: 2048, Height: 2048, Seed: 7})
	files := map[string]string{}
	for name, f := range map[string]phantom.Format{"png16": phantom.PNG16, "png8": phantom.PNG8, "jpeg": phantom.JPEG, "dicom12": phantom.DICOMMono1} {
		var buf bytes.Buffer
		if err := im.Write(&buf, f, "bench"); err != nil {
			b.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
			b.Fatal(err)
		}
		files[name] = p
	}
	return files
}

// BenchmarkRenderFile is what `cxr-auditor render FILE --protocol sixel
// --width W` does in-process: load (averaging down while decoding), window,
// scale, encode.
func BenchmarkRenderFile(b *testing.B) {
	files := benchFiles(b)
	for _, format := range []string{"png16", "png8", "jpeg", "dicom12"} {
		for _, w := range []int{512, 1024, 1600} {
			b.Run(fmt.Sprintf("%s/%d", format, w), func(b *testing.B) {
				for b.Loop() {
					r, err := radiograph.Load(context.Background(), files[format], radiograph.LoadOptions{DrawWidth: w, DrawHeight: MaxPictureSide})
					if err != nil {
						b.Fatal(err)
					}
					enc, _ := NewEncoder(ProtocolSixel, Caps{})
					if _, err := enc.Encode(context.Background(), Request{Image: r, Window: r.DefaultWindow, Cols: w/10 + 1, Rows: MaxPictureSide / 20, MaxWidthPX: w}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
