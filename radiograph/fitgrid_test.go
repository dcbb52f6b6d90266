package radiograph

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/radiograph/phantom"
)

func TestFitSize(t *testing.T) {
	for _, tc := range []struct {
		name         string
		sw, sh       int
		opt          LoadOptions
		fw, fh       int
		ok           bool
		whyNotFitted string
	}{
		{name: "width-bound square", sw: 2048, sh: 2048, opt: LoadOptions{Fit: true, DrawWidth: 1600, DrawHeight: 8192}, fw: 1600, fh: 1600, ok: true},
		{name: "width-bound portrait", sw: 1024, sh: 1248, opt: LoadOptions{Fit: true, DrawWidth: 700, DrawHeight: 8192}, fw: 700, fh: 853, ok: true},
		{name: "height-bound", sw: 1200, sh: 900, opt: LoadOptions{Fit: true, DrawWidth: 1000, DrawHeight: 500}, fw: 666, fh: 500, ok: true},
		{name: "no height bound", sw: 1001, sh: 803, opt: LoadOptions{Fit: true, DrawWidth: 300}, fw: 300, fh: 240, ok: true},
		{name: "no width bound", sw: 1001, sh: 803, opt: LoadOptions{Fit: true, DrawHeight: 300}, fw: 373, fh: 300, ok: true},
		{name: "a tall thin image keeps a row", sw: 4000, sh: 3, opt: LoadOptions{Fit: true, DrawWidth: 100}, fw: 100, fh: 1, ok: true},
		{name: "without Fit", sw: 2048, sh: 2048, opt: LoadOptions{DrawWidth: 1600}},
		{name: "no box", sw: 2048, sh: 2048, opt: LoadOptions{Fit: true}},
		{name: "image smaller than the box", sw: 500, sh: 400, opt: LoadOptions{Fit: true, DrawWidth: 800, DrawHeight: 800}},
		{name: "box as large as the image", sw: 500, sh: 400, opt: LoadOptions{Fit: true, DrawWidth: 500, DrawHeight: 8192}},
		{name: "fit over MaxGridPixels", sw: 8192, sh: 8192, opt: LoadOptions{Fit: true, DrawWidth: 6000}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fw, fh, ok := fitSize(tc.sw, tc.sh, tc.opt)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, [2]int{tc.fw, tc.fh}, [2]int{fw, fh})
			if ok {
				// Fitting the fitted size into the same box gives it back:
				// the caller draws the grid without scaling it again.
				s := math.Inf(1)
				if tc.opt.DrawWidth > 0 {
					s = float64(tc.opt.DrawWidth) / float64(fw)
				}
				if tc.opt.DrawHeight > 0 {
					s = math.Min(s, float64(tc.opt.DrawHeight)/float64(fh))
				}
				assert.Equal(t, [2]int{fw, fh}, [2]int{int(math.Floor(float64(fw) * s)), int(math.Floor(float64(fh) * s))})
			}
		})
	}
}

// TestFitDecodeIsResampleOfTheFullImage: a grid fitted while decoding
// (LoadOptions.Fit, at sizes no whole factor gives) holds what Resample
// makes of the full-resolution image, in every format, with the full
// image's default window and source size; a whole factor still gives
// block means.
func TestFitDecodeIsResampleOfTheFullImage(t *testing.T) {
	im := phantom.Render(phantom.Spec{Variant: phantom.Pneumothorax, Width: 640, Height: 520, Seed: 3})
	for _, f := range []phantom.Format{phantom.PNG16, phantom.PNG8, phantom.JPEG, phantom.DICOMMono1, phantom.DICOMSigned} {
		var buf bytes.Buffer
		require.NoError(t, im.Write(&buf, f, "fit"))
		name := fmt.Sprintf("fit.%s", map[bool]string{true: "dcm", false: "img"}[f == phantom.DICOMMono1 || f == phantom.DICOMSigned])
		full, err := Decode(context.Background(), bytes.NewReader(buf.Bytes()), name, LoadOptions{})
		require.NoError(t, err)
		lo, hi := full.Range()
		for _, box := range [][2]int{{500, 8192}, {333, 0}, {1000, 301}, {320, 8192}} {
			t.Run(fmt.Sprintf("%s/%dx%d", f, box[0], box[1]), func(t *testing.T) {
				opt := LoadOptions{Fit: true, DrawWidth: box[0], DrawHeight: box[1]}
				got, err := Decode(context.Background(), bytes.NewReader(buf.Bytes()), name, opt)
				require.NoError(t, err)
				fw, fh, ok := fitSize(640, 520, opt)
				require.True(t, ok)
				require.Equal(t, [2]int{fw, fh}, [2]int{got.Width, got.Height})
				assert.Equal(t, [2]int{640, 520}, [2]int{got.SourceWidth, got.SourceHeight})
				assert.Equal(t, full.DefaultWindow, got.DefaultWindow)
				assert.Equal(t, full.Format, got.Format)
				want := full.Resample(fw, fh)
				tol := float64(hi-lo) * 1e-5
				for i := range want {
					if math.Abs(float64(want[i]-got.Pix[i])) > tol {
						t.Fatalf("pixel (%d,%d): %g, Resample gives %g", i%fw, i/fw, got.Pix[i], want[i])
					}
				}
			})
		}
	}
}

// TestFitDecodeNeverHoldsTheFullImage: fitting a PNG while decoding
// allocates less than its full-resolution grid (the point of Fit: at
// 2048 to 1600 px that grid was 16.8 MB, built and then resampled).
func TestFitDecodeNeverHoldsTheFullImage(t *testing.T) {
	im := phantom.Render(phantom.Spec{Variant: phantom.Normal, Width: 1500, Height: 1400, Seed: 5})
	var buf bytes.Buffer
	require.NoError(t, im.Write(&buf, phantom.PNG16, "fit"))
	var r *Radiograph
	var err error
	n := allocated(func() {
		r, err = Decode(context.Background(), bytes.NewReader(buf.Bytes()), "fit.png", LoadOptions{Fit: true, DrawWidth: 1200, DrawHeight: 8192})
	})
	require.NoError(t, err)
	require.Equal(t, [2]int{1200, 1120}, [2]int{r.Width, r.Height})
	fullGrid := uint64(4 * 1500 * 1400)
	t.Logf("allocated %d KB, full grid %d KB, fitted grid %d KB", n>>10, fullGrid>>10, 4*r.Width*r.Height>>10)
	assert.Less(t, n, fullGrid)
}
