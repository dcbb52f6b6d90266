package radiograph

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image/jpeg"
	"math"
	"strconv"
	"strings"

	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/tag"
	"github.com/suyashkumar/dicom/pkg/uid"
)

// unsupportedSyntax explains a transfer syntax render cannot decode and how to
// convert the file.
func unsupportedSyntax(ts string) error {
	name := "unknown transfer syntax"
	if info, err := uid.Lookup(ts); err == nil {
		name = info.Name
	}
	return fmt.Errorf("transfer syntax %q (%s) is not supported (render decodes uncompressed DICOM and 8-bit baseline JPEG); "+
		"convert the file first, e.g. `gdcmconv --raw in.dcm out.dcm` (GDCM) or `dcmdjpeg in.dcm out.dcm` (DCMTK, JPEG) / `dcmdjpls` (JPEG-LS) / `dcmdrle` (RLE): %w",
		name, ts, ErrUnsupported)
}

// parseDICOM runs the library on data that scanDICOM accepted (the whole
// file, or the part before the native pixel data).
func parseDICOM(data []byte, lay dicomLayout) (ds dicom.Dataset, err error) {
	// Why recover: the library indexes values it has not checked (for
	// example MustGetInts on a Rows element of the wrong VR), so a crafted
	// file can still make it panic after scanDICOM. A panic here is a bad
	// file, not a bug in the caller.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("corrupt DICOM (parser failed: %v)", p)
		}
	}()
	opts := []dicom.ParseOption{dicom.SkipProcessingPixelDataValue()}
	if lay.noGroupLength {
		opts = append(opts, dicom.AllowMissingMetaElementGroupLength())
	}
	ds, err = dicom.Parse(bytes.NewReader(data), int64(len(data)), nil, opts...)
	if err != nil {
		return ds, fmt.Errorf("parse DICOM: %w", err)
	}
	return ds, nil
}

// dicomAttrs are the image pixel module attributes render uses.
type dicomAttrs struct {
	rows, cols, spp, planar   int
	bitsAlloc, bitsStored, hb int
	signed                    bool
	photometric               string
	slope, intercept          float64
	window                    *Window
	voi                       VOIFunction
}

// noGroupLengthNote is the note a file without (0002,0000) gets; dcmtk
// reads such files with a warning too.
const noGroupLengthNote = "DICOM file meta header has no group length (0002,0000); read element by element, as dcmtk does"

func decodeDICOM(ctx context.Context, data []byte, opt LoadOptions) (*Radiograph, error) {
	lay, err := scanDICOM(data)
	if err != nil {
		return nil, err
	}
	// Native pixel data is read in place: the library parses only the
	// elements before it, so it does not copy the largest value in the file.
	header := data
	if lay.pixelOff >= 0 {
		header = data[:lay.pixelHdr]
	}
	ds, err := parseDICOM(header, lay)
	if err != nil {
		return nil, err
	}
	a, err := readAttrs(&ds)
	if err != nil {
		return nil, err
	}
	if err := opt.checkPixels(a.cols, a.rows); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var rg *Radiograph
	switch {
	case lay.pixelHdr < 0:
		return nil, fmt.Errorf("no PixelData element (7FE0,0010)")
	case lay.pixelOff >= 0:
		if lay.ts == tsJPEGBaseline {
			return nil, fmt.Errorf("PixelData (7FE0,0010) is not encapsulated although the transfer syntax is JPEG baseline: corrupt file")
		}
		var bo binary.ByteOrder = binary.LittleEndian
		if lay.ts == tsExplicitBE {
			bo = binary.BigEndian
		}
		rg, err = decodeNative(data[lay.pixelOff:lay.pixelOff+lay.pixelLen], a, bo, opt)
	default:
		pe, ferr := ds.FindElementByTag(tag.PixelData)
		if ferr != nil {
			return nil, fmt.Errorf("no PixelData element (7FE0,0010)")
		}
		info, ok := pe.Value.GetValue().(dicom.PixelDataInfo)
		if !ok {
			return nil, fmt.Errorf("PixelData (7FE0,0010): unexpected value type %T", pe.Value.GetValue())
		}
		if lay.ts != tsJPEGBaseline {
			return nil, fmt.Errorf("PixelData (7FE0,0010) is encapsulated although the transfer syntax %s is not: corrupt file", lay.ts)
		}
		rg, err = decodeDICOMJPEG(info, a, opt)
	}
	if err != nil {
		return nil, err
	}
	if lay.noGroupLength {
		rg.Notes = append(rg.Notes, noGroupLengthNote)
	}
	rg.Invert = a.photometric == "MONOCHROME1"
	rg.VOIFunction = a.voi
	switch {
	case a.window != nil:
		rg.DefaultWindow = *a.window
		fw := *a.window
		rg.FileWindow = &fw
	case a.bitsStored <= 8 && !a.signed && a.slope == 1 && a.intercept == 0:
		rg.DefaultWindow = identityWindow8
	case rg.DefaultWindow.Width > 0:
		// Set by the decoder from the full-resolution values.
	default:
		rg.DefaultWindow = AutoWindow(rg)
	}
	return rg, nil
}

