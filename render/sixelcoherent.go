package render

import "image"

// mapCoherent is mapToLevels with band coherence (sixelProfile.coherent):
// each column of a six-row sixel band whose values all lie within tol
// grey gaps of the level nearest their mean takes that one level, so the
// band paints it with one sixel character ('~') that runs on along the
// row; other columns take each value's nearest level. A sixel's bytes
// grow with the runs of each colour in each band, and a smooth radiograph
// spreads one column's six pixels over two levels at every contour: made
// coherent, the lean picture is about half the bytes for a little of its
// PSNR (docs/render.md). The cost seen on screenshots: soft curved edges
// step in six-pixel rows.
func mapCoherent(img *image.Paletted, kept []int, tol float32) {
	var lut [256]uint8
	j := 0
	for v := range MaxSixelGrays {
		for j+1 < len(kept) && absInt(kept[j+1]-v) < absInt(kept[j]-v) {
			j++
		}
		lut[v] = uint8(j)
	}
	// limit[q] is how far (in percent) a value may lie from level q and
	// still take it: tol times the mean gap to q's neighbours.
	limit := make([]float32, len(kept))
	for q := range kept {
		var gaps, n int
		if q > 0 {
			gaps, n = gaps+kept[q]-kept[q-1], n+1
		}
		if q+1 < len(kept) {
			gaps, n = gaps+kept[q+1]-kept[q], n+1
		}
		if n > 0 {
			limit[q] = tol * float32(gaps) / float32(n)
		}
	}
	w, h := img.Rect.Dx(), img.Rect.Dy()
	parallelRows((h+5)/6, w*h, func(b0, b1 int) {
		for y0 := b0 * 6; y0 < min(b1*6, h); y0 += 6 {
			coherentBand(img, y0, min(6, h-y0), w, &lut, kept, limit)
		}
	})
}

// coherentBand maps the rows y0..y0+rows of img (mapCoherent).
func coherentBand(img *image.Paletted, y0, rows, w int, lut *[256]uint8, kept []int, limit []float32) {
	var band [6][]uint8
	for r := range rows {
		off := img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y+y0+r)
		band[r] = img.Pix[off : off+w]
	}
	for x := range w {
		sum := 0
		for r := range rows {
			sum += int(band[r][x])
		}
		q := lut[min((sum+rows/2)/rows, MaxSixelGrays-1)]
		lim, lv := limit[q], kept[q]
		one := true
		for r := range rows {
			if float32(absInt(int(band[r][x])-lv)) > lim {
				one = false
				break
			}
		}
		for r := range rows {
			if one {
				band[r][x] = q
			} else {
				band[r][x] = lut[band[r][x]]
			}
		}
	}
}
