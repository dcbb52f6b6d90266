package session

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/radiograph"
	"github.com/cxr-auditor/cxr-auditor/render"
)

// TestRenderDecodesToThePictureSize: render decodes an image straight to
// the picture's size (radiograph's Fit) whatever the size flags, so the
// encoder draws the grid as it is, with no second scaling: the drawn
// canvas is the grid, smaller than the file. Before, a width no whole
// factor reaches (2048 to 1600 px) decoded the full image, then scaled it.
func TestRenderDecodesToThePictureSize(t *testing.T) {
	for _, img := range []string{"phantom-normal.png", "phantom-cardiomegaly-landscape.png", "phantom-nodule.jpg", "phantom-ptx-mono1.dcm", "phantom-effusion-16bit.png"} {
		for _, tc := range []struct {
			proto             render.Protocol
			width, cols, rows int
			cellW, cellH      int
		}{
			{proto: render.ProtocolSixel, width: 777},
			{proto: render.ProtocolSixel, width: 333},
			{proto: render.ProtocolSixel, width: 499},
			{proto: render.ProtocolSixel, cols: 90, rows: 30},
			{proto: render.ProtocolSixel, cols: 50, rows: 60, cellW: 9, cellH: 19},
			{proto: render.ProtocolKitty, cols: 71, rows: 23},
			{proto: render.ProtocolITerm2, width: 601},
		} {
			t.Run(fmt.Sprintf("%s/%s/w%d/%dx%d", img, tc.proto, tc.width, tc.cols, tc.rows), func(t *testing.T) {
				f := RenderConfig{Image: filepath.Join("..", "testdata", "phantoms", img), Width: tc.width, Cols: tc.cols, Rows: tc.rows}
				caps := render.Caps{Protocol: tc.proto, CellW: tc.cellW, CellH: tc.cellH, ColorRegisters: 256, TrueColor: true}
				env := Env{Stdout: &bytes.Buffer{}, Getenv: func(string) string { return "" }}
				cols, rows := renderSize(env, f, caps, tc.proto)
				r, err := radiograph.Load(context.Background(), f.Image, loadOptions(f, caps, tc.proto, cols, rows))
				require.NoError(t, err)
				sw, sh := r.SourceSize()
				reduced := r.Width < sw
				enc, err := render.NewEncoder(tc.proto, caps)
				require.NoError(t, err)
				// The request Render makes (the cell size from caps).
				pic, err := enc.Encode(context.Background(), render.Request{Image: r, Window: r.DefaultWindow, Cols: cols, Rows: rows, MaxWidthPX: f.Width})
				require.NoError(t, err)
				if !reduced {
					// The file fits the box: kept whole, drawn as large.
					assert.GreaterOrEqual(t, pic.WidthPX, sw)
					return
				}
				assert.Equal(t, [2]int{r.Width, r.Height}, [2]int{pic.WidthPX, pic.HeightPX}, "the grid is the picture (source %dx%d)", sw, sh)
			})
		}
	}
}