func readAttrs(ds *dicom.Dataset) (dicomAttrs, error) {
	a := dicomAttrs{spp: 1, slope: 1, voi: VOILinear}
	var err error
	geti := func(t tag.Tag, name string, def int, required bool) int {
		if err != nil {
			return def
		}
		e, ferr := ds.FindElementByTag(t)
		if ferr != nil {
			if required {
				err = fmt.Errorf("missing %s (%04X,%04X)", name, t.Group, t.Element)
			}
			return def
		}
		v, ok := e.Value.GetValue().([]int)
		if !ok || len(v) == 0 {
			err = fmt.Errorf("%s (%04X,%04X): want an integer, got %v", name, t.Group, t.Element, e.Value)
			return def
		}
		return v[0]
	}
	a.rows = geti(tag.Rows, "Rows", 0, true)
	a.cols = geti(tag.Columns, "Columns", 0, true)
	a.bitsAlloc = geti(tag.BitsAllocated, "BitsAllocated", 0, true)
	a.spp = geti(tag.SamplesPerPixel, "SamplesPerPixel", 1, false)
	a.bitsStored = geti(tag.BitsStored, "BitsStored", a.bitsAlloc, false)
	a.hb = geti(tag.HighBit, "HighBit", a.bitsStored-1, false)
	a.signed = geti(tag.PixelRepresentation, "PixelRepresentation", 0, false) == 1
	a.planar = geti(tag.PlanarConfiguration, "PlanarConfiguration", 0, false)
	if err != nil {
		return a, err
	}
	switch a.bitsAlloc {
	case 8, 16, 32:
	default:
		return a, fmt.Errorf("BitsAllocated (0028,0100) = %d: only 8, 16 and 32 are supported", a.bitsAlloc)
	}
	if a.bitsStored < 1 || a.bitsStored > a.bitsAlloc || a.hb < a.bitsStored-1 || a.hb >= a.bitsAlloc {
		return a, fmt.Errorf("BitsStored %d / HighBit %d inconsistent with BitsAllocated %d", a.bitsStored, a.hb, a.bitsAlloc)
	}
	if a.spp != 1 && a.spp != 3 {
		return a, fmt.Errorf("SamplesPerPixel (0028,0002) = %d: want 1 or 3", a.spp)
	}
	a.photometric = firstString(ds, tag.PhotometricInterpretation)
	switch {
	case a.photometric == "", a.photometric == "MONOCHROME1", a.photometric == "MONOCHROME2":
	case a.spp == 3 && (a.photometric == "RGB" || strings.HasPrefix(a.photometric, "YBR")):
	default:
		return a, fmt.Errorf("PhotometricInterpretation (0028,0004) %q with %d samples per pixel is not supported", a.photometric, a.spp)
	}
	return a, readRescaleAndVOI(ds, &a)
}

