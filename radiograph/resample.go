package radiograph

import (
	"math"
	"runtime"
	"sync"
)

// Why a resampler of our own rather than golang.org/x/image/draw: draw works
// on image.Image colour types, so it would need the modality values windowed
// (or squeezed into 16 bits) first. Resampling the float32 values and
// windowing afterwards keeps window/level exact at display size, and lets a
// window change re-window a cached, already-scaled buffer (about a million
// values at 1024 px) instead of the full image.

// taps is one output sample's contributions: source indices start..start+len(w)-1.
type taps struct {
	start int
	w     []float32
}

// contributions builds the 1-D filter from srcN to dstN samples: exact area
// averaging when shrinking (every source pixel counted by the fraction of it
// an output pixel covers), bilinear interpolation when enlarging.
func contributions(srcN, dstN int) []taps {
	out := make([]taps, dstN)
	if dstN <= srcN {
		s := float64(srcN) / float64(dstN)
		for i := range out {
			x0, x1 := float64(i)*s, float64(i+1)*s
			j0, j1 := int(math.Floor(x0)), int(math.Ceil(x1))
			if j1 > srcN {
				j1 = srcN
			}
			w := make([]float32, 0, j1-j0)
			for j := j0; j < j1; j++ {
				ov := math.Min(x1, float64(j+1)) - math.Max(x0, float64(j))
				w = append(w, float32(ov/s))
			}
			out[i] = taps{start: j0, w: w}
		}
		return out
	}
	s := float64(srcN) / float64(dstN)
	for i := range out {
		c := (float64(i)+0.5)*s - 0.5
		j := int(math.Floor(c))
		f := float32(c - float64(j))
		switch {
		case j < 0:
			out[i] = taps{start: 0, w: []float32{1}}
		case j >= srcN-1:
			out[i] = taps{start: srcN - 1, w: []float32{1}}
		default:
			out[i] = taps{start: j, w: []float32{1 - f, f}}
		}
	}
	return out
}

// Resample returns r's pixels scaled to w x h, area-averaged when
// shrinking and bilinear when enlarging: modality values still, so a
// window applied afterwards is exact at that size. It returns r.Pix itself
// when the size is unchanged; the result must not be written.
func (r *Radiograph) Resample(w, h int) []float32 {
	return resample(r.Pix, r.Width, r.Height, w, h)
}

// resample scales a sw x sh float image to dw x dh (separable). It returns
// src itself when the size is unchanged. The pass that leaves the smaller
// intermediate goes first, so a tall thin image enlarged or a wide one
// shrunk never needs more than the larger of source and result.
func resample(src []float32, sw, sh, dw, dh int) []float32 {
	if sw == dw && sh == dh {
		return src
	}
	cx := contributions(sw, dw)
	cy := contributions(sh, dh)
	if dw*sh <= sw*dh {
		return vpass(hpass(src, sw, sh, cx, dw), dw, cy, dh)
	}
	return hpass(vpass(src, sw, cy, dh), sw, dh, cx, dw)
}

// hpass filters each of the h rows of a w-wide image to dw samples.
func hpass(src []float32, w, h int, cx []taps, dw int) []float32 {
	if dw == w {
		return src
	}
	ft := flatten(cx, w)
	dst := make([]float32, dw*h)
	parallelRows(h, dw*h, func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			ft.apply(src[y*w:(y+1)*w], dst[y*dw:(y+1)*dw])
		}
	})
	return dst
}

// flatTaps is a filter with the same number of taps n for every output
// sample: weights in one slice (n per sample, zero-padded) and starts moved
// left where needed so every sample reads n source values. The hot loop
// then has no per-sample slice headers and no bounds checks.
type flatTaps struct {
	n      int
	starts []int
	w      []float32
}

func flatten(ts []taps, srcN int) flatTaps {
	n := 1
	for _, t := range ts {
		n = max(n, len(t.w))
	}
	n = min(n, srcN)
	f := flatTaps{n: n, starts: make([]int, len(ts)), w: make([]float32, n*len(ts))}
	for i, t := range ts {
		st := min(t.start, srcN-n)
		f.starts[i] = st
		copy(f.w[i*n+(t.start-st):], t.w)
	}
	return f
}

// apply filters one row.
func (f flatTaps) apply(row, out []float32) {
	n := f.n
	switch n {
	case 2:
		for x, st := range f.starts {
			r := row[st : st+2 : st+2]
			w := f.w[2*x : 2*x+2 : 2*x+2]
			out[x] = w[0]*r[0] + w[1]*r[1]
		}
	case 3:
		for x, st := range f.starts {
			r := row[st : st+3 : st+3]
			w := f.w[3*x : 3*x+3 : 3*x+3]
			out[x] = w[0]*r[0] + w[1]*r[1] + w[2]*r[2]
		}
	default:
		for x, st := range f.starts {
			r := row[st : st+n : st+n]
			w := f.w[n*x : n*x+n : n*x+n]
			var acc float32
			for k, v := range r {
				acc += w[k] * v
			}
			out[x] = acc
		}
	}
}

// vpass filters the columns of a w-wide image to dh rows.
func vpass(src []float32, w int, cy []taps, dh int) []float32 {
	if len(src) == w*dh {
		return src
	}
	dst := make([]float32, w*dh)
	parallelRows(dh, w*dh, func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			t := cy[y]
			out := dst[y*w : (y+1)*w]
			for k, wt := range t.w {
				in := src[(t.start+k)*w : (t.start+k+1)*w]
				for x, v := range in {
					out[x] += wt * v
				}
			}
		}
	})
	return dst
}

// parallelRows runs f over rows [0, n) split into one contiguous range per
// CPU (at most 4) when the work (about work values) repays the goroutines,
// and waits for them all.
func parallelRows(n, work int, f func(y0, y1 int)) {
	parts := min(runtime.GOMAXPROCS(0), 4, n)
	if work < 1<<18 || parts < 2 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	for i := range parts {
		y0, y1 := n*i/parts, n*(i+1)/parts
		if i == parts-1 {
			f(y0, y1)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(y0, y1)
		}()
	}
	wg.Wait()
}
