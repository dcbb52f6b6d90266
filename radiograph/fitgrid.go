package radiograph

// fitSize is the size of the image fitted into the box opt.DrawWidth x
// opt.DrawHeight (a bound of 0 is no bound that way), when opt.Fit asks
// for it and that shrinks the image; ok is false otherwise. The bound side
// is the box's own and the other is rounded down, in integers, so a caller
// that fits the grid into the same box gets the grid's own size back.
func fitSize(sw, sh int, opt LoadOptions) (fw, fh int, ok bool) {
	dw, dh := opt.DrawWidth, opt.DrawHeight
	if !opt.Fit || (dw <= 0 && dh <= 0) {
		return 0, 0, false
	}
	// Width-bound when dw/sw <= dh/sh (no height bound: always).
	if dh <= 0 || (dw > 0 && int64(dw)*int64(sh) <= int64(dh)*int64(sw)) {
		fw, fh = dw, int(int64(sh)*int64(dw)/int64(sw))
	} else {
		fw, fh = int(int64(sw)*int64(dh)/int64(sh)), dh
	}
	fw, fh = max(1, fw), max(1, fh)
	if fw >= sw || fh >= sh || fw*fh > MaxGridPixels {
		return 0, 0, false
	}
	return fw, fh, true
}

// newGrid returns the builder of the grid an image of sw x sh is decoded
// into for opt: whole k x k blocks (reduceFactor), or, when opt.Fit asks
// for a size no whole factor gives (2048 to 1600 px, say), exact area
// averaging to that size row by row (fitRows), so the full-resolution
// grid never exists.
func newGrid(sw, sh int, opt LoadOptions) *gridBuilder {
	k := reduceFactor(sw, sh, opt)
	fw, fh, ok := fitSize(sw, sh, opt)
	if !ok || (fw == ceilDiv(sw, k) && fh == ceilDiv(sh, k)) {
		return newGridBuilder(sw, sh, k)
	}
	g := &gridBuilder{sw: sw, sh: sh, gw: fw, gh: fh, pix: newFloats(fw * fh)}
	g.fit = newFitRows(sw, sh, fw, fh)
	g.scratch = g.fit.src
	return g
}

// keepsEveryPixel reports whether newGrid would keep the image at full
// resolution.
func keepsEveryPixel(sw, sh int, opt LoadOptions) bool {
	_, _, fit := fitSize(sw, sh, opt)
	return !fit && reduceFactor(sw, sh, opt) == 1
}

// fitRows shrinks rows arriving top to bottom into a grid, by the
// resampler's exact area averaging (contributions): each source row is
// filtered to the grid's width, then added, weighted, into the one or two
// grid rows it overlaps. These are the sums Resample makes when it filters
// rows first, in the same order, so the grid is Resample of the
// full-resolution image without that image ever being held.
type fitRows struct {
	src, tmp []float32 // one source row; it filtered to the grid's width
	cx       flatTaps
	// The grid rows source row y adds to: oy[first[y]:first[y+1]], with
	// weights wy[first[y]:first[y+1]].
	first []int32
	oy    []int32
	wy    []float32
}

func newFitRows(sw, sh, gw, gh int) *fitRows {
	f := &fitRows{src: make([]float32, sw), tmp: make([]float32, gw), cx: flatten(contributions(sw, gw), sw)}
	cy := contributions(sh, gh)
	// Invert the vertical filter: per source row, the grid rows it feeds.
	count := make([]int32, sh+1)
	for _, t := range cy {
		for k := range t.w {
			count[t.start+k+1]++
		}
	}
	for y := 1; y <= sh; y++ {
		count[y] += count[y-1]
	}
	f.first = count
	n := count[sh]
	f.oy, f.wy = make([]int32, n), make([]float32, n)
	next := append([]int32(nil), count[:sh]...)
	for o, t := range cy { // grid rows ascending, so each list is ascending
		for k, w := range t.w {
			i := next[t.start+k]
			f.oy[i], f.wy[i] = int32(o), w
			next[t.start+k]++
		}
	}
	return f
}

// add takes source row y (in f.src) into pix, gw wide.
func (f *fitRows) add(y int, pix []float32, gw int) {
	f.cx.apply(f.src, f.tmp)
	tmp := f.tmp[:gw]
	for i := f.first[y]; i < f.first[y+1]; i++ {
		o, w := int(f.oy[i]), f.wy[i]
		out := pix[o*gw : (o+1)*gw]
		for x, v := range tmp {
			out[x] += w * v
		}
	}
}
