package radiograph

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

func TestDecodeRaster(t *testing.T) {
	g8 := image.NewGray(image.Rect(0, 0, 3, 2))
	g16 := image.NewGray16(image.Rect(0, 0, 3, 2))
	rgb := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	rgb64 := image.NewRGBA64(image.Rect(0, 0, 3, 2))
	for i := range 6 {
		x, y := i%3, i/3
		g8.SetGray(x, y, color.Gray{Y: uint8(i * 40)})
		g16.SetGray16(x, y, color.Gray16{Y: uint16(i * 800)}) // 12-bit values in 16
		rgb.SetNRGBA(x, y, color.NRGBA{R: uint8(i * 40), G: uint8(i * 40), B: uint8(i * 40), A: 255})
		rgb64.SetRGBA64(x, y, color.RGBA64{R: uint16(i * 800), G: uint16(i * 800), B: uint16(i * 800), A: 0xFFFF})
	}
	var jbuf bytes.Buffer
	require.NoError(t, jpeg.Encode(&jbuf, g8, &jpeg.Options{Quality: 100}))

	cases := []struct {
		name   string
		data   []byte
		format string
		want   func(i int) float32
		delta  float64
		window Window
	}{
		{"png8 grey", encodePNG(t, g8), "png8", func(i int) float32 { return float32(i * 40) }, 0, identityWindow8},
		{"png16 grey keeps 12-bit values", encodePNG(t, g16), "png16", func(i int) float32 { return float32(i * 800) }, 0, Window{}},
		{"png8 colour luminance", encodePNG(t, rgb), "png8", func(i int) float32 { return float32(i * 40) }, 0.01, identityWindow8},
		{"png16 colour luminance", encodePNG(t, rgb64), "png16", func(i int) float32 { return float32(i * 800) }, 0.1, Window{}},
		{"jpeg grey", jbuf.Bytes(), "jpeg", func(i int) float32 { return float32(i * 40) }, 3, identityWindow8},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Decode(context.Background(), bytes.NewReader(tc.data), "x", LoadOptions{})
			require.NoError(t, err)
			assert.Equal(t, tc.format, r.Format)
			assert.Equal(t, 3, r.Width)
			assert.Equal(t, 2, r.Height)
			assert.Equal(t, "x", r.Source)
			for i, v := range r.Pix {
				assert.InDelta(t, tc.want(i), v, tc.delta, "pixel %d", i)
			}
			if tc.window != (Window{}) {
				assert.Equal(t, tc.window, r.DefaultWindow)
			} else {
				assert.Equal(t, AutoWindow(r), r.DefaultWindow)
			}
		})
	}
}

func TestDecodeRefusesTooManyPixelsBeforeDecoding(t *testing.T) {
	data := encodePNG(t, image.NewGray(image.Rect(0, 0, 100, 100)))
	_, err := Decode(context.Background(), bytes.NewReader(data), "big.png", LoadOptions{MaxPixels: 9999})
	require.ErrorIs(t, err, ErrTooLarge)
	assert.Contains(t, err.Error(), "big.png")

	// A PNG header claiming 100000x100000 with no pixel data: rejected from
	// the header alone.
	hdr := append([]byte(nil), data[:33]...)
	copy(hdr[16:], []byte{0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0})
	_, err = Decode(context.Background(), bytes.NewReader(hdr), "bomb.png", LoadOptions{})
	require.Error(t, err)

	_, err = Decode(context.Background(), bytes.NewReader(data), "ok.png", LoadOptions{MaxPixels: 10000})
	require.NoError(t, err)
}

