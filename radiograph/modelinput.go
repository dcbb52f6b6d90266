package radiograph

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"math"
	"strings"
)

// ModelGeometry is how ModelInput shapes an image for a vision model whose
// server resizes whatever it gets to a square (896x896 for MedGemma).
type ModelGeometry string

// The geometries.
const (
	// ModelSquash, the default, sends the image with its own aspect ratio
	// and no padding: the server's resize to its square is the only
	// geometry change, as in training and evaluation (the Hugging Face
	// Gemma 3 processor, and Ollama's gemma3 engine, resize bilinearly to
	// 896x896 without keeping the aspect ratio). The model's normalized
	// boxes then apply to the original image as they are: the Padding is
	// the identity.
	ModelSquash ModelGeometry = "squash"
	// ModelPad centres the image on a black square first, so the server's
	// resize keeps its aspect ratio; the model never saw such images in
	// training. Boxes come back normalized to the square and need
	// Padding.Unpad.
	ModelPad ModelGeometry = "pad"
)

// ParseModelGeometry reads a --model-input value: "squash" (also the empty
// string) or "pad".
func ParseModelGeometry(s string) (ModelGeometry, error) {
	switch g := ModelGeometry(strings.ToLower(strings.TrimSpace(s))); g {
	case "", ModelSquash:
		return ModelSquash, nil
	case ModelPad:
		return g, nil
	}
	return "", fmt.Errorf("model input %q: want squash or pad", s)
}

// ModelMaxSide caps the long side of the model input: 1792 px, twice the
// 896x896 MedGemma's vision encoder (SigLIP) sees. Ollama resizes whatever it
// gets to 896x896, so more pixels only cost upload time; keeping 2x leaves
// the server's resampler something to average rather than a pre-shrunk image.
const ModelMaxSide = 896 * 2

// Padding records how ModelInput placed the image in its square, so boxes
// the model returns for the square can be mapped back. All fields are pixels
// of the encoded square. The zero Padding is the identity (no padding).
type Padding struct {
	// Side is the side of the square PNG.
	Side int
	// OffX and OffY are where the image's top-left corner lies in the square.
	OffX, OffY int
	// ImgW and ImgH are the image's size inside the square (after any
	// downscaling).
	ImgW, ImgH int
}

// Unpad maps b, normalized to the padded square, to the original image's
// normalization, clamped to [0,1]. ok is false when no part of b lies
// inside the image (it is all padding) or b is degenerate.
func (p Padding) Unpad(b Box) (out Box, ok bool) {
	if p.Side == 0 || p.ImgW == 0 || p.ImgH == 0 {
		return b, b.Valid()
	}
	side := float64(p.Side)
	fy := func(v float64) float64 { return clamp01((v*side - float64(p.OffY)) / float64(p.ImgH)) }
	fx := func(v float64) float64 { return clamp01((v*side - float64(p.OffX)) / float64(p.ImgW)) }
	out = Box{Y0: fy(b.Y0), X0: fx(b.X0), Y1: fy(b.Y1), X1: fx(b.X1)}
	if !(out.Y1 > out.Y0 && out.X1 > out.X0) {
		return Box{}, false
	}
	return out, true
}

// Pad is the inverse of Unpad: it maps a box normalized to the original
// image to the padded square's normalization.
func (p Padding) Pad(b Box) Box {
	if p.Side == 0 || p.ImgW == 0 || p.ImgH == 0 {
		return b
	}
	side := float64(p.Side)
	return Box{
		Y0: (b.Y0*float64(p.ImgH) + float64(p.OffY)) / side,
		X0: (b.X0*float64(p.ImgW) + float64(p.OffX)) / side,
		Y1: (b.Y1*float64(p.ImgH) + float64(p.OffY)) / side,
		X1: (b.X1*float64(p.ImgW) + float64(p.OffX)) / side,
	}
}

// ModelInput prepares r for a vision model in geometry g: windowed with w
// exactly as the display is (Gray's VOI function and inversion), downscaled
// by area averaging so the long side is at most ModelMaxSide, and encoded as
// 8-bit grey PNG. With ModelSquash that is all (the Padding is the
// identity); with ModelPad the image is centred on a black square and the
// Padding maps the model's boxes back with Unpad.
func ModelInput(r *Radiograph, w Window, g ModelGeometry) ([]byte, Padding, error) {
	if r == nil || r.Width <= 0 || r.Height <= 0 || len(r.Pix) != r.Width*r.Height {
		return nil, Padding{}, errors.New("model input: empty or inconsistent radiograph")
	}
	if g == "" {
		g = ModelSquash
	}
	if g != ModelSquash && g != ModelPad {
		return nil, Padding{}, fmt.Errorf("model input %s: unknown geometry %q (want squash or pad)", r.Source, g)
	}
	sw, sh := fitLongSide(r.Width, r.Height, ModelMaxSide)
	scaled := r.Resample(sw, sh)
	var p Padding
	cw, ch := sw, sh
	if g == ModelPad {
		side := max(sw, sh)
		p = Padding{Side: side, OffX: (side - sw) / 2, OffY: (side - sh) / 2, ImgW: sw, ImgH: sh}
		cw, ch = side, side
	}
	img := image.NewGray(image.Rect(0, 0, cw, ch))
	voi := r.VOIMap(w)
	for y := 0; y < sh; y++ {
		off := (p.OffY+y)*img.Stride + p.OffX
		voi.Apply(scaled[y*sw:(y+1)*sw], img.Pix[off:off+sw], 256)
	}
	var buf bytes.Buffer
	if err := modelPNG.Encode(&buf, img); err != nil {
		return nil, Padding{}, fmt.Errorf("model input %s: encode PNG: %w", r.Source, err)
	}
	return buf.Bytes(), p, nil
}

// modelPNG favours speed: the PNG crosses a local socket once, and the
// default level takes several times longer for a slightly smaller file
// (see docs/performance.md).
var modelPNG = png.Encoder{CompressionLevel: png.BestSpeed}

// fitLongSide returns w x h scaled down (never up) so the long side is at
// most limit, each side at least 1.
func fitLongSide(w, h, limit int) (int, int) {
	long := max(w, h)
	if long <= limit {
		return w, h
	}
	s := float64(limit) / float64(long)
	return max(1, int(math.Round(float64(w)*s))), max(1, int(math.Round(float64(h)*s)))
}
