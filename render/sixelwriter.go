package render

import (
	"image"
	"runtime"
	"slices"
	"strconv"
	"sync"
)

// appendSixel appends img as a DEC sixel sequence (DCS ... ST) to out. The
// colour registers are pct[i] = {r, g, b} in whole percent for palette index
// i; every pixel is painted (P2=0: the raster area is cleared first).
//
// Why not go-sixel's encoder: it is correct for a paletted image (no
// re-quantization, checked by TestSixelWriterMatchesGoSixel) but it walks
// the full width once per colour per six-pixel band, O(colours x width):
// with 101 greys that is about 18 million steps for a 1024x1024 picture and
// most of a window/level key press. Here each band collects, per colour, the
// columns where that colour occurs (at most 6 x width entries in all) and
// writes only those, O(width) per band, with the same output grammar
// (colour select, run-length "!n", "$" between colours, "-" between bands).
func appendSixel(out []byte, img *image.Paletted, pct [][3]int) []byte {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	// Room for a byte a pixel up front (pictures measured 0.1 to 0.7):
	// growing by appends from empty copied a 1600² picture about four
	// times over, into fresh pages each time. Room never written costs
	// no memory in a new process.
	out = slices.Grow(out, w*h+len(pct)*20+64)
	out = append(out, "\x1bP0;0;8q\"1;1;"...)
	out = strconv.AppendInt(out, int64(w), 10)
	out = append(out, ';')
	out = strconv.AppendInt(out, int64(h), 10)
	for i, c := range pct {
		out = append(out, '#')
		out = strconv.AppendInt(out, int64(i), 10)
		out = append(out, ";2;"...)
		out = strconv.AppendInt(out, int64(c[0]), 10)
		out = append(out, ';')
		out = strconv.AppendInt(out, int64(c[1]), 10)
		out = append(out, ';')
		out = strconv.AppendInt(out, int64(c[2]), 10)
	}
	// The two halves of the bands are independent: encode them in
	// parallel when the picture is big enough to repay a goroutine.
	if bands := (h + 5) / 6; bands >= 32 && runtime.GOMAXPROCS(0) > 1 {
		mid := bands / 2 * 6
		var bottom []byte
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			bottom = appendBands(make([]byte, 0, w*(h-mid)), img, len(pct), mid, h)
		}()
		out = appendBands(out, img, len(pct), 0, mid)
		wg.Wait()
		out = append(out, '-')
		out = append(out, bottom...)
	} else {
		out = appendBands(out, img, len(pct), 0, h)
	}
	return append(out, "\x1b\\"...)
}

// appendRepeat writes c k times, as "!k c" when that is shorter.
func appendRepeat(out []byte, c byte, k int) []byte {
	if k > 3 {
		out = append(out, '!')
		out = strconv.AppendInt(out, int64(k), 10)
		return append(out, c)
	}
	for range k {
		out = append(out, c)
	}
	return out
}

// appendBands writes the six-pixel bands of rows yStart..yEnd (yStart a
// multiple of 6), separated by "-", for a palette of n colours.
func appendBands(out []byte, img *image.Paletted, n, yStart, yEnd int) []byte {
	w := img.Rect.Dx()
	// Per colour: the (x, bits) entries of the current band, in x order.
	xs := make([][]int32, n)
	ms := make([][]byte, n)
	last := make([]int32, n) // last column seen per colour in this band, -1 none
	var used []int
	var band [6][]uint8
	for y0 := yStart; y0 < yEnd; y0 += 6 {
		rows := min(6, yEnd-y0)
		for r := range rows {
			off := img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y+y0+r)
			band[r] = img.Pix[off : off+w]
		}
		used = used[:0]
		for x := 0; x < w; x++ {
			x32 := int32(x)
			for r := range rows {
				c := int(band[r][x])
				if c >= n {
					continue
				}
				if len(xs[c]) == 0 {
					used = append(used, c)
				} else if last[c] == x32 {
					ms[c][len(ms[c])-1] |= 1 << r
					continue
				}
				last[c] = x32
				xs[c] = append(xs[c], x32)
				ms[c] = append(ms[c], 1<<r)
			}
		}
		if y0 > yStart {
			out = append(out, '-')
		}
		for ui, c := range used {
			if ui > 0 {
				out = append(out, '$')
			}
			out = append(out, '#')
			out = strconv.AppendInt(out, int64(c), 10)
			// Entries never have empty bits, so a gap ('?') never merges
			// with a neighbouring run.
			var (
				cur int32 // next column to write
				ch  byte  // pending character, 0 for none
				cnt int
			)
			cx, cm := xs[c], ms[c]
			for i, x := range cx {
				b := '?' + cm[i]
				if x > cur {
					if ch != 0 {
						out = appendRepeat(out, ch, cnt)
						ch = 0
					}
					out = appendRepeat(out, '?', int(x-cur))
				}
				if b == ch {
					cnt++
				} else {
					if ch != 0 {
						out = appendRepeat(out, ch, cnt)
					}
					ch, cnt = b, 1
				}
				cur = x + 1
			}
			if ch != 0 {
				out = appendRepeat(out, ch, cnt)
			}
			xs[c], ms[c] = cx[:0], cm[:0]
		}
	}
	return out
}
