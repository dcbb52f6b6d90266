package radiograph

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// viaImagePNG is the reference: image/png, then the generic conversion.
func viaImagePNG(t testing.TB, data []byte) *Radiograph {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	require.NoError(t, err)
	r, _ := fromImage(img, LoadOptions{})
	return r
}

// TestPNGRowDecoderMatchesImagePNG decodes every colour type and bit depth
// (every filter type, as the encoders choose them per row) with the row
// decoder and with image/png, and compares the values.
func TestPNGRowDecoderMatchesImagePNG(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const w, h = 37, 23
	smooth := func(x, y int) int { return (x*9 + y*5 + rng.IntN(9)) }
	gray := image.NewGray(image.Rect(0, 0, w, h))
	gray16 := image.NewGray16(image.Rect(0, 0, w, h))
	nrgba := image.NewNRGBA(image.Rect(0, 0, w, h))
	rgba := image.NewRGBA(image.Rect(0, 0, w, h))
	nrgba64 := image.NewNRGBA64(image.Rect(0, 0, w, h))
	var pals []*image.Paletted
	for _, n := range []int{2, 4, 16, 256} {
		pal := make(color.Palette, n)
		for i := range pal {
			pal[i] = color.RGBA{uint8(i * 37), uint8(i * 91), uint8(255 - i), 255}
		}
		pals = append(pals, image.NewPaletted(image.Rect(0, 0, w, h), pal))
	}
	for y := range h {
		for x := range w {
			v := smooth(x, y)
			gray.SetGray(x, y, color.Gray{uint8(v)})
			gray16.SetGray16(x, y, color.Gray16{uint16(v * 97)})
			nrgba.SetNRGBA(x, y, color.NRGBA{uint8(v), uint8(v * 3), uint8(v / 2), uint8(128 + v%100)})
			rgba.SetRGBA(x, y, color.RGBA{uint8(v), uint8(v * 3), uint8(v / 2), 255})
			nrgba64.SetNRGBA64(x, y, color.NRGBA64{uint16(v * 90), uint16(v * 300), uint16(v * 7), 0xFFFF})
			for _, p := range pals {
				p.SetColorIndex(x, y, uint8(v%len(p.Palette)))
			}
		}
	}
	imgs := map[string]image.Image{"gray8": gray, "gray16": gray16, "nrgba": nrgba, "rgba": rgba, "nrgba64": nrgba64}
	for i, p := range pals {
		imgs["paletted"+string(rune('a'+i))] = p
	}
	files := map[string][]byte{}
	for name, img := range imgs {
		for _, level := range []png.CompressionLevel{png.NoCompression, png.BestSpeed, png.DefaultCompression} {
			var buf bytes.Buffer
			require.NoError(t, (&png.Encoder{CompressionLevel: level}).Encode(&buf, img))
			files[name+"/"+string(rune('0'+level+3))] = buf.Bytes()
		}
	}
	// Low bit depth grey and 16-bit grey+alpha, which Go's encoder does not write.
	dir := t.TempDir()
	for _, depth := range []int{1, 2, 4} {
		p := filepath.Join(dir, "g.png")
		writePNGStream(t, p, w, h, depth, 0, func(y int, buf []byte) {
			for i := range buf {
				buf[i] = byte(rng.Uint32())
			}
		})
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		files["grey"+string(rune('0'+depth))] = data
	}
	p := filepath.Join(dir, "ga16.png")
	writePNGStream(t, p, w, h, 16, 4, func(y int, buf []byte) {
		for i := range buf {
			buf[i] = byte(rng.Uint32())
		}
	})
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	files["greyalpha16"] = data
	// Interlaced (image/png's path) when ImageMagick is here to write one.
	if convert, err := exec.LookPath("convert"); err == nil {
		src := filepath.Join(dir, "src.png")
		require.NoError(t, os.WriteFile(src, files["gray16/2"], 0o600))
		dst := filepath.Join(dir, "adam7.png")
		require.NoError(t, exec.Command(convert, src, "-interlace", "PNG", dst).Run())
		data, err := os.ReadFile(dst)
		require.NoError(t, err)
		require.Equal(t, byte(1), data[28], "interlaced")
		files["interlaced"] = data
	}
	for name, data := range files {
		t.Run(name, func(t *testing.T) {
			got, err := Decode(context.Background(), bytes.NewReader(data), name, LoadOptions{})
			require.NoError(t, err)
			want := viaImagePNG(t, data)
			require.Equal(t, want.Width, got.Width)
			require.Equal(t, want.Height, got.Height)
			for i := range want.Pix {
				if !assert.InDelta(t, want.Pix[i], got.Pix[i], 0.02, "pixel %d", i) {
					return
				}
			}
		})
	}
}

func TestPNGRowDecoderErrors(t *testing.T) {
	good := encodePNG(t, image.NewGray16(image.Rect(0, 0, 40, 30)))
	badCRC := bytes.Clone(good)
	badCRC[29] ^= 1 // inside IHDR's CRC
	cases := map[string][]byte{
		"truncated in the data": good[:len(good)-20],
		"only the header":       good[:33],
		"bad checksum":          badCRC,
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Decode(context.Background(), bytes.NewReader(data), "x.png", LoadOptions{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "x.png")
		})
	}
}

// FuzzDecodePNG: the row decoder never panics, and where both it and
// image/png decode a file, they agree.
func FuzzDecodePNG(f *testing.F) {
	f.Add(encodePNG(f, image.NewGray16(image.Rect(0, 0, 3, 2))))
	f.Add(encodePNG(f, image.NewNRGBA(image.Rect(0, 0, 2, 3))))
	pal := image.NewPaletted(image.Rect(0, 0, 5, 1), color.Palette{color.Black, color.White, color.Gray{100}})
	f.Add(encodePNG(f, pal))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := Decode(context.Background(), bytes.NewReader(data), "f.png", LoadOptions{MaxPixels: 1 << 16})
		if err != nil {
			return
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			return
		}
		want, _ := fromImage(img, LoadOptions{})
		if want.Width != got.Width || want.Height != got.Height {
			t.Fatalf("size %dx%d, image/png %dx%d", got.Width, got.Height, want.Width, want.Height)
		}
		for i := range want.Pix {
			if d := want.Pix[i] - got.Pix[i]; d > 0.02 || d < -0.02 {
				t.Fatalf("pixel %d: %v, image/png %v", i, got.Pix[i], want.Pix[i])
			}
		}
	})
}
