package tui

import (
	"context"
	"math"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/radiograph"
	"github.com/cxr-auditor/cxr-auditor/render"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// capturingEncoder is a render.Encoder that records what it is asked to
// draw (the radiograph, window and boxes) and draws nothing.
type capturingEncoder struct {
	mu   sync.Mutex
	reqs []render.Request
}

func (e *capturingEncoder) Protocol() render.Protocol { return render.ProtocolBlocks }

func (e *capturingEncoder) Encode(_ context.Context, req render.Request) (render.Picture, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.reqs = append(e.reqs, req)
	return render.Picture{Cells: "x", Cols: 1, Rows: 1, Key: "k"}, nil
}

func (e *capturingEncoder) last() render.Request {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.reqs[len(e.reqs)-1]
}

// shownStats returns the mean and standard deviation of the grey levels
// (0 black, 255 white) the last request puts on screen.
func shownStats(e *capturingEncoder) (mean, std float64) {
	req := e.last()
	g := req.Image.Gray(req.Window)
	for _, v := range g.Pix {
		mean += float64(v)
	}
	mean /= float64(len(g.Pix))
	for _, v := range g.Pix {
		std += (float64(v) - mean) * (float64(v) - mean)
	}
	return mean, math.Sqrt(std / float64(len(g.Pix)))
}

func phantomPath(name string) string { return filepath.Join("..", "testdata", "phantoms", name) }

// TestWindowKeysSameOnEveryImage: "brighter" brightens and "more contrast"
// adds contrast on PNG (8 and 16 bit), JPEG, MONOCHROME2 and MONOCHROME1
// DICOM, inverted or not. (The relative level used to move the window
// centre up for every image, which darkens a PNG and brightens a
// MONOCHROME1 DICOM.)
func TestWindowKeysSameOnEveryImage(t *testing.T) {
	for _, name := range phantoms {
		for _, invert := range []bool{false, true} {
			t.Run(name+map[bool]string{true: "/inverted"}[invert], func(t *testing.T) {
				enc := &capturingEncoder{}
				im := NewRenderImager(enc, 4, 0)
				view := DefaultImageView()
				view.Invert = invert
				encode := func(v ImageView) (float64, float64) {
					_, err := im.Encode(context.Background(), ImageRequest{ItemID: "x", Path: phantomPath(name), Cols: 40, Rows: 20, View: v})
					require.NoError(t, err)
					return shownStats(enc)
				}
				mean0, std0 := encode(view)
				brighter := view
				brighter.Window.Brightness = 0.1
				mean1, _ := encode(brighter)
				assert.Greater(t, mean1, mean0+1, "brighter is brighter")
				darker := view
				darker.Window.Brightness = -0.1
				mean2, _ := encode(darker)
				assert.Less(t, mean2, mean0-1, "darker is darker")
				contrast := view
				contrast.Window.Width = 0.6
				_, std3 := encode(contrast)
				assert.Greater(t, std3, std0, "a narrower window has more contrast")
			})
		}
	}
}

// TestInvertSwapsDarkAndLight: the invert key shows the negative of what
// is shown without it, for a MONOCHROME2 and a MONOCHROME1 image.
func TestInvertSwapsDarkAndLight(t *testing.T) {
	for _, name := range []string{"phantom-normal.png", "phantom-ptx-mono1.dcm"} {
		enc := &capturingEncoder{}
		im := NewRenderImager(enc, 4, 0)
		v := DefaultImageView()
		pic, err := im.Encode(context.Background(), ImageRequest{Path: phantomPath(name), Cols: 40, Rows: 20, View: v})
		require.NoError(t, err)
		assert.False(t, pic.Invert)
		req := enc.last()
		plain := req.Image.Gray(req.Window)
		v.Invert = true
		pic, err = im.Encode(context.Background(), ImageRequest{Path: phantomPath(name), Cols: 40, Rows: 20, View: v})
		require.NoError(t, err)
		assert.True(t, pic.Invert)
		req = enc.last()
		inv := req.Image.Gray(req.Window)
		require.Equal(t, len(plain.Pix), len(inv.Pix))
		for i := range plain.Pix {
			if math.Abs(float64(plain.Pix[i])+float64(inv.Pix[i])-255) > 1 {
				t.Fatalf("%s pixel %d: %d and %d are not each other's negative", name, i, plain.Pix[i], inv.Pix[i])
			}
		}
	}
}

// TestPresets: each preset's window, in the image's own units, is named
// on the picture; the percentile presets window the dark (lung) or bright
// (bone) part of the picture whichever way the file stores it.
func TestPresets(t *testing.T) {
	for _, tc := range []struct {
		name    string
		def     string
		inverse bool // MONOCHROME1: dark on screen is high in the file
	}{
		{"phantom-effusion-16bit.png", "default", false},
		{"phantom-ptx-mono1.dcm", "file VOI", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enc := &capturingEncoder{}
			im := NewRenderImager(enc, 4, 0)
			img, err := radiograph.Load(context.Background(), phantomPath(tc.name), radiograph.LoadOptions{})
			require.NoError(t, err)
			windows := map[WindowPreset]ShownWindow{}
			for p := PresetDefault; p < numPresets; p++ {
				v := DefaultImageView()
				v.Preset = p
				pic, err := im.Encode(context.Background(), ImageRequest{Path: phantomPath(tc.name), Cols: 40, Rows: 20, View: v})
				require.NoError(t, err)
				windows[p] = pic.Window
				assert.Equal(t, enc.last().Window.Center, pic.Window.Center, "the picture says the window it was drawn with")
			}
			assert.Equal(t, tc.def, windows[PresetDefault].Preset)
			assert.Equal(t, img.DefaultWindow.Center, windows[PresetDefault].Center)
			lo, hi := img.Range()
			assert.InDelta(t, float64(hi-lo), windows[PresetFull].Width, 1e-3)
			assert.Equal(t, "lung", windows[PresetLung].Preset)
			if tc.inverse {
				assert.Greater(t, windows[PresetLung].Center, windows[PresetBone].Center)
			} else {
				assert.Less(t, windows[PresetLung].Center, windows[PresetBone].Center)
			}
			assert.Less(t, windows[PresetLung].Width, windows[PresetFull].Width)
		})
	}
}

