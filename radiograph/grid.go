package radiograph

import "math"

// MaxGridPixels bounds the pixels a Radiograph holds: 16 Mpx (4096x4096,
// 64 MB of float32), enough for a 43x43 cm detector at 100 µm at full
// resolution. Larger images (up to the MaxPixels limit) are averaged down
// by a whole factor while they are decoded, so the largest accepted image
// never needs its full-resolution float32 copy in memory.
const MaxGridPixels = 16 << 20

// reduceFactor is the side of the pixel blocks the decoder averages: the
// smallest that keeps the grid within MaxGridPixels, raised to the largest
// that keeps the grid at least as large as a picture fitted into
// opt.DrawWidth x opt.DrawHeight, when they are set.
func reduceFactor(w, h int, opt LoadOptions) int {
	k := 1
	for ceilDiv(w, k)*ceilDiv(h, k) > MaxGridPixels {
		k++
	}
	// The picture's scale is the smaller of the two ratios, so the factor
	// is the larger of the two quotients (each rounded down).
	fit := 0
	if opt.DrawWidth > 0 {
		fit = w / opt.DrawWidth
	}
	if opt.DrawHeight > 0 {
		fit = max(fit, h/opt.DrawHeight)
	}
	return max(k, fit)
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// gridBuilder receives an image's full-resolution rows of modality values,
// top to bottom, and stores their k x k block means (edge blocks average
// the pixels they have). With k = 1 the caller writes straight into the
// grid, with no copy.
type gridBuilder struct {
	sw, sh, k int
	gw, gh    int
	pix       []float32
	scratch   []float32 // one source row, when k > 1
	acc       []float32 // block sums of the output row being built
	y         int       // next source row
	fit       *fitRows  // set: a fractional shrink (newGrid), k unused
}

func newGridBuilder(sw, sh, k int) *gridBuilder {
	g := &gridBuilder{sw: sw, sh: sh, k: k, gw: ceilDiv(sw, k), gh: ceilDiv(sh, k)}
	g.pix = newFloats(g.gw * g.gh)
	if k > 1 {
		g.scratch = make([]float32, sw)
		g.acc = make([]float32, g.gw)
	}
	return g
}

// row returns the buffer the caller fills with source row g.y.
func (g *gridBuilder) row() []float32 {
	if g.k == 1 && g.fit == nil {
		return g.pix[g.y*g.sw : (g.y+1)*g.sw]
	}
	return g.scratch
}

// commit takes the row filled after the last call to row.
func (g *gridBuilder) commit() {
	if g.fit != nil {
		g.fit.add(g.y, g.pix, g.gw)
		g.y++
		return
	}
	if g.k == 1 {
		g.y++
		return
	}
	k, acc, src := g.k, g.acc, g.scratch
	full := g.sw / k
	if k == 2 {
		a, sp := acc[:full], src[:2*full]
		for x := range a {
			p := sp[2*x : 2*x+2 : 2*x+2]
			a[x] += p[0] + p[1]
		}
	} else {
		for x := range full {
			var s float32
			for _, v := range src[x*k : x*k+k] {
				s += v
			}
			acc[x] += s
		}
	}
	if full < g.gw {
		var s float32
		for _, v := range src[full*k:] {
			s += v
		}
		acc[full] += s
	}
	g.y++
	if g.y%k != 0 && g.y != g.sh {
		return
	}
	oy := (g.y - 1) / k
	bh := g.y - oy*k
	out := g.pix[oy*g.gw : (oy+1)*g.gw]
	inv := 1 / float32(k*bh)
	for x := range full {
		out[x] = acc[x] * inv
		acc[x] = 0
	}
	if full < g.gw {
		out[full] = acc[full] / float32((g.sw-full*k)*bh)
		acc[full] = 0
	}
}

// radiograph returns the grid as a Radiograph recording the source size.
func (g *gridBuilder) radiograph() *Radiograph {
	return &Radiograph{Width: g.gw, Height: g.gh, Pix: g.pix, SourceWidth: g.sw, SourceHeight: g.sh, VOIFunction: VOILinear}
}

// autoBins is the histogram resolution of AutoWindow.
const autoBins = 4096

// valueHist counts an image's stored integer values (at most 16 bits) at
// full resolution while it is decoded, so the automatic window of a
// reduced grid is the one the full-resolution image would get, whatever
// the reduction.
type valueHist struct {
	counts []uint32
	n      int
}

func newValueHist(bits int) *valueHist { return &valueHist{counts: make([]uint32, 1<<bits)} }

// window is AutoWindow computed from the histogram, with modality(s) the
// float32 modality value of stored value s, exactly as the decoder computes
// it: it bins the same values the same way AutoWindow does.
func (h *valueHist) window(modality func(s int) float32) Window {
	first := true
	var lo, hi float32
	for s, c := range h.counts {
		if c == 0 {
			continue
		}
		v := modality(s)
		if first || v < lo {
			lo = v
		}
		if first || v > hi {
			hi = v
		}
		first = false
	}
	if first || hi <= lo {
		return Window{Center: float64(lo), Width: 1}
	}
	var hist [autoBins]int
	scale := float32(autoBins-1) / (hi - lo)
	for s, c := range h.counts {
		if c != 0 {
			hist[max(0, min(autoBins-1, int((modality(s)-lo)*scale)))] += int(c)
		}
	}
	return windowFromHist(&hist, h.n, lo, hi)
}

// windowFromHist finds the 0.5th and 99.5th percentiles of n values in a
// histogram of autoBins bins spanning lo..hi.
func windowFromHist(hist *[autoBins]int, n int, lo, hi float32) Window {
	cut := n / 200 // 0.5 %
	bw := float64(hi-lo) / float64(autoBins-1)
	pLo, pHi := float64(lo), float64(hi)
	acc := 0
	for i, c := range hist {
		acc += c
		if acc > cut {
			pLo = float64(lo) + float64(i)*bw
			break
		}
	}
	acc = 0
	for i := autoBins - 1; i >= 0; i-- {
		acc += hist[i]
		if acc > cut {
			pHi = float64(lo) + float64(i+1)*bw
			break
		}
	}
	pHi = math.Min(pHi, float64(hi))
	if pHi-pLo < 1e-6 {
		pHi = pLo + 1e-6
	}
	return Window{Center: (pLo + pHi) / 2, Width: pHi - pLo}
}
