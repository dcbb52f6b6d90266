package radiograph

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/suyashkumar/dicom/pkg/tag"
)

// The transfer syntaxes radiograph decodes.
const (
	tsImplicitLE   = "1.2.840.10008.1.2"
	tsExplicitLE   = "1.2.840.10008.1.2.1"
	tsExplicitBE   = "1.2.840.10008.1.2.2"
	tsJPEGBaseline = "1.2.840.10008.1.2.4.50"
)

const undefinedLength = 0xFFFFFFFF

// MaxDICOMDepth is the deepest sequence nesting a DICOM file may have, and
// MaxDICOMElements the most elements it may hold, before it is refused with
// ErrUnsupported. Why: the library parses each nested sequence by recursion
// and keeps every element, so a file of a million nested sequences (36 MB,
// under the byte limit) overflows the goroutine stack, which no recover can
// catch, and millions of tiny elements cost gigabytes. Radiographs nest a few
// levels and hold a few thousand elements.
const (
	MaxDICOMDepth    = 64
	MaxDICOMElements = 200_000
)

// dicomLayout is what scanDICOM learns about a file's structure.
type dicomLayout struct {
	ts string
	// noGroupLength is set when the file meta header lacks its first
	// element, (0002,0000) File Meta Information Group Length.
	noGroupLength bool
	// pixelHdr is the offset of the top-level PixelData element's header,
	// -1 when there is none. pixelOff and pixelLen locate its value when it
	// is native (pixelOff is -1 for encapsulated pixel data).
	pixelHdr, pixelOff, pixelLen int
}

// scanDICOM walks the element structure of a DICOM file without decoding any
// value and returns its transfer syntax UID and where its pixel data lies.
//
// Why: suyashkumar/dicom allocates every value with make([]byte, vl) before
// reading it, so a 200-byte file that declares a 4 GiB element makes it
// allocate 4 GiB, and it logs to the global logger on malformed input. This
// walk mirrors the library's element framing (including its quirks: item tags
// are always implicit, a 16-bit VL of 0xFFFF means undefined) and refuses any
// length that runs past the end of the data, so by the time the library sees
// the bytes every allocation it makes is bounded by the file size, which Load
// already bounded. It also rejects transfer syntaxes radiograph cannot decode
// before the library misreads them (the library parses deflated files as if
// they were not compressed), and finds the top-level native pixel data, so
// the library need not copy it.
func scanDICOM(data []byte) (lay dicomLayout, err error) {
	lay = dicomLayout{pixelHdr: -1, pixelOff: -1}
	pos, err := scanMeta(data, &lay)
	if err != nil {
		return lay, err
	}
	if lay.ts == "" {
		// No meta header: the library falls back to implicit little endian.
		lay.ts = tsImplicitLE
	}
	var (
		bo       binary.ByteOrder = binary.LittleEndian
		implicit bool
	)
	switch lay.ts {
	case tsImplicitLE:
		implicit = true
	case tsExplicitLE, tsJPEGBaseline:
	case tsExplicitBE:
		bo = binary.BigEndian
	default:
		return lay, unsupportedSyntax(lay.ts)
	}
	w := datasetWalk{data: data, pos: pos, bo: bo, implicit: implicit, lay: &lay}
	return lay, w.run()
}

// scanMeta reads the file meta information (after the preamble, when there
// is one) into lay and returns where the dataset starts.
func scanMeta(data []byte, lay *dicomLayout) (int, error) {
	if len(data) < 132 || string(data[128:132]) != "DICM" {
		return 0, nil
	}
	pos := 132
	lay.noGroupLength = len(data) < pos+4 || binary.LittleEndian.Uint16(data[pos:]) != 0x0002 || binary.LittleEndian.Uint16(data[pos+2:]) != 0x0000
	// File meta information: always explicit VR little endian.
	for pos+4 <= len(data) && binary.LittleEndian.Uint16(data[pos:]) == 0x0002 {
		el := binary.LittleEndian.Uint16(data[pos+2:])
		vr, vl, hdr, err := explicitHeader(data, pos, binary.LittleEndian)
		if err != nil {
			return pos, err
		}
		if vl == undefinedLength || int64(vl) > int64(len(data)-pos-hdr) {
			return pos, fmt.Errorf("file meta element (0002,%04X) %s at offset %d: length %d runs past the end of the file (%d bytes): truncated or corrupt", el, vr, pos, vl, len(data))
		}
		if el == 0x0010 {
			lay.ts = strings.TrimRight(string(data[pos+hdr:pos+hdr+int(vl)]), " \x00")
		}
		pos += hdr + int(vl)
	}
	return pos, nil
}

// datasetWalk walks the dataset's element headers, checking every length
// and recording the top-level pixel data in lay.
type datasetWalk struct {
	data        []byte
	pos         int
	bo          binary.ByteOrder
	implicit    bool
	lay         *dicomLayout
	inPixelData bool
	// nest holds the end offset of each enclosing defined-length sequence,
	// or -1 for an undefined-length one (closed by a sequence delimiter):
	// an element is top-level when nest is empty.
	nest []int
	// elements counts the element headers walked, items and delimiters
	// included, against MaxDICOMElements.
	elements int
}

