package jpegluma

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// reference is image/jpeg's luma plane of data, or nil and its error.
func reference(t testing.TB, data []byte) (*image.Gray, error) {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	switch m := img.(type) {
	case *image.Gray:
		return m, nil
	case *image.YCbCr:
		return &image.Gray{Pix: m.Y, Stride: m.YStride, Rect: m.Rect}, nil
	}
	return nil, fmt.Errorf("image/jpeg returned %T", img)
}

// requireSameLuma fails unless got, and DecodeFloat32's values, equal
// image/jpeg's luma pixel for pixel, stride included.
func requireSameLuma(t *testing.T, data []byte, got *image.Gray) {
	t.Helper()
	want, err := reference(t, data)
	require.NoError(t, err, "image/jpeg")
	f, w, h, err := DecodeFloat32(data)
	require.NoError(t, err, "DecodeFloat32")
	require.Equal(t, want.Rect.Size(), image.Pt(w, h))
	require.Len(t, f, w*h)
	for y := range h {
		for x := range w {
			require.Equal(t, float32(want.GrayAt(x, y).Y), f[y*w+x], "float pixel (%d,%d)", x, y)
		}
	}
	require.Equal(t, want.Rect, got.Rect)
	require.Equal(t, want.Stride, got.Stride)
	b := want.Rect
	for y := b.Min.Y; y < b.Max.Y; y++ {
		w := want.Pix[want.PixOffset(b.Min.X, y) : want.PixOffset(b.Max.X-1, y)+1]
		g := got.Pix[got.PixOffset(b.Min.X, y) : got.PixOffset(b.Max.X-1, y)+1]
		require.Equal(t, w, g, "row %d", y)
	}
}

var (
	grey    = []testComp{{1, 1, 1}}
	grey22  = []testComp{{1, 2, 2}} // factors a single component ignores
	ycc444  = []testComp{{1, 1, 1}, {2, 1, 1}, {3, 1, 1}}
	ycc422  = []testComp{{1, 2, 1}, {2, 1, 1}, {3, 1, 1}}
	ycc420  = []testComp{{1, 2, 2}, {2, 1, 1}, {3, 1, 1}}
	ycc440  = []testComp{{1, 1, 2}, {2, 1, 1}, {3, 1, 1}}
	ycc411  = []testComp{{1, 4, 1}, {2, 1, 1}, {3, 1, 1}}
	ycc4x2  = []testComp{{1, 4, 2}, {2, 1, 1}, {3, 1, 1}}
	rgbComp = []testComp{{'R', 1, 1}, {'G', 1, 1}, {'B', 1, 1}}
)

func TestMatchesImageJPEG(t *testing.T) {
	cases := map[string]testSpec{
		"grey":                         {w: 61, h: 37, comps: grey},
		"grey one block":               {w: 8, h: 8, comps: grey},
		"grey one pixel":               {w: 1, h: 1, comps: grey},
		"grey tall, many strips":       {w: 9, h: 300, comps: grey},
		"grey restart every MCU":       {w: 61, h: 37, comps: grey, restart: 1},
		"grey restart 7, dense":        {w: 100, h: 90, comps: grey, restart: 7, dense: true},
		"grey sampling ignored":        {w: 45, h: 33, comps: grey22, restart: 3},
		"grey 16-bit tables":           {w: 64, h: 64, comps: grey, quant16: true, dense: true},
		"4:4:4":                        {w: 61, h: 37, comps: ycc444, jfif: true},
		"4:2:2 restart 2":              {w: 61, h: 37, comps: ycc422, jfif: true, restart: 2},
		"4:2:0 dense":                  {w: 130, h: 97, comps: ycc420, jfif: true, dense: true},
		"4:4:0":                        {w: 33, h: 65, comps: ycc440, jfif: true},
		"4:1:1 restart 5":              {w: 77, h: 40, comps: ycc411, restart: 5},
		"4:2:0 (4x2 luma)":             {w: 70, h: 50, comps: ycc4x2},
		"4:2:0 one scan per component": {w: 61, h: 37, comps: ycc420, separate: true},
		"4:4:4 one scan per component, restart 4": {w: 61, h: 37, comps: ycc444, separate: true, restart: 4},
		"grey, wide, restart 50":                  {w: 1000, h: 24, comps: grey, restart: 50},
	}
	for name, spec := range cases {
		for seed := range uint64(3) {
			t.Run(fmt.Sprintf("%s/seed%d", name, seed), func(t *testing.T) {
				spec.seed = seed
				data := encodeTest(spec)
				got, err := Decode(data)
				require.NoError(t, err)
				requireSameLuma(t, data, got)
			})
		}
	}
}

