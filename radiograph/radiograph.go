package radiograph

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
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
// radiograph cannot decode (for example a JPEG 2000 DICOM). The message
// says how to convert the file.
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
	// MaxFileBytes refuses files (and streams) longer than this many bytes.
	// 0 means 2 bytes per allowed pixel plus 16 MiB (144 MiB by default).
	MaxFileBytes int64
	// DrawWidth and DrawHeight are the box, in pixels, the caller will
	// draw the image to fit in (0: no bound that way; both 0: full
	// resolution). Decoding then averages k x k pixel blocks, for the
	// largest k that keeps the grid at least as large as the picture:
	// cheaper to decode and to scale, and exact area averaging all the
	// same. The default window is still that of the full-resolution image.
	DrawWidth, DrawHeight int
	// Fit makes the grid the picture itself: the image fitted into
	// DrawWidth x DrawHeight (the bound side exactly, the other rounded
	// down), exact area averaging done while decoding, row by row, when
	// no whole k gives that size. Fitting the grid into the same box then
	// gives its own size, so the caller draws it unscaled. Ignored when
	// the image is no larger than the box.
	Fit bool
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
	// Width and Height are the size of Pix in pixels; both are positive.
	// They are the file's own unless the image was averaged down while
	// decoding (LoadOptions.DrawWidth/DrawHeight, or an image above MaxGridPixels).
	Width, Height int
	// SourceWidth and SourceHeight are the image's size in the file, which
	// pixel coordinates shown to users refer to.
	SourceWidth, SourceHeight int
	// Pix holds Width*Height modality values, row-major from the top-left.
	Pix []float32
	// DefaultWindow is the file's first WindowCenter/WindowWidth (DICOM),
	// the full range for 8-bit sources, or AutoWindow otherwise.
	DefaultWindow Window
	// FileWindow is the file's own first WindowCenter/WindowWidth (the
	// DICOM VOI), nil when the file names none (PNG, JPEG, DICOM without
	// a window).
	FileWindow *Window
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
	// Notes are things a reader should know that did not stop decoding,
	// such as a DICOM file meta header without its group length.
	Notes []string

	// id names this radiograph in cache keys (assigned on first use):
	// unlike its address, it is never reused by another image.
	id atomic.Uint64
}

// lastID numbers radiographs for cache keys.
var lastID atomic.Uint64

// ID names r for caches (a display's scaled copies, say): assigned on
// first use, never 0, and unlike r's address never reused by another
// image, so a derived radiograph (Crop, WithInvert) has its own.
func (r *Radiograph) ID() uint64 {
	if id := r.id.Load(); id != 0 {
		return id
	}
	r.id.CompareAndSwap(0, lastID.Add(1))
	return r.id.Load()
}

// Load reads and decodes the image file at path (PNG, JPEG or DICOM, sniffed
// from the content, not the extension), opened with OpenFile: a path that
// is not a regular file, or a file larger than the limits allow, is refused
// before anything is read. Errors name the file; a truncated or corrupt file
// is an error, never a panic.
func Load(ctx context.Context, path string, opt LoadOptions) (*Radiograph, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	f, err := OpenFile(path, opt)
	if err != nil {
		return nil, fmt.Errorf("load %w", err)
	}
	defer f.Close()
	return Decode(ctx, f, path, opt)
}

// Decode decodes an image from r; name is used in errors and as Source. It
// reads at most the bytes the limits allow, and refuses longer input. PNG
// is decoded as it streams in; JPEG and DICOM are read whole first.
func Decode(ctx context.Context, r io.Reader, name string, opt LoadOptions) (*Radiograph, error) {
	br := bufio.NewReaderSize(&boundedReader{r: r, left: opt.maxFileBytes()}, 64<<10)
	head, err := br.Peek(132)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, fmt.Errorf("read image %s: %w", name, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("decode %s: %w", name, err)
	}
	var rg *Radiograph
	switch sniff(head, name) {
	case "png":
		rg, err = decodePNG(ctx, br, opt)
	case "jpeg", "dicom":
		data, rerr := readAll(br, r)
		if rerr != nil {
			return nil, fmt.Errorf("read image %s: %w", name, rerr)
		}
		if bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}) {
			rg, err = decodeJPEG(data, opt)
		} else {
			rg, err = decodeDICOM(ctx, data, opt)
		}
	default:
		err = fmt.Errorf("not a PNG, JPEG or DICOM file: %w", ErrUnsupported)
	}
	if err != nil {
		return nil, fmt.Errorf("decode image %s: %w", name, err)
	}
	rg.Source = name
	return rg, nil
}

// readAll reads br to the end; when the underlying reader is a File its
// size sizes the buffer, so a large DICOM is not copied while it grows.
func readAll(br *bufio.Reader, under io.Reader) ([]byte, error) {
	f, ok := under.(*File)
	if !ok {
		return io.ReadAll(br)
	}
	data := make([]byte, 0, f.Size()+1)
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := br.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// boundedReader fails with ErrTooLarge once more than left bytes are read.
type boundedReader struct {
	r    io.Reader
	left int64
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, b.err()
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.r.Read(p)
	if b.left -= int64(n); b.left < 0 {
		return n, b.err()
	}
	return n, err
}

func (b *boundedReader) err() error {
	return fmt.Errorf("longer than the byte limit: %w", ErrTooLarge)
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

// SourceSize is the image's size in its file: SourceWidth and SourceHeight
// when set, else Width and Height.
func (r *Radiograph) SourceSize() (w, h int) {
	if r.SourceWidth > 0 && r.SourceHeight > 0 {
		return r.SourceWidth, r.SourceHeight
	}
	return r.Width, r.Height
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
