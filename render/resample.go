package render

import "math"

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

// resample scales a sw x sh float image to dw x dh (separable: rows, then
// columns). It returns src itself when the size is unchanged.
func resample(src []float32, sw, sh, dw, dh int) []float32 {
	if sw == dw && sh == dh {
		return src
	}
	cx := contributions(sw, dw)
	cy := contributions(sh, dh)
	tmp := make([]float32, dw*sh)
	for y := 0; y < sh; y++ {
		row := src[y*sw : (y+1)*sw]
		out := tmp[y*dw : (y+1)*dw]
		for x, t := range cx {
			var acc float32
			for k, w := range t.w {
				acc += w * row[t.start+k]
			}
			out[x] = acc
		}
	}
	dst := make([]float32, dw*dh)
	for y, t := range cy {
		out := dst[y*dw : (y+1)*dw]
		for k, w := range t.w {
			in := tmp[(t.start+k)*dw : (t.start+k+1)*dw]
			for x, v := range in {
				out[x] += w * v
			}
		}
	}
	return dst
}
