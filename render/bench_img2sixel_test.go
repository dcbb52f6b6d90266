package render

import (
	"bytes"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// BenchmarkImg2Sixel2048 is the baseline for BenchmarkSixelEncode2048 and
// BenchmarkSixelFromPNG2048: libsixel's img2sixel -w 1024 on the same
// picture (windowed to an 8-bit PNG, 2048x2048), as a subprocess. Run them
// side by side:
//
//	go test -run '^$' -bench 'Sixel.*2048' ./render/
//
// It includes process start and PNG decoding; img2sixel also quantizes and
// dithers (its defaults), which render's fixed palette does not need. It
// skips when img2sixel is not installed (apt install libsixel-bin).
func BenchmarkImg2Sixel2048(b *testing.B) {
	bin, err := exec.LookPath("img2sixel")
	if err != nil {
		b.Skip("img2sixel not installed (apt install libsixel-bin)")
	}
	r, _ := bigRadiograph(b)
	var buf bytes.Buffer
	if err := png.Encode(&buf, r.Gray(r.DefaultWindow)); err != nil {
		b.Fatal(err)
	}
	in := filepath.Join(b.TempDir(), "in.png")
	if err := os.WriteFile(in, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	var out []byte
	b.ResetTimer()
	for b.Loop() {
		out, err = exec.Command(bin, "-w", "1024", in).Output()
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(out)), "sixel-bytes")
	b.ReportMetric(sixelPSNR(b, out, r), "PSNR-dB")
}