// TestZoomFromFullResolution: zoomed, the encoder gets the region of the
// full-resolution image (not an enlargement of the picture), and the boxes
// mapped onto it; a box outside the region is left out.
func TestZoomFromFullResolution(t *testing.T) {
	enc := &capturingEncoder{}
	im := NewRenderImager(enc, 4, 0)
	path := phantomPath("phantom-ptx-mono1.dcm")
	img, err := radiograph.Load(context.Background(), path, radiograph.LoadOptions{})
	require.NoError(t, err)
	v := DefaultImageView()
	v.Zoom, v.CenterX, v.CenterY = 2, 0.5, 0.5
	in := Overlay{Box: schema.Box{Y0: 0.3, X0: 0.3, Y1: 0.4, X1: 0.4}, Label: schema.Pneumothorax, Tag: "1"}
	out := Overlay{Box: schema.Box{Y0: 0.02, X0: 0.02, Y1: 0.1, X1: 0.1}, Label: schema.NoduleMass, Tag: "2"}
	_, err = im.Encode(context.Background(), ImageRequest{Path: path, Cols: 40, Rows: 20, View: v, Overlays: []Overlay{in, out}})
	require.NoError(t, err)
	req := enc.last()
	assert.Equal(t, img.Width/2, req.Image.Width, "half the full-resolution width")
	assert.Equal(t, img.Height/2, req.Image.Height)
	require.Len(t, req.Overlays, 1, "the box outside the region is left out")
	b := req.Overlays[0].Box
	assert.InDelta(t, 0.1, b.X0, 0.01)
	assert.InDelta(t, 0.3, b.X1, 0.01)
	assert.Equal(t, "1", req.Overlays[0].Tag)

	// A window change on the same zoom reuses the crop (and so the
	// encoder's scaled copy of it).
	crop := req.Image
	v.Window.Brightness = 0.05
	_, err = im.Encode(context.Background(), ImageRequest{Path: path, Cols: 40, Rows: 20, View: v})
	require.NoError(t, err)
	assert.Same(t, crop, enc.last().Image)
}

func TestImageViewRegion(t *testing.T) {
	v := DefaultImageView()
	assert.Equal(t, schema.Box{Y1: 1, X1: 1}, v.Region())
	v.Zoom, v.CenterX, v.CenterY = 4, 0.9, 0.1
	r := v.Region()
	assert.InDeltaSlice(t, []float64{0, 0.75, 0.25, 1}, []float64{r.Y0, r.X0, r.Y1, r.X1}, 1e-9, "kept inside the image")
	v.zoomBy(100)
	assert.Equal(t, MaxZoom, v.Zoom)
	v.zoomBy(1.0 / 1000)
	assert.Equal(t, DefaultImageView(), v, "zoomed out fully: back to the whole image")
}