// readRescaleAndVOI reads the Rescale Slope/Intercept (a non-finite or
// unreadable one is an error), the file's first window, if usable, and the
// VOI LUT function into a.
func readRescaleAndVOI(ds *dicom.Dataset, a *dicomAttrs) error {
	for _, f := range []struct {
		t    tag.Tag
		name string
		dst  *float64
	}{{tag.RescaleSlope, "RescaleSlope", &a.slope}, {tag.RescaleIntercept, "RescaleIntercept", &a.intercept}} {
		if s := firstString(ds, f.t); s != "" {
			v, perr := strconv.ParseFloat(s, 64)
			if perr != nil {
				return fmt.Errorf("%s (%04X,%04X) %q: %w", f.name, f.t.Group, f.t.Element, s, perr)
			}
			if math.IsNaN(v) || math.Abs(v) > 1e30 {
				return fmt.Errorf("%s (%04X,%04X) %q: not a usable finite number", f.name, f.t.Group, f.t.Element, s)
			}
			*f.dst = v
		}
	}
	if a.slope == 0 {
		a.slope = 1
	}
	c, errC := strconv.ParseFloat(firstString(ds, tag.WindowCenter), 64)
	w, errW := strconv.ParseFloat(firstString(ds, tag.WindowWidth), 64)
	if errC == nil && errW == nil && w > 0 && !math.IsInf(w, 0) && !math.IsNaN(c) && !math.IsInf(c, 0) {
		a.window = &Window{Center: c, Width: w}
	}
	switch VOIFunction(strings.ToUpper(firstString(ds, tag.VOILUTFunction))) {
	case VOILinearExact:
		a.voi = VOILinearExact
	case VOISigmoid:
		a.voi = VOISigmoid
	}
	return nil
}

// firstString returns the first value of a string element, trimmed, or "".
func firstString(ds *dicom.Dataset, t tag.Tag) string {
	e, err := ds.FindElementByTag(t)
	if err != nil {
		return ""
	}
	v, ok := e.Value.GetValue().([]string)
	if !ok || len(v) == 0 {
		return ""
	}
	return strings.TrimSpace(strings.Trim(v[0], "\x00"))
}

// decodeNative converts the first frame of native pixel data to modality
// values, row by row into the grid opt asks for: extract the BitsStored bits
// ending at HighBit, sign-extend when PixelRepresentation is 1, then apply
// Rescale Slope/Intercept. When the grid is reduced, the default window is
// computed from a histogram of the full-resolution stored values.
func decodeNative(raw []byte, a dicomAttrs, bo binary.ByteOrder, opt LoadOptions) (*Radiograph, error) {
	n := a.rows * a.cols
	bps := a.bitsAlloc / 8
	need := n * a.spp * bps
	if len(raw) < need {
		return nil, fmt.Errorf("PixelData (7FE0,0010) holds %d bytes, want %d for %dx%d x %d samples x %d bits: truncated or corrupt",
			len(raw), need, a.cols, a.rows, a.spp, a.bitsAlloc)
	}
	s := newNativeSamples(raw, a, bo)
	g := newGrid(a.cols, a.rows, opt)
	var hist *valueHist
	var counts []uint32
	if a.spp == 1 && a.bitsStored <= 16 {
		hist = newValueHist(a.bitsStored)
		hist.n = n
		counts = hist.counts
	}
	for y := range a.rows {
		s.row(g.row(), y*a.cols, counts)
		g.commit()
	}
	rg := g.radiograph()
	rg.Format = "dicom"
	if hist != nil {
		rg.DefaultWindow = hist.window(func(v int) float32 { return s.modality(uint32(v)) })
	}
	return rg, nil
}

// nativeSamples reads the stored values of native pixel data: the
// BitsStored bits ending at HighBit, sign-extended when PixelRepresentation
// is 1, and their modality values (Rescale Slope/Intercept).
type nativeSamples struct {
	raw           []byte
	a             dicomAttrs
	bo            binary.ByteOrder
	bps, n        int
	shift         uint
	mask, signBit uint32
}

func newNativeSamples(raw []byte, a dicomAttrs, bo binary.ByteOrder) *nativeSamples {
	s := &nativeSamples{raw: raw, a: a, bo: bo, bps: a.bitsAlloc / 8, n: a.rows * a.cols,
		shift: uint(a.hb + 1 - a.bitsStored), mask: uint32(1)<<uint(a.bitsStored) - 1, signBit: uint32(1) << uint(a.bitsStored-1)}
	if a.bitsStored == 32 {
		s.mask = ^uint32(0)
	}
	return s
}