// TestMatchesImageJPEGOnEncodedImages compares real encoders' files: Go's
// (grey and 4:2:0) and ImageMagick's (testdata: optimized Huffman tables,
// 4:2:2, 4:4:4; made from a plasma fractal with convert-im6).
func TestMatchesImageJPEGOnEncodedImages(t *testing.T) {
	files := map[string][]byte{}
	for _, size := range []image.Point{{1, 1}, {17, 9}, {640, 480}, {333, 517}} {
		g := image.NewGray(image.Rect(0, 0, size.X, size.Y))
		c := image.NewRGBA(g.Rect)
		for y := range size.Y {
			for x := range size.X {
				g.SetGray(x, y, color.Gray{Y: uint8(x*7 ^ y*3)})
				c.Set(x, y, color.RGBA{uint8(x), uint8(y * 2), uint8(x + y), 255})
			}
		}
		for _, q := range []int{10, 75, 100} {
			var b bytes.Buffer
			require.NoError(t, jpeg.Encode(&b, g, &jpeg.Options{Quality: q}))
			files[fmt.Sprintf("go grey %v q%d", size, q)] = bytes.Clone(b.Bytes())
			b.Reset()
			require.NoError(t, jpeg.Encode(&b, c, &jpeg.Options{Quality: q}))
			files[fmt.Sprintf("go colour %v q%d", size, q)] = bytes.Clone(b.Bytes())
		}
	}
	paths, err := filepath.Glob("testdata/im-*.jpg")
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, p := range paths {
		if filepath.Base(p) == "im-progressive.jpg" {
			continue
		}
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		files[p] = data
	}
	for name, data := range files {
		t.Run(name, func(t *testing.T) {
			got, err := Decode(data)
			require.NoError(t, err)
			requireSameLuma(t, data, got)
		})
	}
}

// TestRefusesWhatItDoesNotHandle: every refusal wraps ErrUnsupported or
// ErrFormat, so the caller knows to ask image/jpeg.
func TestRefusesWhatItDoesNotHandle(t *testing.T) {
	progressive, err := os.ReadFile("testdata/im-progressive.jpg")
	require.NoError(t, err)
	good := encodeTest(testSpec{w: 40, h: 40, comps: grey, restart: 2, seed: 1})
	truncated := good[:len(good)*2/3]
	badRST := bytes.Clone(good)
	sos := bytes.Index(badRST, []byte{0xFF, markerSOS})
	i := bytes.Index(badRST[sos:], []byte{0xFF, markerRST0 + 1})
	require.Positive(t, i)
	badRST[sos+i+1] = markerRST0 + 5

	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrFormat},
		{"not a JPEG", []byte("\x89PNG\r\n\x1a\n"), ErrFormat},
		{"progressive", progressive, ErrUnsupported},
		{"RGB (Adobe transform 0)", encodeTest(testSpec{w: 16, h: 16, comps: ycc444, adobe: true}), ErrUnsupported},
		{"RGB named, but JFIF says YCbCr", encodeTest(testSpec{w: 16, h: 16, comps: rgbComp, jfif: true}), nil},
		{"RGB (components R, G, B)", encodeTest(testSpec{w: 16, h: 16, comps: rgbComp}), ErrUnsupported},
		{"truncated scan", truncated, ErrFormat},
		// image/jpeg counts restart intervals of a non-interleaved scan in
		// MCUs of the interleaved grid, T.81 in blocks: let it decide.
		{"restarts in a luma-only scan of 4:2:0", encodeTest(testSpec{w: 40, h: 40, comps: ycc420, separate: true, restart: 2}), ErrUnsupported},
		{"wrong restart marker", badRST, ErrFormat},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Decode(c.data)
			_, _, _, ferr := DecodeFloat32(c.data)
			if c.want == nil {
				require.NoError(t, ferr, "DecodeFloat32")
				require.NoError(t, err)
				requireSameLuma(t, c.data, got)
				return
			}
			require.ErrorIs(t, err, c.want)
			require.ErrorIs(t, ferr, c.want, "DecodeFloat32")
		})
	}
}

// TestWorkersStop: a failure in the middle of a scan leaves no goroutine
// behind.
func TestWorkersStop(t *testing.T) {
	good := encodeTest(testSpec{w: 64, h: 400, comps: grey, dense: true, seed: 2})
	before := runtime.NumGoroutine()
	for range 20 {
		_, err := Decode(good[:len(good)/2])
		require.Error(t, err)
		_, _, _, err = DecodeFloat32(good[:len(good)/2])
		require.Error(t, err)
	}
	// Decode waits for its workers before returning; a worker that has
	// called wg.Done may still be counted for a moment while it exits, so
	// wait for the count to settle: a leaked worker, blocked on its
	// channel, never would.
	// (A loop, not assert.Eventually, which runs its condition on a
	// goroutine of its own.)
	for deadline := time.Now().Add(10 * time.Second); runtime.NumGoroutine() > before && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	assert.LessOrEqual(t, runtime.NumGoroutine(), before)
}

// FuzzDecode: neither entry point panics, both accept the same streams, and
// whatever jpegluma and image/jpeg both accept decodes to the same pixels.
func FuzzDecode(f *testing.F) {
	f.Add(encodeTest(testSpec{w: 20, h: 20, comps: grey, restart: 1}))
	f.Add(encodeTest(testSpec{w: 24, h: 17, comps: ycc420, jfif: true, restart: 3}))
	f.Add(encodeTest(testSpec{w: 24, h: 17, comps: ycc422, separate: true}))
	for _, p := range []string{"testdata/im-grey-optimized.jpg", "testdata/im-ycbcr422.jpg", "testdata/im-progressive.jpg"} {
		data, err := os.ReadFile(p)
		require.NoError(f, err)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
		if err != nil || cfg.Width*cfg.Height > 1<<20 {
			return
		}
		got, err := Decode(data)
		_, _, _, ferr := DecodeFloat32(data)
		require.Equal(t, err == nil, ferr == nil, "Decode: %v; DecodeFloat32: %v", err, ferr)
		if err != nil {
			return
		}
		if _, err := reference(t, data); err != nil {
			return
		}
		requireSameLuma(t, data, got)
	})
}
