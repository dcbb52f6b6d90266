package render

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
)

// DefaultMaxPixels is the pixel limit used when LoadOptions.MaxPixels is 0:
// 64 Mpx, far above any chest radiograph (a 43x43 cm detector at 100 µm is
// about 18 Mpx) and far below what a decompression bomb asks for.
const DefaultMaxPixels = 64 << 20

// ErrTooLarge is wrapped by the error Load and Decode return when an image's
// declared dimensions exceed the pixel limit. Nothing is decoded in that case.
var ErrTooLarge = errors.New("image exceeds the pixel limit")

// ErrUnsupported is wrapped by the error returned for a format or encoding
// render cannot decode (for example a JPEG 2000 DICOM). The message says how
// to convert the file.
var ErrUnsupported = errors.New("unsupported image encoding")

// VOIFunction is the DICOM VOI LUT function applied by window/level.
type VOIFunction string

// The VOI LUT functions of DICOM PS3.3 C.11.2.1.2. The zero value behaves as
// VOILinear.
const (
	VOILinear      VOIFunction = "LINEAR"
	VOILinearExact VOIFunction = "LINEAR_EXACT"
	VOISigmoid     VOIFunction = "SIGMOID"
)

// LoadOptions tunes Load and Decode. The zero value is ready to use.
type LoadOptions struct {
	// MaxPixels refuses images with more than this many pixels (width x
	// height), checked from the header before decoding. 0 means
	// DefaultMaxPixels; a negative value disables the check.
	MaxPixels int
}

func (o LoadOptions) maxPixels() int {
	switch {
	case o.MaxPixels == 0:
		return DefaultMaxPixels
	case o.MaxPixels < 0:
		return int(^uint(0) >> 1)
	}
	return o.MaxPixels
}

// maxFileBytes bounds how much of a file is read: a generous 8 bytes per
// allowed pixel (16-bit RGBA) plus 16 MiB of headers. Anything larger cannot
// be a legitimate image under the limit.
func (o LoadOptions) maxFileBytes() int64 {
	mp := int64(o.maxPixels())
	if mp > (1<<62)/8 {
		return 1 << 62
	}
	return mp*8 + 16<<20
}

// checkPixels returns an error wrapping ErrTooLarge when w x h exceeds the
// limit, and an error for non-positive dimensions.
func (o LoadOptions) checkPixels(w, h int) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("invalid dimensions %dx%d", w, h)
	}
	if max := o.maxPixels(); w > max/h {
		return fmt.Errorf("%dx%d = %d pixels, limit %d: %w", w, h, int64(w)*int64(h), max, ErrTooLarge)
	}
	return nil
}

// Radiograph is a decoded single-frame greyscale image. Pixels are modality
// values (DICOM: after BitsStored masking, sign and Rescale Slope/Intercept;
// PNG/JPEG: the stored grey level or colour luminance), so any window can be
// applied exactly. A Radiograph is immutable after decoding and safe for
// concurrent readers.
type Radiograph struct {
	// Width and Height are in pixels; both are positive.
	Width, Height int
	// Pix holds Width*Height modality values, row-major from the top-left.
	Pix []float32
	// DefaultWindow is the file's first WindowCenter/WindowWidth (DICOM),
	// the full range for 8-bit sources, or AutoWindow otherwise.
	DefaultWindow Window
	// Invert is true for DICOM MONOCHROME1 (high values are dark); Gray
	// applies it after windowing.
	Invert bool
	// VOIFunction is the DICOM VOI LUT function (VOILinear when absent).
	VOIFunction VOIFunction
	// Source is the path or name the image came from.
	Source string
	// Format describes the encoding: "png8", "png16", "jpeg", "dicom",
	// "dicom-jpeg".
	Format string

	// id names this radiograph in encoder cache keys (assigned on first
	// use): unlike its address, it is never reused by another image.
	id atomic.Uint64
}

// lastID numbers radiographs for cache keys.
var lastID atomic.Uint64

// identity returns r's cache identity, assigning one on first use.
func (r *Radiograph) identity() uint64 {
	if id := r.id.Load(); id != 0 {
		return id
	}
	r.id.CompareAndSwap(0, lastID.Add(1))
	return r.id.Load()
}

// Load reads and decodes the image file at path (PNG, JPEG or DICOM, sniffed
// from the content, not the extension). Errors name the file; a truncated or
// corrupt file is an error, never a panic. Files larger than the pixel limit
// allows are refused before they are read.
func Load(ctx context.Context, path string, opt LoadOptions) (*Radiograph, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load image: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("load image %s: %w", path, err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("load image %s: is a directory", path)
	}
	if max := opt.maxFileBytes(); st.Size() > max {
		return nil, fmt.Errorf("load image %s: file is %d bytes, more than the %d a %d-pixel image can need: %w",
			path, st.Size(), max, opt.maxPixels(), ErrTooLarge)
	}
	return Decode(ctx, f, path, opt)
}

// Decode decodes an image from r; name is used in errors and as Source. It
// reads at most the bytes the pixel limit allows, and refuses larger input.
func Decode(ctx context.Context, r io.Reader, name string, opt LoadOptions) (*Radiograph, error) {
	max := opt.maxFileBytes()
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("read image %s: %w", name, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("image %s: more than %d bytes: %w", name, max, ErrTooLarge)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("decode %s: %w", name, err)
	}
	var rg *Radiograph
	switch sniff(data, name) {
	case "png", "jpeg":
		rg, err = decodeRaster(data, opt)
	case "dicom":
		rg, err = decodeDICOM(ctx, data, opt)
	default:
		err = fmt.Errorf("not a PNG, JPEG or DICOM file: %w", ErrUnsupported)
	}
	if err != nil {
		return nil, fmt.Errorf("decode image %s: %w", name, err)
	}
	rg.Source = name
	return rg, nil
}

// sniff names the container from magic bytes; DICOM files without the
// 128-byte preamble are accepted by extension only.
func sniff(data []byte, name string) string {
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return "jpeg"
	case len(data) >= 132 && string(data[128:132]) == "DICM":
		return "dicom"
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".dcm", ".dicom", ".dic":
		return "dicom"
	}
	return ""
}

// Range returns the smallest and largest pixel value.
func (r *Radiograph) Range() (lo, hi float32) {
	if len(r.Pix) == 0 {
		return 0, 0
	}
	lo, hi = r.Pix[0], r.Pix[0]
	for _, v := range r.Pix {
		if v < lo {
			lo = v
		} else if v > hi {
			hi = v
		}
	}
	return lo, hi
}