// stored is sample i's stored value.
func (s *nativeSamples) stored(i int) uint32 {
	var v uint32
	switch s.bps {
	case 1:
		v = uint32(s.raw[i])
	case 2:
		v = uint32(s.bo.Uint16(s.raw[2*i:]))
	default:
		v = s.bo.Uint32(s.raw[4*i:])
	}
	return (v >> s.shift) & s.mask
}

// value is stored value v, sign-extended when the pixels are signed.
func (s *nativeSamples) value(v uint32) float64 {
	if s.a.signed && v&s.signBit != 0 {
		return float64(int64(v) - int64(s.mask) - 1)
	}
	return float64(v)
}

func (s *nativeSamples) modality(v uint32) float32 {
	return float32(s.value(v)*s.a.slope + s.a.intercept)
}

// row converts the pixels from i0 (len(dst) of them) to modality values;
// counts, when set, counts the stored values of a grey image. A colour
// image becomes its luminance (YBR: the Y it stores).
func (s *nativeSamples) row(dst []float32, i0 int, counts []uint32) {
	a, n := s.a, s.n
	switch {
	case a.spp == 1 && s.bps == 2 && !a.signed && a.slope == 1 && a.intercept == 0:
		// The common case (unsigned 16-bit words, no rescale).
		bo, shift, mask := s.bo, s.shift, s.mask
		row := s.raw[2*i0 : 2*(i0+len(dst))]
		for x := range dst {
			v := (uint32(bo.Uint16(row[2*x:])) >> shift) & mask
			dst[x] = float32(v)
			if counts != nil {
				counts[v]++
			}
		}
	case a.spp == 1:
		for x := range dst {
			v := s.stored(i0 + x)
			dst[x] = s.modality(v)
			if counts != nil {
				counts[v]++
			}
		}
	default:
		for x := range dst {
			i := i0 + x
			var v float64
			switch {
			case strings.HasPrefix(a.photometric, "YBR"):
				// Y is the luminance already.
				if a.planar == 1 {
					v = s.value(s.stored(i))
				} else {
					v = s.value(s.stored(3 * i))
				}
			case a.planar == 1:
				v = float64(luma(float32(s.value(s.stored(i))), float32(s.value(s.stored(n+i))), float32(s.value(s.stored(2*n+i)))))
			default:
				v = float64(luma(float32(s.value(s.stored(3*i))), float32(s.value(s.stored(3*i+1))), float32(s.value(s.stored(3*i+2)))))
			}
			dst[x] = float32(v*a.slope + a.intercept)
		}
	}
}

// decodeDICOMJPEG decodes the first frame of 8-bit baseline JPEG pixel data.
// The library reports each fragment as a frame; a single-frame image may be
// split over several fragments, so they are concatenated and image/jpeg
// stops at the first end-of-image marker.
func decodeDICOMJPEG(info dicom.PixelDataInfo, a dicomAttrs, opt LoadOptions) (*Radiograph, error) {
	var buf []byte
	for _, f := range info.Frames {
		buf = append(buf, f.EncapsulatedData.Data...)
	}
	if len(buf) == 0 {
		return nil, fmt.Errorf("PixelData (7FE0,0010): no JPEG fragments")
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(buf))
	if err != nil {
		return nil, fmt.Errorf("PixelData JPEG header: %w", err)
	}
	if err := opt.checkPixels(cfg.Width, cfg.Height); err != nil {
		return nil, err
	}
	if cfg.Width != a.cols || cfg.Height != a.rows {
		return nil, fmt.Errorf("PixelData JPEG is %dx%d but Columns x Rows say %dx%d", cfg.Width, cfg.Height, a.cols, a.rows)
	}
	rg, err := jpegLuma(buf, cfg, opt)
	if err != nil {
		return nil, fmt.Errorf("PixelData JPEG: %w", err)
	}
	if a.slope != 1 || a.intercept != 0 {
		for i, v := range rg.Pix {
			rg.Pix[i] = float32(float64(v)*a.slope + a.intercept)
		}
	}
	rg.Format = "dicom-jpeg"
	return rg, nil
}
