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
	// light, with adaptive, is the strength (0 to 1) of an ordered dither
	// between the two chosen greys around each value: 0 takes the nearest
	// grey, 1 is a full 4x4 ordered dither; in between only values near
	// the midpoint of two greys are dithered, so a band's edge becomes a
	// narrow dithered seam while flat areas keep their runs. Measured by
	// BenchmarkSixelGrays; no profile uses it: within the SSH budget it
	// softens the band edges without hiding them (docs/render.md).
	light float32
	// coherent, with adaptive and no light, is mapCoherent's tolerance
	// in grey gaps (0: each pixel its nearest grey).
	coherent float32
}

// The profiles, chosen by measurement (docs/render.md, BenchmarkSixelGrays).
var (
	sixelFull = sixelProfile{grays: MaxSixelGrays}
	sixelLean = sixelProfile{grays: 24, adaptive: true, coherent: 0.875}
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
// colours, each index written as is: no quantizer. Adaptive greys are
// chosen from the picture drawn without its boxes, which are drawn after
// the mapping, so showing or hiding boxes never moves the greys.
func (e *encoder) encodeSixel(_ context.Context, req Request, g geometry) (Picture, error) {
	p := e.sixelSettings()
	var img *image.Paletted
	var pct [][3]int
	if p.adaptive && p.grays < MaxSixelGrays {
		plain := req
		plain.ShowBoxes = false
		img = e.canvasFor(plain, g, grayPalette(MaxSixelGrays, true), MaxSixelGrays, false)
		kept := adaptLevels(img, p.grays)
		switch {
		case p.light > 0:
			e.ditherToLevels(img, req, g, kept, p.light)
		case p.coherent > 0:
			mapCoherent(img, kept, p.coherent)
		default:
			mapToLevels(img, kept)
		}
		if req.ShowBoxes {
			drawOverlays(img, g.img, req.Overlays, len(kept))
		}
		pct = make([][3]int, 0, len(kept)+numOverlayColors)
		for _, v := range kept {
			pct = append(pct, [3]int{v, v, v})
		}
		pct = append(pct, overlayPercent[1:]...)
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

// adaptLevels chooses at most n grey levels among the 101 whole percents
// for a canvas drawn with all 101 and no overlays: Lloyd's algorithm on the
// canvas's histogram, so greys are closer together where the picture has
// many pixels (less visible banding there, and less error overall than even
// spacing). Black (0%) is always kept, for tag ink. It returns the levels in
// percent, ascending.
func adaptLevels(img *image.Paletted, n int) []int {
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
	// Round to whole percents and drop duplicates.
	var kept []int
	for _, l := range levels {
		r := int(math.Round(l))
		if len(kept) == 0 || r > kept[len(kept)-1] {
			kept = append(kept, r)
		}
	}
	return kept
}

// mapToLevels rewrites a canvas drawn with all 101 greys to the index of
// the nearest of kept (adaptLevels's levels).
func mapToLevels(img *image.Paletted, kept []int) {
	var lut [256]uint8
	j := 0
	for v := range MaxSixelGrays {
		for j+1 < len(kept) && absInt(kept[j+1]-v) < absInt(kept[j]-v) {
			j++
		}
		lut[v] = uint8(j)
	}
	for i, v := range img.Pix {
		img.Pix[i] = lut[v]
	}
}

// ditherToLevels redraws the picture's pixels as indices of kept from the
// windowed values themselves (not the 101 whole percents), dithered with
// strength s (sixelProfile.light): a value at fraction f of the way from
// one kept level to the next takes the upper one when f exceeds
// 0.5 + s*(t-0.5), t the 4x4 ordered-dither threshold.
func (e *encoder) ditherToLevels(img *image.Paletted, req Request, g geometry, kept []int, s float32) {
	var lower [MaxSixelGrays]uint8 // the last kept level at or below each percent
	j := 0
	for v := range MaxSixelGrays {
		for j+1 < len(kept) && kept[j+1] <= v {
			j++
		}
		lower[v] = uint8(j)
	}
	var span [MaxSixelGrays]float32 // 1 / the gap above each kept level
	for i := 0; i+1 < len(kept); i++ {
		span[i] = 1 / float32(kept[i+1]-kept[i])
	}
	last := uint8(len(kept) - 1)
	iw, ih := g.img.Dx(), g.img.Dy()
	src := e.scaledPix(req.Image, iw, ih)
	voi := req.Image.VOIMap(req.Window)
	parallelRows(ih, iw*ih, func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			var th [4]float32
			for i, t := range bayer4[y&3] {
				th[i] = 0.5 + s*(t-0.5)
			}
			off := img.PixOffset(g.img.Min.X, g.img.Min.Y+y)
			dst := img.Pix[off : off+iw]
			for x, v := range src[y*iw : (y+1)*iw] {
				u := voi.Unit(v) * (MaxSixelGrays - 1)
				j := lower[int(u)]
				if j < last && (u-float32(kept[j]))*span[j] > th[x&3] {
					j++
				}
				dst[x] = j
			}
		}
	})
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

// absInt is |x|.
func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
