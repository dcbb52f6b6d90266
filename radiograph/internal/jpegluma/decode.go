// Package jpegluma decodes the luma (grey, or the Y of YCbCr) of baseline
// JPEG files, with the inverse DCT spread over every core.
//
// Why not only image/jpeg: it decodes on one goroutine, and for a large
// radiograph drawn with no averaging while decoding its entropy decoding
// and inverse DCT were most of `cxr-auditor render`'s critical path
// (figures in docs/render.md, Benchmarks). Here the
// Huffman decoding, which is sequential by nature, runs on the caller's
// goroutine and hands each row of MCUs to workers that dequantize,
// transform and store it; chroma blocks are entropy-decoded (to find the
// next block) but never transformed. The inverse DCT is image/jpeg's own
// (idct.go), so every pixel equals image/jpeg's (TestMatchesImageJPEG).
//
// Only the common case is handled: sequential Huffman (SOF0/SOF1), 8-bit,
// one or three components (YCbCr, luma at full sampling), the luma in the
// first scan. Anything else, and any stream that is not clean (a wrong
// restart marker, a truncated scan, an unusual code), returns an error
// wrapping ErrUnsupported or ErrFormat, and the caller decodes with
// image/jpeg, which decides what is right.
package jpegluma

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
)

// ErrUnsupported is wrapped by the error Decode returns for a valid JPEG it
// does not handle (progressive, arithmetic coding, 12-bit, CMYK, RGB, ...).
var ErrUnsupported = errors.New("jpegluma: unsupported JPEG")

// ErrFormat is wrapped by the error Decode returns for a stream it cannot
// read cleanly.
var ErrFormat = errors.New("jpegluma: malformed JPEG")

const (
	markerSOF0 = 0xC0
	markerSOF1 = 0xC1
	markerDHT  = 0xC4
	markerRST0 = 0xD0
	markerRST7 = 0xD7
	markerSOI  = 0xD8
	markerEOI  = 0xD9
	markerSOS  = 0xDA
	markerDQT  = 0xDB
	markerDRI  = 0xDD
	markerAPP0 = 0xE0
	markerAPPE = 0xEE
)

// unzig maps zig-zag order to natural order (image/jpeg's table).
var unzig = [blockSize]uint8{
	0, 1, 8, 16, 9, 2, 3, 10,
	17, 24, 32, 25, 18, 11, 4, 5,
	12, 19, 26, 33, 40, 48, 41, 34,
	27, 20, 13, 6, 7, 14, 21, 28,
	35, 42, 49, 56, 57, 50, 43, 36,
	29, 22, 15, 23, 30, 37, 44, 51,
	58, 59, 52, 45, 38, 31, 39, 46,
	53, 60, 61, 54, 47, 55, 62, 63,
}

type component struct {
	id   uint8
	h, v int
	tq   uint8
}

// header is what the markers before the first scan say.
type header struct {
	width, height int
	comps         []component
	quant         [4][blockSize]int32 // zig-zag order
	quantSet      [4]bool
	huff          [2][4]*huffTable // [DC, AC][Th]
	restart       int
	jfif          bool
	adobe         bool
	adobeXform    uint8
}

// scanComp is one component of the scan: its index and tables.
type scanComp struct {
	comp   int
	dc, ac *huffTable
}

func formatErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, args...))
}

func unsupported(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUnsupported, fmt.Sprintf(format, args...))
}

// Decode returns the luma of the baseline JPEG in data: for a grey JPEG the
// image image/jpeg returns, for a YCbCr one its Y plane, with the same
// bounds and pixels. Stride and the pixels beyond the bounds are image/jpeg's
// too (whole blocks). The caller checks the size first (image/jpeg's
// DecodeConfig): Decode allocates the whole image.
func Decode(data []byte) (*image.Gray, error) {
	hd, pos, err := parseHeader(data)
	if err != nil {
		return nil, err
	}
	out := &output{width: hd.width, height: hd.height}
	if err := decodeScan(data, pos, hd, out); err != nil {
		return nil, err
	}
	return out.gray.SubImage(image.Rect(0, 0, hd.width, hd.height)).(*image.Gray), nil
}

// DecodeFloat32 is Decode giving the luma as float32 values (0 to 255),
// width x height, row after row: what a caller that works in float32 would
// convert Decode's image to, without the 8-bit plane and the second pass.
func DecodeFloat32(data []byte) (pix []float32, width, height int, err error) {
	hd, pos, err := parseHeader(data)
	if err != nil {
		return nil, 0, 0, err
	}
	out := &output{width: hd.width, height: hd.height, float: true}
	if err := decodeScan(data, pos, hd, out); err != nil {
		return nil, 0, 0, err
	}
	return out.f32, hd.width, hd.height, nil
}