func TestDecodeErrorsNameTheFile(t *testing.T) {
	good := encodePNG(t, image.NewGray(image.Rect(0, 0, 50, 50)))
	cases := map[string][]byte{
		"truncated.png": good[:len(good)/2],
		"garbage.bin":   []byte("hello, not an image"),
		"empty.png":     nil,
		"trunc.jpg":     {0xFF, 0xD8, 0xFF, 0xE0, 0, 16},
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Decode(context.Background(), bytes.NewReader(data), name, LoadOptions{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), name)
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.png")
	require.NoError(t, os.WriteFile(p, encodePNG(t, image.NewGray(image.Rect(0, 0, 4, 4))), 0o644))
	r, err := Load(context.Background(), p, LoadOptions{})
	require.NoError(t, err)
	assert.Equal(t, p, r.Source)

	_, err = Load(context.Background(), filepath.Join(dir, "missing.png"), LoadOptions{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "missing.png")

	_, err = Load(context.Background(), dir, LoadOptions{})
	require.Error(t, err)

	// The file-size guard refuses before reading.
	_, err = Load(context.Background(), p, LoadOptions{MaxPixels: 1})
	require.Error(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Load(ctx, p, LoadOptions{})
	require.ErrorIs(t, err, context.Canceled)
}

func FuzzDecode(f *testing.F) {
	f.Add(encodePNG(f, image.NewGray(image.Rect(0, 0, 3, 3))))
	f.Add(encodePNG(f, image.NewGray16(image.Rect(0, 0, 2, 5))))
	f.Add([]byte{0xFF, 0xD8, 0xFF})
	f.Add(append(make([]byte, 128), []byte("DICM\x02\x00\x00\x00UL\x04\x00\x00\x00\x00\x00")...))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Decode(context.Background(), bytes.NewReader(data), "fuzz.dcm", LoadOptions{MaxPixels: 1 << 20})
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.dcm") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if r.Width*r.Height != len(r.Pix) || r.Width <= 0 {
			t.Fatalf("inconsistent radiograph %dx%d with %d pixels", r.Width, r.Height, len(r.Pix))
		}
	})
}

// TestJPEGLumaIsImageJPEGs: whichever decoder reads a JPEG (jpegluma for
// baseline grey and YCbCr, straight to float32 at full resolution;
// image/jpeg for the rest), Load gives the luma image/jpeg decodes, value
// for value, and its k x k block means when it averages while decoding.
func TestJPEGLumaIsImageJPEGs(t *testing.T) {
	files := []string{"phantom-nodule.jpg", "../../radiograph/internal/jpegluma/testdata/im-ycbcr422.jpg",
		"../../radiograph/internal/jpegluma/testdata/im-progressive.jpg"}
	for _, name := range files {
		data, err := os.ReadFile(filepath.Join("..", "testdata", "phantoms", name))
		require.NoError(t, err)
		img, err := jpeg.Decode(bytes.NewReader(data))
		require.NoError(t, err)
		b := img.Bounds()
		luma := func(x, y int) float64 {
			switch m := img.(type) {
			case *image.Gray:
				return float64(m.GrayAt(x, y).Y)
			case *image.YCbCr:
				return float64(m.YCbCrAt(x, y).Y)
			}
			t.Fatalf("image/jpeg gave %T", img)
			return 0
		}
		for _, k := range []int{1, 2, 3} {
			t.Run(fmt.Sprintf("%s/k=%d", filepath.Base(name), k), func(t *testing.T) {
				r, err := Decode(context.Background(), bytes.NewReader(data), name, LoadOptions{DrawWidth: b.Dx() / k})
				require.NoError(t, err)
				gw, gh := ceilDiv(b.Dx(), k), ceilDiv(b.Dy(), k)
				require.Equal(t, [2]int{gw, gh}, [2]int{r.Width, r.Height})
				require.Equal(t, [2]int{b.Dx(), b.Dy()}, [2]int{r.SourceWidth, r.SourceHeight})
				for gy := range gh {
					for gx := range gw {
						var sum float64
						n := 0
						for y := gy * k; y < min((gy+1)*k, b.Dy()); y++ {
							for x := gx * k; x < min((gx+1)*k, b.Dx()); x++ {
								sum += luma(x, y)
								n++
							}
						}
						got := r.Pix[gy*gw+gx]
						if k == 1 {
							require.Equal(t, float32(sum), got, "pixel (%d,%d)", gx, gy)
						} else {
							require.InDelta(t, sum/float64(n), float64(got), 1e-3, "block (%d,%d)", gx, gy)
						}
					}
				}
			})
		}
	}
}

// TestDamagedJPEGIsImageJPEGs: a stream jpegluma refuses part-way (here
// truncated) gets what image/jpeg gives it, at full resolution (the
// float32 path) and averaged, and an error names the file.
func TestDamagedJPEGIsImageJPEGs(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "phantoms", "phantom-nodule.jpg"))
	require.NoError(t, err)
	cut := data[:len(data)/2]
	_, wantErr := jpeg.Decode(bytes.NewReader(cut))
	require.Error(t, wantErr, "image/jpeg reads half a file")
	for _, opt := range []LoadOptions{{}, {DrawWidth: 300}} {
		_, err := Decode(context.Background(), bytes.NewReader(cut), "half.jpg", opt)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "half.jpg")
	}
}
