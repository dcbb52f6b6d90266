package radiograph

import (
	"fmt"
	"math"
)

// Crop returns the part of r inside region (normalized to r, origin
// top-left) as a new Radiograph at r's own resolution, for zooming: the
// pixels are copied, and the window, VOI function, inversion, format,
// source and notes carried over; the source size becomes the region's size
// in the file. The region is clamped to the image and snapped outwards to
// whole pixels (at least one); the region actually taken is returned, so
// boxes can be mapped onto the crop (render.Reframe). A region that is
// empty or not finite is an error.
func (r *Radiograph) Crop(region Box) (*Radiograph, Box, error) {
	for _, v := range []float64{region.Y0, region.X0, region.Y1, region.X1} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, Box{}, fmt.Errorf("crop %s: region %v is not finite", r.Source, region)
		}
	}
	x0, x1 := clamp01(region.X0), clamp01(region.X1)
	y0, y1 := clamp01(region.Y0), clamp01(region.Y1)
	if !(x1 > x0) || !(y1 > y0) {
		return nil, Box{}, fmt.Errorf("crop %s: region %v is empty", r.Source, region)
	}
	W, H := float64(r.Width), float64(r.Height)
	px0 := min(r.Width-1, int(math.Floor(x0*W)))
	py0 := min(r.Height-1, int(math.Floor(y0*H)))
	px1 := max(px0+1, min(r.Width, int(math.Ceil(x1*W))))
	py1 := max(py0+1, min(r.Height, int(math.Ceil(y1*H))))
	cw, ch := px1-px0, py1-py0
	pix := make([]float32, cw*ch)
	for y := range ch {
		copy(pix[y*cw:(y+1)*cw], r.Pix[(py0+y)*r.Width+px0:(py0+y)*r.Width+px1])
	}
	sw, sh := r.SourceSize()
	out := &Radiograph{
		Width: cw, Height: ch,
		SourceWidth:  max(1, int(math.Round(float64(sw)*float64(cw)/W))),
		SourceHeight: max(1, int(math.Round(float64(sh)*float64(ch)/H))),
		Pix:          pix, DefaultWindow: r.DefaultWindow, FileWindow: r.FileWindow,
		Invert: r.Invert, VOIFunction: r.VOIFunction, Source: r.Source, Format: r.Format, Notes: r.Notes,
	}
	taken := Box{Y0: float64(py0) / H, X0: float64(px0) / W, Y1: float64(py1) / H, X1: float64(px1) / W}
	return out, taken, nil
}

// WithInvert returns r shown with its inversion set to invert: r itself
// when it already is, else a radiograph sharing r's pixels (which are
// never written) with Invert changed. It lets a viewer invert the grey
// scale of any image, MONOCHROME1 or not, without copying it.
func (r *Radiograph) WithInvert(invert bool) *Radiograph {
	if r.Invert == invert {
		return r
	}
	return &Radiograph{
		Width: r.Width, Height: r.Height, SourceWidth: r.SourceWidth, SourceHeight: r.SourceHeight,
		Pix: r.Pix, DefaultWindow: r.DefaultWindow, FileWindow: r.FileWindow,
		Invert: invert, VOIFunction: r.VOIFunction, Source: r.Source, Format: r.Format, Notes: r.Notes,
	}
}

// Percentiles returns the pixel values at the given percentiles (0 to 100,
// clamped) of r, from a 4096-bin histogram of its range (two linear passes,
// no sort; each value is exact to a bin, 1/4095 of the range). A constant
// image gives its value for every percentile.
func (r *Radiograph) Percentiles(ps ...float64) []float64 {
	out := make([]float64, len(ps))
	lo, hi := r.Range()
	if len(r.Pix) == 0 || !(hi > lo) {
		for i := range out {
			out[i] = float64(lo)
		}
		return out
	}
	var hist [autoBins]int
	scale := float32(autoBins-1) / (hi - lo)
	for _, v := range r.Pix {
		hist[max(0, min(autoBins-1, int((v-lo)*scale)))]++
	}
	bw := float64(hi-lo) / float64(autoBins-1)
	n := len(r.Pix)
	for i, p := range ps {
		if math.IsNaN(p) {
			p = 0
		}
		target := int(math.Ceil(math.Max(0, math.Min(100, p)) / 100 * float64(n)))
		acc := 0
		v := float64(hi)
		for b, c := range hist {
			acc += c
			if acc >= max(1, target) {
				v = float64(lo) + float64(b)*bw
				break
			}
		}
		out[i] = math.Min(v, float64(hi))
	}
	return out
}
