package jpegluma

import (
	"bytes"
	"image/jpeg"
	"testing"

	"github.com/cxr-auditor/cxr-auditor/radiograph/phantom"
)

// BenchmarkDecode2048 decodes the 2048² benchmark phantom (grey baseline
// JPEG, quality 90, as `genphantoms -bench` writes it) with jpegluma and
// with image/jpeg; "float32" is DecodeFloat32, what render uses when it
// keeps every pixel (no averaging while decoding).
func BenchmarkDecode2048(b *testing.B) {
	im := phantom.Render(phantom.Spec{Variant: phantom.Pneumothorax, Width: 2048, Height: 2048, Seed: 7})
	var buf bytes.Buffer
	if err := im.Write(&buf, phantom.JPEG, "bench"); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.Run("jpegluma", func(b *testing.B) {
		b.SetBytes(2048 * 2048)
		for b.Loop() {
			if _, err := Decode(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("float32", func(b *testing.B) {
		b.SetBytes(2048 * 2048)
		for b.Loop() {
			if _, _, _, err := DecodeFloat32(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("image-jpeg", func(b *testing.B) {
		b.SetBytes(2048 * 2048)
		for b.Loop() {
			if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
