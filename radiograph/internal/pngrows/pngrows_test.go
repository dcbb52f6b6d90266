package pngrows

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readRows reads every row of the PNG in data, with the 16-bit counts.
func readRows(t testing.TB, data []byte) (Header, []float32, []uint32, error) {
	s, err := Open(bytes.NewReader(data), func(int, int) error { return nil })
	if err != nil {
		return Header{}, nil, nil, err
	}
	out := make([]float32, s.Width*s.Height)
	counts := make([]uint32, 1<<16)
	y := 0
	err = s.Rows(context.Background(), Sink{
		Row:    func() []float32 { return out[y*s.Width : (y+1)*s.Width] },
		Commit: func() { y++ },
		Counts: counts,
	})
	return s.Header, out, counts, err
}

func encode(t testing.TB, img image.Image) []byte {
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// TestRowsAreLuminance: grey as stored, colour as Rec. 601 luma, a palette
// through its colours, 16-bit grey counted.
func TestRowsAreLuminance(t *testing.T) {
	g16 := image.NewGray16(image.Rect(0, 0, 3, 2))
	g16.SetGray16(1, 0, color.Gray16{Y: 4095})
	g16.SetGray16(2, 1, color.Gray16{Y: 65535})
	rgb := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	rgb.Set(0, 0, color.NRGBA{R: 255, A: 255})
	rgb.Set(1, 0, color.NRGBA{G: 255, B: 255, A: 128})
	pal := image.NewPaletted(image.Rect(0, 0, 2, 1), color.Palette{color.Gray{Y: 10}, color.RGBA{B: 200, A: 255}})
	pal.SetColorIndex(1, 0, 1)
	cases := []struct {
		name  string
		img   image.Image
		want  []float32
		count map[int]uint32
	}{
		{"16-bit grey", g16, []float32{0, 4095, 0, 0, 0, 65535}, map[int]uint32{0: 4, 4095: 1, 65535: 1}},
		{"RGBA, alpha ignored", rgb, []float32{luma(255, 0, 0), luma(0, 255, 255)}, nil},
		{"palette", pal, []float32{10, luma(0, 0, 200)}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, got, counts, err := readRows(t, encode(t, c.img))
			require.NoError(t, err)
			assert.InDeltaSlice(t, c.want, got, 1e-3)
			for v, n := range c.count {
				assert.Equal(t, n, counts[v], "count of %d", v)
			}
		})
	}
}

// TestOpenChecksBeforeReadingPixels: the caller's check sees the size
// first, and its error is returned as it is.
func TestOpenChecksBeforeReadingPixels(t *testing.T) {
	data := encode(t, image.NewGray(image.Rect(0, 0, 7, 5)))
	limit := errors.New("too large")
	var w, h int
	_, err := Open(bytes.NewReader(data[:33]), func(gw, gh int) error { w, h = gw, gh; return limit })
	require.ErrorIs(t, err, limit)
	assert.Equal(t, [2]int{7, 5}, [2]int{w, h})
}

func FuzzRows(f *testing.F) {
	f.Add(encode(f, image.NewGray(image.Rect(0, 0, 4, 3))))
	f.Add(encode(f, image.NewGray16(image.Rect(0, 0, 2, 2))))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Open(bytes.NewReader(data), func(w, h int) error {
			if w*h > 1<<16 {
				return errors.New("too large")
			}
			return nil
		})
		if err != nil || s.Interlaced {
			return
		}
		buf := make([]float32, s.Width)
		_ = s.Rows(context.Background(), Sink{Row: func() []float32 { return buf }, Commit: func() {}})
	})
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestRowsStreamTheImageData: the first row is handed over before the
// compressed data is read whole (a noisy image's compressed data is as
// big as its pixels; it once was read whole first), and every row still
// arrives.
func TestRowsStreamTheImageData(t *testing.T) {
	img := image.NewGray16(image.Rect(0, 0, 512, 512))
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = uint8(rnd.Uint32())
	}
	data := encode(t, img)
	cr := &countingReader{r: bytes.NewReader(data)}
	s, err := Open(cr, func(int, int) error { return nil })
	require.NoError(t, err)
	row := make([]float32, s.Width)
	rows, readAtFirst := 0, 0
	err = s.Rows(context.Background(), Sink{
		Row: func() []float32 { return row },
		Commit: func() {
			if rows == 0 {
				readAtFirst = cr.n
			}
			rows++
		},
	})
	require.NoError(t, err)
	assert.Equal(t, 512, rows)
	assert.Less(t, readAtFirst, len(data)/4, "read %d of %d bytes before the first row", readAtFirst, len(data))
}
