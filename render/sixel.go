package render

import (
	"bytes"
	"context"
	"image"
	"math"

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
	// adaptive picks the greys from the picture's histogram (among the
	// 101 whole percents) instead of spacing them evenly.
	adaptive bool
}

// The profiles, chosen by measurement (docs/render.md, BenchmarkSixelGrays).
var (
	sixelFull = sixelProfile{grays: MaxSixelGrays}
	sixelLean = sixelProfile{grays: 32, adaptive: true}
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
	var img *image.Paletted
	var pct [][3]int
	if p.adaptive && p.grays < MaxSixelGrays {
		img = e.canvasFor(req, g, grayPalette(MaxSixelGrays, true), MaxSixelGrays, false)
		pct = adaptGrays(img, p.grays)
	} else {
		img = e.canvasFor(req, g, grayPalette(p.grays, true), p.grays, p.dither)
		pct = sixelPercents(p.grays)
	}
	e.sixel.buf = appendSixel(e.sixel.buf[:0], img, pct)
	return Picture{
		AtCursor: true, Cells: blankCells(g.cols, g.rows), Raw: e.passthrough(bytes.Clone(e.sixel.buf)),
		Cols: g.cols, Rows: g.rows, WidthPX: g.canvas.Dx(), HeightPX: g.canvas.Dy(),
	}, nil
}

// adaptGrays chooses n grey levels among the 101 whole percents for a
// canvas drawn with all 101 (then the overlay colours): Lloyd's algorithm on
// the canvas's histogram, so greys are closer together where the picture
// has many pixels (less visible banding there, and less error overall than
// even spacing). Black (0%) is always kept, for tag ink. It rewrites the
// canvas's indices in place and returns the register table.
func adaptGrays(img *image.Paletted, n int) [][3]int {
	var hist [MaxSixelGrays]float64
	for _, v := range img.Pix {
		if v < MaxSixelGrays {
			hist[v]++
		}
	}
	lo, hi := 0, MaxSixelGrays-1
	for hi > 0 && hist[hi] == 0 {
		hi--
	}
	levels := make([]float64, n)
	for i := range levels {
		levels[i] = float64(lo) + float64(i)*float64(hi-lo)/float64(max(1, n-1))
	}
	var assign [MaxSixelGrays]int
	for range 12 {
		sum := make([]float64, n)
		cnt := make([]float64, n)
		j := 0
		for v := range MaxSixelGrays {
			for j+1 < n && math.Abs(levels[j+1]-float64(v)) < math.Abs(levels[j]-float64(v)) {
				j++
			}
			assign[v] = j
			sum[j] += hist[v] * float64(v)
			cnt[j] += hist[v]
		}
		for i := 1; i < n; i++ { // level 0 stays black
			if cnt[i] > 0 {
				levels[i] = sum[i] / cnt[i]
			}
		}
	}
	// Round to whole percents, drop duplicates, and map every percent to
	// its nearest kept level.
	var kept []int
	for _, l := range levels {
		r := int(math.Round(l))
		if len(kept) == 0 || r > kept[len(kept)-1] {
			kept = append(kept, r)
		}
	}
	var lut [256]uint8
	j := 0
	for v := range MaxSixelGrays {
		for j+1 < len(kept) && absInt(kept[j+1]-v) < absInt(kept[j]-v) {
			j++
		}
		lut[v] = uint8(j)
	}
	for k := range numOverlayColors {
		lut[MaxSixelGrays+k] = uint8(len(kept) + k)
	}
	for i, v := range img.Pix {
		img.Pix[i] = lut[v]
	}
	pct := make([][3]int, 0, len(kept)+numOverlayColors)
	for _, p := range kept {
		pct = append(pct, [3]int{p, p, p})
	}
	return append(pct, overlayPercent[1:]...)
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
