package radiograph

import (
	"context"
	"fmt"
	"image/png"
	"io"

	"github.com/cxr-auditor/cxr-auditor/radiograph/internal/pngrows"
)

// decodePNG decodes a PNG stream (signature included) into a grid, row by
// row (pngrows), so memory is the grid plus a few rows whatever the
// image's size. Interlaced PNGs, rare for radiographs, go through
// image/png.
func decodePNG(ctx context.Context, r io.Reader, opt LoadOptions) (*Radiograph, error) {
	s, err := pngrows.Open(r, opt.checkPixels)
	if err != nil {
		return nil, err
	}
	h := s.Header
	if h.Interlaced {
		return decodeInterlacedPNG(s.Whole(), h.Width, h.Height, opt)
	}
	g := newGrid(h.Width, h.Height, opt)
	sink := pngrows.Sink{Row: g.row, Commit: g.commit}
	deep := h.Depth == 16
	// The automatic window comes from a histogram of the stored values,
	// counted as rows go by: the window AutoWindow gives the
	// full-resolution image, without two more passes over it.
	var hist *valueHist
	if deep && (h.ColorType == 0 || h.ColorType == 4) {
		hist = newValueHist(16)
		hist.n = h.Width * h.Height
		sink.Counts = hist.counts
	}
	if err := s.Rows(ctx, sink); err != nil {
		return nil, err
	}
	rg := g.radiograph()
	rg.Format = "png8"
	switch {
	case !deep:
		rg.DefaultWindow = identityWindow8
	case hist != nil:
		rg.Format = "png16"
		rg.DefaultWindow = hist.window(func(s int) float32 { return float32(s) })
	default:
		rg.Format = "png16"
		rg.DefaultWindow = AutoWindow(rg)
	}
	return rg, nil
}

// decodeInterlacedPNG decodes an Adam7 PNG with image/png. It needs the
// whole image in memory, so it is limited to MaxGridPixels.
func decodeInterlacedPNG(r io.Reader, w, h int, opt LoadOptions) (*Radiograph, error) {
	if w*h > MaxGridPixels {
		return nil, fmt.Errorf("interlaced PNG of %dx%d pixels: render decodes interlaced PNGs up to %d pixels; save it non-interlaced (e.g. `convert in.png -interlace none out.png`): %w",
			w, h, MaxGridPixels, ErrTooLarge)
	}
	img, err := png.Decode(r)
	if err != nil {
		return nil, err
	}
	rg, deep := fromImage(img, opt)
	rg.Format = "png8"
	if !deep {
		rg.DefaultWindow = identityWindow8
	} else {
		rg.Format = "png16"
	}
	return rg, nil
}