func (w *datasetWalk) run() error {
	data, bo := w.data, w.bo
	for w.pos < len(data) {
		for len(w.nest) > 0 && w.nest[len(w.nest)-1] >= 0 && w.pos >= w.nest[len(w.nest)-1] {
			w.nest = w.nest[:len(w.nest)-1]
		}
		if len(data)-w.pos < 8 {
			return fmt.Errorf("truncated element header at offset %d (file is %d bytes)", w.pos, len(data))
		}
		group, el := bo.Uint16(data[w.pos:]), bo.Uint16(data[w.pos+2:])
		if w.elements++; w.elements > MaxDICOMElements {
			return fmt.Errorf("more than %d elements (at offset %d): refused before parsing, a radiograph holds far fewer: %w", MaxDICOMElements, w.pos, ErrUnsupported)
		}
		var err error
		if group == 0xFFFE {
			err = w.delimiter(el)
		} else {
			err = w.element(group, el)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// delimiter steps over an item or delimiter (group FFFE) at w.pos.
func (w *datasetWalk) delimiter(el uint16) error {
	vl := w.bo.Uint32(w.data[w.pos+4:])
	w.pos += 8
	if el == 0xE0DD {
		if w.inPixelData {
			w.inPixelData = false
		} else if len(w.nest) > 0 && w.nest[len(w.nest)-1] < 0 {
			w.nest = w.nest[:len(w.nest)-1]
		}
	}
	if el != 0xE000 || vl == undefinedLength {
		return nil
	}
	if int64(vl) > int64(len(w.data)-w.pos) {
		return fmt.Errorf("item at offset %d: length %d runs past the end of the file: truncated or corrupt", w.pos-8, vl)
	}
	if w.inPixelData {
		w.pos += int(vl) // a compressed fragment: opaque bytes
	}
	// A dataset item's elements are walked in turn.
	return nil
}

// element steps over the element (group, el) at w.pos, into it when it is
// a sequence.
func (w *datasetWalk) element(group, el uint16) error {
	data := w.data
	var (
		vr  string
		vl  uint32
		hdr int
		err error
	)
	if w.implicit {
		vl, hdr = w.bo.Uint32(data[w.pos+4:]), 8
		if info, err := tag.Find(tag.Tag{Group: group, Element: el}); err == nil {
			vr = info.VR
		}
	} else if vr, vl, hdr, err = explicitHeader(data, w.pos, w.bo); err != nil {
		return err
	}
	start := w.pos
	w.pos += hdr
	pixel := group == 0x7FE0 && el == 0x0010 && len(w.nest) == 0
	if vl == undefinedLength {
		switch {
		case group == 0x7FE0 && el == 0x0010:
			w.inPixelData = true
			if pixel {
				w.lay.pixelHdr, w.lay.pixelOff, w.lay.pixelLen = start, -1, 0
			}
		default:
			return w.push(-1, group, el, start) // a sequence: walk its items
		}
		return nil
	}
	if int64(vl) > int64(len(data)-w.pos) {
		return fmt.Errorf("element (%04X,%04X) at offset %d: length %d runs past the end of the file (%d bytes): truncated or corrupt", group, el, start, vl, len(data))
	}
	if pixel {
		w.lay.pixelHdr, w.lay.pixelOff, w.lay.pixelLen = start, w.pos, int(vl)
	}
	if vr == "SQ" {
		return w.push(w.pos+int(vl), group, el, start)
	}
	w.pos += int(vl)
	return nil
}

// push enters the sequence (group, el) at offset start, which ends at end
// (-1: at its delimiter), refusing nesting deeper than MaxDICOMDepth.
func (w *datasetWalk) push(end int, group, el uint16, start int) error {
	if len(w.nest) >= MaxDICOMDepth {
		return fmt.Errorf("sequence (%04X,%04X) at offset %d is nested more than %d deep: refused before parsing: %w", group, el, start, MaxDICOMDepth, ErrUnsupported)
	}
	w.nest = append(w.nest, end)
	return nil
}

// explicitHeader reads an explicit-VR element header at pos, mirroring the
// library's readVL: which VRs take a 32-bit length, and 0xFFFF as undefined.
func explicitHeader(data []byte, pos int, bo binary.ByteOrder) (vr string, vl uint32, hdr int, err error) {
	if len(data)-pos < 8 {
		return "", 0, 0, fmt.Errorf("truncated element header at offset %d", pos)
	}
	vr = string(data[pos+4 : pos+6])
	switch vr {
	case "NA", "OB", "OD", "OF", "OL", "OW", "SQ", "UN", "UC", "UR", "UT":
		if len(data)-pos < 12 {
			return "", 0, 0, fmt.Errorf("truncated element header at offset %d", pos)
		}
		return vr, bo.Uint32(data[pos+8:]), 12, nil
	}
	for _, c := range []byte(vr) {
		if c < 'A' || c > 'Z' {
			return "", 0, 0, fmt.Errorf("element at offset %d: invalid value representation %q: corrupt file or wrong transfer syntax", pos, vr)
		}
	}
	vl = uint32(bo.Uint16(data[pos+6:]))
	if vl == 0xFFFF {
		vl = undefinedLength
	}
	return vr, vl, 8, nil
}