// parseHeader reads markers up to and including the first SOS, and returns
// the header with the offset of the entropy-coded data.
func parseHeader(data []byte) (*header, int, error) {
	if len(data) < 2 || data[0] != 0xFF || data[1] != markerSOI {
		return nil, 0, formatErr("missing SOI marker")
	}
	hd := &header{}
	pos := 2
	for {
		// Markers may be preceded by fill bytes (0xFF).
		if pos >= len(data) || data[pos] != 0xFF {
			return nil, 0, formatErr("expected a marker at offset %d", pos)
		}
		for pos < len(data) && data[pos] == 0xFF {
			pos++
		}
		if pos >= len(data) {
			return nil, 0, formatErr("truncated before the first scan")
		}
		m := data[pos]
		pos++
		if m == markerEOI {
			return nil, 0, formatErr("no scan")
		}
		if m == markerSOI || (m >= markerRST0 && m <= markerRST7) || m == 0x01 {
			return nil, 0, unsupported("marker 0x%02x before the first scan", m)
		}
		if pos+2 > len(data) {
			return nil, 0, formatErr("truncated marker 0x%02x", m)
		}
		n := int(binary.BigEndian.Uint16(data[pos:]))
		if n < 2 || pos+n > len(data) {
			return nil, 0, formatErr("marker 0x%02x: bad length %d", m, n)
		}
		seg := data[pos+2 : pos+n]
		pos += n
		var err error
		switch {
		case m == markerSOF0 || m == markerSOF1:
			err = hd.parseSOF(seg)
		case m >= 0xC2 && m <= 0xCF && m != markerDHT && m != 0xC8 && m != 0xCC:
			err = unsupported("frame type 0x%02x (progressive, lossless or arithmetic)", m)
		case m == 0xCC:
			err = unsupported("arithmetic coding")
		case m == markerDHT:
			err = hd.parseDHT(seg)
		case m == markerDQT:
			err = hd.parseDQT(seg)
		case m == markerDRI:
			if len(seg) != 2 {
				err = formatErr("DRI has wrong length")
			} else {
				hd.restart = int(binary.BigEndian.Uint16(seg))
			}
		case m == markerAPP0:
			hd.jfif = hd.jfif || (len(seg) >= 5 && string(seg[:5]) == "JFIF\x00")
		case m == markerAPPE:
			if len(seg) >= 12 && string(seg[:5]) == "Adobe" {
				hd.adobe, hd.adobeXform = true, seg[11]
			}
		case m == markerSOS:
			if hd.comps == nil {
				return nil, 0, formatErr("SOS before SOF")
			}
			return hd, pos - n, nil // the scan header is parsed with the scan
		}
		if err != nil {
			return nil, 0, err
		}
	}
}

func (hd *header) parseSOF(seg []byte) error {
	if hd.comps != nil {
		return formatErr("more than one SOF")
	}
	if len(seg) < 6 {
		return formatErr("SOF has wrong length")
	}
	if seg[0] != 8 {
		return unsupported("%d-bit samples", seg[0])
	}
	hd.height = int(binary.BigEndian.Uint16(seg[1:]))
	hd.width = int(binary.BigEndian.Uint16(seg[3:]))
	if hd.width == 0 || hd.height == 0 {
		return unsupported("size %dx%d (DNL)", hd.width, hd.height)
	}
	nc := int(seg[5])
	if nc != 1 && nc != 3 {
		return unsupported("%d components", nc)
	}
	if len(seg) != 6+3*nc {
		return formatErr("SOF has wrong length")
	}
	for i := range nc {
		c := component{id: seg[6+3*i], h: int(seg[7+3*i] >> 4), v: int(seg[7+3*i] & 15), tq: seg[8+3*i]}
		if c.tq > 3 || c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 {
			return formatErr("component %d: bad sampling or table", i)
		}
		for _, o := range hd.comps {
			if o.id == c.id {
				return formatErr("repeated component id")
			}
		}
		hd.comps = append(hd.comps, c)
	}
	if nc == 1 {
		// A single component is non-interleaved: blocks in raster order
		// whatever H and V say (ITU T.81 A.2).
		hd.comps[0].h, hd.comps[0].v = 1, 1
		return nil
	}
	// The subsamplings image/jpeg decodes, luma at the finest sampling.
	y, cb, cr := hd.comps[0], hd.comps[1], hd.comps[2]
	if cb.h != 1 || cb.v != 1 || cr.h != 1 || cr.v != 1 || (y.h != 1 && y.h != 2 && y.h != 4) || y.v > 2 {
		return unsupported("sampling factors")
	}
	return nil
}

