package render

import (
	"bytes"
	"context"

	"github.com/charmbracelet/x/ansi"
)

// MaxSixelGrays is the number of grey levels a sixel picture uses when the
// terminal has registers to spare: 101, one per whole percent, which is all
// a sixel colour register can express.
const MaxSixelGrays = 101

// sixelState is the reusable output buffer of the sixel writer.
type sixelState struct {
	buf []byte
}

// sixelProfile is how many greys a sixel picture uses and whether they are
// dithered.
type sixelProfile struct {
	grays  int
	dither bool
}

// The profiles, chosen by measurement (docs/render.md, BenchmarkSixelGrays).
var (
	sixelFull = sixelProfile{grays: MaxSixelGrays}
	sixelLean = sixelProfile{grays: 32}
)

// sixelSettings is the profile for this encoder's Caps, with no more greys
// than fit beside the overlay colours in the terminal's colour registers
// (unknown counts as 256, what xterm offers once XTSMGRAPHICS raised it and
// what most sixel terminals have).
func (e *encoder) sixelSettings() sixelProfile {
	p := sixelFull
	if e.caps.lean() {
		p = sixelLean
	}
	if e.sixelOverride != nil {
		p = *e.sixelOverride
	}
	regs := e.caps.ColorRegisters
	if regs <= 0 {
		regs = 256
	}
	p.grays = max(2, min(p.grays, regs-numOverlayColors))
	return p
}

// encodeSixel draws the canvas with a fixed palette: the profile's greys
// (whole percents, the only values a sixel register holds) then the overlay
// colours, each index written as is: no quantizer.
func (e *encoder) encodeSixel(_ context.Context, req Request, g geometry) (Picture, error) {
	p := e.sixelSettings()
	img := e.canvasFor(req, g, grayPalette(p.grays, true), p.grays, p.dither)
	e.sixel.buf = appendSixel(e.sixel.buf[:0], img, sixelPercents(p.grays))
	return Picture{
		Cells: blankCells(g.cols, g.rows), Raw: e.passthrough(bytes.Clone(e.sixel.buf)),
		Cols: g.cols, Rows: g.rows, WidthPX: g.canvas.Dx(), HeightPX: g.canvas.Dy(),
	}, nil
}

// sixelPercents is the register table matching grayPalette(grays, ...).
func sixelPercents(grays int) [][3]int {
	pct := make([][3]int, 0, grays+numOverlayColors)
	for k := range grays {
		p := grayPercent(k, grays)
		pct = append(pct, [3]int{p, p, p})
	}
	return append(pct, overlayPercent[1:]...)
}

// passthrough wraps an escape sequence for tmux when tmux allows it.
func (e *encoder) passthrough(raw []byte) []byte {
	if !e.caps.InTmux || !e.caps.TmuxPassthrough {
		return raw
	}
	return []byte(ansi.TmuxPassthrough(string(raw)))
}
