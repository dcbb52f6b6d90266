package radiograph

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"

	"github.com/cxr-auditor/cxr-auditor/radiograph/internal/jpegluma"
)

// identityWindow8 maps stored 8-bit values 0..255 one to one (DICOM LINEAR
// with centre 128 and width 256).
var identityWindow8 = Window{Center: 128, Width: 256}

// decodeJPEG decodes a JPEG after checking its header dimensions.
func decodeJPEG(data []byte, opt LoadOptions) (*Radiograph, error) {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if err := opt.checkPixels(cfg.Width, cfg.Height); err != nil {
		return nil, err
	}
	rg, err := jpegLuma(data, cfg, opt)
	if err != nil {
		return nil, err
	}
	rg.Format = "jpeg"
	rg.DefaultWindow = identityWindow8
	return rg, nil
}

// jpegLuma decodes a JPEG whose size was checked into the grid opt asks
// for: baseline grey and YCbCr with jpegluma (the luma only, the inverse
// DCT on every core; straight to float32 when the grid is the full
// image), the rest with image/jpeg. Both give the same luma pixel for
// pixel; jpegluma refuses any stream it does not read cleanly, so
// image/jpeg decides what a damaged file gives. Measured on the 2048²
// benchmark phantom: docs/render.md, Benchmarks.
func jpegLuma(data []byte, cfg image.Config, opt LoadOptions) (*Radiograph, error) {
	var img image.Image
	if keepsEveryPixel(cfg.Width, cfg.Height, opt) {
		// Every pixel is kept: the luma goes straight into the grid.
		if pix, w, h, err := jpegluma.DecodeFloat32(data); err == nil {
			g := &gridBuilder{sw: w, sh: h, k: 1, gw: w, gh: h, pix: pix}
			return g.radiograph(), nil
		}
	} else if g, err := jpegluma.Decode(data); err == nil {
		img = g
	}
	if img == nil {
		// jpegluma refused it (both entry points refuse the same streams).
		var err error
		if img, err = jpeg.Decode(bytes.NewReader(data)); err != nil {
			return nil, err
		}
	}
	rg, _ := fromImage(img, opt)
	return rg, nil
}

// fromImage converts any image to luminance values, averaged into the grid
// opt asks for: grey levels as stored, colour as Rec. 601 luma (the Y of
// JPEG's YCbCr). deep reports 16-bit samples (values 0..65535) rather than
// 8-bit ones (0..255); the default window of a deep image is set here.
// Alpha is ignored: radiographs are opaque, and premultiplying would darken
// them.
func fromImage(img image.Image, opt LoadOptions) (rg *Radiograph, deep bool) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	g := newGrid(w, h, opt)
	var hist *valueHist
	if _, ok := img.(*image.Gray16); ok {
		hist = newValueHist(16)
		hist.n = w * h
	}
	if g.k == 1 && g.fit == nil && hist == nil && grayRowsInParallel(img, g.pix, w, h) {
		return g.radiograph(), false
	}
	var counts []uint32
	if hist != nil {
		counts = hist.counts
	}
	for y := range h {
		deep = imageRow(img, y, g.row(), counts) || deep
		g.commit()
	}
	rg = g.radiograph()
	if deep {
		if hist != nil {
			rg.DefaultWindow = hist.window(func(s int) float32 { return float32(s) })
		} else {
			rg.DefaultWindow = AutoWindow(rg)
		}
	}
	return rg, deep
}

// grayRowsInParallel converts an 8-bit grey or YCbCr image kept at full
// resolution into pix on every core (its rows are independent), and
// reports whether img was one of those.
func grayRowsInParallel(img image.Image, pix []float32, w, h int) bool {
	var plane []uint8
	var stride int
	switch m := img.(type) {
	case *image.YCbCr:
		plane, stride = m.Y, m.YStride
	case *image.Gray:
		plane, stride = m.Pix, m.Stride
	default:
		return false
	}
	parallelRows(h, w*h, func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			dst := pix[y*w : (y+1)*w]
			for x, v := range plane[y*stride : y*stride+w] {
				dst[x] = float32(v)
			}
		}
	})
	return true
}

// imageRow converts row y of img (from its top) to luminance in dst and
// reports whether its samples are 16-bit; counts, when set, counts 16-bit
// grey values.
func imageRow(img image.Image, y int, dst []float32, counts []uint32) (deep bool) {
	b := img.Bounds()
	w := b.Dx()
	switch m := img.(type) {
	case *image.Gray:
		for x, v := range m.Pix[y*m.Stride : y*m.Stride+w] {
			dst[x] = float32(v)
		}
	case *image.Gray16:
		deep = true
		row := m.Pix[y*m.Stride : y*m.Stride+2*w]
		for x := range w {
			v := uint16(row[2*x])<<8 | uint16(row[2*x+1])
			dst[x] = float32(v)
			if counts != nil {
				counts[v]++
			}
		}
	case *image.YCbCr:
		for x, v := range m.Y[y*m.YStride : y*m.YStride+w] {
			dst[x] = float32(v)
		}
	case *image.NRGBA:
		row := m.Pix[y*m.Stride : y*m.Stride+4*w]
		for x := range w {
			dst[x] = luma(float32(row[4*x]), float32(row[4*x+1]), float32(row[4*x+2]))
		}
	case *image.RGBA:
		// PNG RGBA without alpha is premultiplied by 1 anyway.
		row := m.Pix[y*m.Stride : y*m.Stride+4*w]
		for x := range w {
			dst[x] = luma(float32(row[4*x]), float32(row[4*x+1]), float32(row[4*x+2]))
		}
	default:
		switch img.ColorModel() {
		case color.RGBA64Model, color.NRGBA64Model, color.Gray16Model, color.Alpha16Model:
			deep = true
		}
		for x := range w {
			c := color.NRGBA64Model.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA64)
			v := luma(float32(c.R), float32(c.G), float32(c.B))
			if !deep {
				v /= 257
			}
			dst[x] = v
		}
	}
	return deep
}

// luma is Rec. 601 luminance, the weights JPEG uses for Y.
func luma(r, g, b float32) float32 { return 0.299*r + 0.587*g + 0.114*b }