func (hd *header) parseDQT(seg []byte) error {
	for len(seg) > 0 {
		pq, tq := seg[0]>>4, seg[0]&15
		if tq > 3 || pq > 1 {
			return formatErr("bad DQT table")
		}
		seg = seg[1:]
		q := &hd.quant[tq]
		if pq == 0 {
			if len(seg) < blockSize {
				return formatErr("DQT has wrong length")
			}
			for i := range q {
				q[i] = int32(seg[i])
			}
			seg = seg[blockSize:]
		} else {
			if len(seg) < 2*blockSize {
				return formatErr("DQT has wrong length")
			}
			for i := range q {
				q[i] = int32(binary.BigEndian.Uint16(seg[2*i:]))
			}
			seg = seg[2*blockSize:]
		}
		hd.quantSet[tq] = true
	}
	return nil
}

func (hd *header) parseDHT(seg []byte) error {
	for len(seg) > 0 {
		if len(seg) < 17 {
			return formatErr("DHT has wrong length")
		}
		tc, th := seg[0]>>4, seg[0]&15
		if tc > 1 || th > 3 {
			return formatErr("bad DHT table")
		}
		var counts [16]int
		total := 0
		for i := range counts {
			counts[i] = int(seg[1+i])
			total += counts[i]
		}
		if total == 0 || total > 256 || len(seg) < 17+total {
			return formatErr("DHT has wrong length")
		}
		t, err := newHuffTable(counts, seg[17:17+total])
		if err != nil {
			return err
		}
		hd.huff[tc][th] = t
		seg = seg[17+total:]
	}
	return nil
}

// parseSOS reads the scan header at data[pos:] (its length field first) and
// returns the scan's components and the offset of its entropy-coded data.
func (hd *header) parseSOS(data []byte, pos int) ([]scanComp, int, error) {
	n := int(binary.BigEndian.Uint16(data[pos:]))
	seg := data[pos+2 : pos+n]
	if len(seg) < 1 {
		return nil, 0, formatErr("SOS has wrong length")
	}
	ns := int(seg[0])
	if ns < 1 || ns > len(hd.comps) || len(seg) != 4+2*ns {
		return nil, 0, formatErr("SOS has wrong length")
	}
	if ss, se, a := seg[1+2*ns], seg[2+2*ns], seg[3+2*ns]; ss != 0 || se != 63 || a != 0 {
		return nil, 0, formatErr("spectral selection in a sequential scan")
	}
	var sc []scanComp
	for i := range ns {
		id, tables := seg[1+2*i], seg[2+2*i]
		ci := -1
		for j, c := range hd.comps {
			if c.id == id {
				ci = j
			}
		}
		if ci < 0 {
			return nil, 0, formatErr("unknown component in SOS")
		}
		for _, o := range sc {
			if o.comp == ci {
				return nil, 0, formatErr("repeated component in SOS")
			}
		}
		td, ta := tables>>4, tables&15
		if td > 3 || ta > 3 || hd.huff[0][td] == nil || hd.huff[1][ta] == nil {
			return nil, 0, formatErr("missing Huffman table")
		}
		if !hd.quantSet[hd.comps[ci].tq] {
			return nil, 0, formatErr("missing quantization table")
		}
		sc = append(sc, scanComp{comp: ci, dc: hd.huff[0][td], ac: hd.huff[1][ta]})
	}
	if sc[0].comp != 0 {
		return nil, 0, unsupported("first scan without luma")
	}
	if len(hd.comps) == 3 {
		// RGB stored as is (image/jpeg's rule: without JFIF, Adobe
		// transform 0 or components named R, G, B) has no luma plane.
		c := hd.comps
		if !hd.jfif && (hd.adobe && hd.adobeXform == 0 || c[0].id == 'R' && c[1].id == 'G' && c[2].id == 'B') {
			return nil, 0, unsupported("RGB")
		}
		if ns == 1 && hd.restart > 0 && c[0].h*c[0].v > 1 {
			// image/jpeg counts this scan's restart intervals in MCUs of
			// the interleaved grid, T.81 in blocks: let it decide.
			return nil, 0, unsupported("restarts in a subsampled luma-only scan")
		}
	}
	if ns > 1 && ns != len(hd.comps) {
		return nil, 0, unsupported("partly interleaved scan")
	}
	return sc, pos + n, nil
}
