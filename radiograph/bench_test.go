package radiograph

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/cxr-auditor/cxr-auditor/radiograph/phantom"
)

// big is the benchmark radiograph: a 2048x2048 synthetic phantom with
// 12-bit values, stored as a 16-bit PNG and decoded like any input. It is
// generated at run time (once per process) rather than committed.
var big struct {
	once sync.Once
	png  []byte
	r    *Radiograph
	err  error
}

func bigRadiograph(b testing.TB) (*Radiograph, []byte) {
	b.Helper()
	big.once.Do(func() {
		im := phantom.Render(phantom.Spec{Variant: phantom.Pneumothorax, Width: 2048, Height: 2048, Seed: 7})
		var buf bytes.Buffer
		if big.err = png.Encode(&buf, im.Gray16()); big.err != nil {
			return
		}
		big.png = buf.Bytes()
		big.r, big.err = Decode(context.Background(), bytes.NewReader(big.png), "bench-2048.png", LoadOptions{})
	})
	if big.err != nil {
		b.Fatal(big.err)
	}
	return big.r, big.png
}

func BenchmarkDecodePNG16_2048(b *testing.B) {
	_, data := bigRadiograph(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Decode(context.Background(), bytes.NewReader(data), "b.png", LoadOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoadDICOM(b *testing.B) {
	p := filepath.Join(phantoms, "phantom-ptx-mono1.dcm")
	data, err := os.ReadFile(p)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Decode(context.Background(), bytes.NewReader(data), p, LoadOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAutoWindow2048(b *testing.B) {
	r, _ := bigRadiograph(b)
	for b.Loop() {
		AutoWindow(r)
	}
}

func BenchmarkModelInput2048(b *testing.B) {
	r, _ := bigRadiograph(b)
	for b.Loop() {
		if _, _, err := ModelInput(r, r.DefaultWindow, ModelSquash); err != nil {
			b.Fatal(err)
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

// drawHeight is render.MaxPictureSide: the height a `cxr-auditor render
// --width W` asks the decoder for.
const drawHeight = 8192

// BenchmarkLoadFile is the decoding part of render's BenchmarkRenderFile.
func BenchmarkLoadFile(b *testing.B) {
	files := benchFiles(b)
	for _, format := range []string{"png16", "png8", "jpeg", "dicom12"} {
		b.Run(format+"/1024", func(b *testing.B) {
			for b.Loop() {
				if _, err := Load(context.Background(), files[format], LoadOptions{DrawWidth: 1024, DrawHeight: drawHeight}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
