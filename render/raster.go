package render

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
)

// identityWindow8 maps stored 8-bit values 0..255 one to one (DICOM LINEAR
// with centre 128 and width 256).
var identityWindow8 = Window{Center: 128, Width: 256}

// decodeRaster decodes a PNG or JPEG after checking its header dimensions.
func decodeRaster(data []byte, opt LoadOptions) (*Radiograph, error) {
	isPNG := bytes.HasPrefix(data, []byte("\x89PNG"))
	var (
		cfg image.Config
		err error
	)
	if isPNG {
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
	} else {
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
	}
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if err := opt.checkPixels(cfg.Width, cfg.Height); err != nil {
		return nil, err
	}
	var img image.Image
	if isPNG {
		img, err = png.Decode(bytes.NewReader(data))
	} else {
		img, err = jpeg.Decode(bytes.NewReader(data))
	}
	if err != nil {
		return nil, err
	}
	rg, deep := fromImage(img)
	switch {
	case !isPNG:
		rg.Format = "jpeg"
	case deep:
		rg.Format = "png16"
	default:
		rg.Format = "png8"
	}
	if deep {
		rg.DefaultWindow = AutoWindow(rg)
	} else {
		rg.DefaultWindow = identityWindow8
	}
	return rg, nil
}

// fromImage converts any image to luminance values: grey levels as stored,
// colour as Rec. 601 luma (the Y of JPEG's YCbCr). deep reports 16-bit
// samples (values 0..65535) rather than 8-bit ones (0..255). Alpha is
// ignored: radiographs are opaque, and premultiplying would darken them.
func fromImage(img image.Image) (rg *Radiograph, deep bool) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	rg = &Radiograph{Width: w, Height: h, Pix: make([]float32, w*h), VOIFunction: VOILinear}
	pix := rg.Pix
	switch m := img.(type) {
	case *image.Gray:
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+w]
			for x, v := range row {
				pix[y*w+x] = float32(v)
			}
		}
	case *image.Gray16:
		deep = true
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+2*w]
			for x := 0; x < w; x++ {
				pix[y*w+x] = float32(uint16(row[2*x])<<8 | uint16(row[2*x+1]))
			}
		}
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			row := m.Y[y*m.YStride : y*m.YStride+w]
			for x, v := range row {
				pix[y*w+x] = float32(v)
			}
		}
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+4*w]
			for x := 0; x < w; x++ {
				pix[y*w+x] = luma(float32(row[4*x]), float32(row[4*x+1]), float32(row[4*x+2]))
			}
		}
	case *image.RGBA:
		// Unpremultiplied through the generic path would cost an allocation
		// per pixel; PNG RGBA without alpha is premultiplied by 1 anyway.
		for y := 0; y < h; y++ {
			row := m.Pix[y*m.Stride : y*m.Stride+4*w]
			for x := 0; x < w; x++ {
				pix[y*w+x] = luma(float32(row[4*x]), float32(row[4*x+1]), float32(row[4*x+2]))
			}
		}
	default:
		switch img.ColorModel() {
		case color.RGBA64Model, color.NRGBA64Model, color.Gray16Model, color.Alpha16Model:
			deep = true
		}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				c := color.NRGBA64Model.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA64)
				v := luma(float32(c.R), float32(c.G), float32(c.B))
				if !deep {
					v /= 257
				}
				pix[y*w+x] = v
			}
		}
	}
	return rg, deep
}

// luma is Rec. 601 luminance, the weights JPEG uses for Y.
func luma(r, g, b float32) float32 { return 0.299*r + 0.587*g + 0.114*b }
