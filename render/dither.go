package render

import "github.com/cxr-auditor/cxr-auditor/radiograph"

// bayer4 is the 4x4 ordered-dither matrix, as thresholds (b+0.5)/16.
var bayer4 = [4][4]float32{
	{0.5 / 16, 8.5 / 16, 2.5 / 16, 10.5 / 16},
	{12.5 / 16, 4.5 / 16, 14.5 / 16, 6.5 / 16},
	{3.5 / 16, 11.5 / 16, 1.5 / 16, 9.5 / 16},
	{15.5 / 16, 7.5 / 16, 13.5 / 16, 5.5 / 16},
}

// applyOrdered is m.Apply with 4x4 ordered dithering: the level is
// floor(v + threshold) rather than round(v), so a smooth ramp between two
// levels becomes a fine pattern of both instead of a band edge. y is the
// row (for the matrix phase).
func applyOrdered(m radiograph.VOIMap, src []float32, dst []uint8, levels, y int) {
	k := float32(levels - 1)
	th := &bayer4[y&3]
	for i, x := range src {
		v := m.Unit(x)*k + th[i&3]
		if v > k {
			v = k
		}
		dst[i] = uint8(v)
	}
}
