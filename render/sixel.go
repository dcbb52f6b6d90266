package render

import (
	"bytes"
	"context"

	"github.com/charmbracelet/x/ansi"
	"github.com/mattn/go-sixel"
)

// MaxSixelGrays is the number of grey levels a sixel picture uses when the
// terminal has registers to spare: 101, one per whole percent, which is all
// a sixel colour register can express.
const MaxSixelGrays = 101

// sixelState is the reusable go-sixel encoder and its output buffer.
type sixelState struct {
	buf bytes.Buffer
	enc *sixel.Encoder
}

// sixelGrays is how many greys fit beside the overlay colours in the
// terminal's colour registers (unknown counts as 256, what xterm offers
// once XTSMGRAPHICS raised it and what most sixel terminals have).
func (e *encoder) sixelGrays() int {
	regs := e.caps.ColorRegisters
	if regs <= 0 {
		regs = 256
	}
	return max(2, min(MaxSixelGrays, regs-numOverlayColors))
}

// encodeSixel draws the canvas with a fixed palette: sixelGrays greys (whole
// percents) then the overlay colours. go-sixel takes an *image.Paletted with
// no more entries than Colors as is (its "fast path for paletted images":
// no median-cut quantizer, no dithering, no colour lookup), and writes
// registers with a truncating v*100/0xFFFF, so the palette holds 16-bit
// values chosen to truncate to the intended percent.
func (e *encoder) encodeSixel(_ context.Context, req Request, g geometry) (Picture, error) {
	grays := e.sixelGrays()
	img := e.canvasFor(req, g, grayPalette(grays, true), grays)
	if e.sixel.enc == nil {
		e.sixel.enc = sixel.NewEncoder(&e.sixel.buf)
	}
	e.sixel.enc.Colors = 256 // must be >= len(palette) for the paletted path
	e.sixel.buf.Reset()
	if err := e.sixel.enc.Encode(img); err != nil {
		return Picture{}, err
	}
	raw := bytes.Clone(e.sixel.buf.Bytes())
	return Picture{
		Cells: blankCells(g.cols, g.rows), Raw: e.passthrough(raw),
		Cols: g.cols, Rows: g.rows, WidthPX: g.canvas.Dx(), HeightPX: g.canvas.Dy(),
	}, nil
}

// passthrough wraps an escape sequence for tmux when tmux allows it.
func (e *encoder) passthrough(raw []byte) []byte {
	if !e.caps.InTmux || !e.caps.TmuxPassthrough {
		return raw
	}
	return []byte(ansi.TmuxPassthrough(string(raw)))
}
