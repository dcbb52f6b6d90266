package render

import (
	"context"
	"encoding/base64"
	"image/png"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/ansi/iterm2"
)

// pngEncoder favours speed: the model input crosses a local socket once,
// and BestSpeed is several times faster than the default.
var pngEncoder = png.Encoder{CompressionLevel: png.BestSpeed}

// payloadGrays is the grey ramp of the kitty and iTerm2 canvases.
const payloadGrays = 240

// encodeITerm2 sends the canvas as an inline PNG drawn at its own pixel
// size (the canvas already has the right shape; no letterbox is sent).
func (e *encoder) encodeITerm2(_ context.Context, req Request, g geometry) (Picture, error) {
	img := e.canvasFor(req, g, grayPalette(payloadGrays, false), payloadGrays, false)
	data := appendPNG(nil, img, payloadGrays)
	seq := ansi.ITerm2(iterm2.File{
		Name:              base64.StdEncoding.EncodeToString([]byte("cxr-auditor.png")),
		Size:              int64(len(data)),
		Width:             iterm2.Pixels(g.canvas.Dx()),
		Height:            iterm2.Pixels(g.canvas.Dy()),
		IgnoreAspectRatio: true,
		Inline:            true,
		Content:           []byte(base64.StdEncoding.EncodeToString(data)),
	})
	return Picture{
		AtCursor: true, Cells: blankCells(g.cols, g.rows), Raw: e.passthrough([]byte(seq)),
		Cols: g.cols, Rows: g.rows, WidthPX: g.canvas.Dx(), HeightPX: g.canvas.Dy(),
	}, nil
}
