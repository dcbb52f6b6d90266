// Package pngrows reads a PNG row by row, each row turned into luminance
// values as it is unfiltered. image/png returns the whole image, which for
// a large 16-bit radiograph is a large copy kept beside the caller's own
// (see docs/render.md); here the caller receives rows into its own buffer,
// and the inflate runs on its own goroutine beside the unfiltering.
// Interlaced PNGs are left to image/png (Stream.Whole).
package pngrows

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/klauspost/compress/flate"
)

const pngSignature = "\x89PNG\r\n\x1a\n"

// Header is the IHDR chunk.
type Header struct {
	Width, Height int
	// Depth is the bit depth of a sample: 1, 2, 4, 8 or 16.
	Depth int
	// ColorType is PNG's: 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA.
	ColorType  int
	Interlaced bool
}

// Channels is the samples per pixel of the colour type.
func (h Header) Channels() int {
	switch h.ColorType {
	case 0, 3:
		return 1
	case 4:
		return 2
	case 2:
		return 3
	}
	return 4 // 6
}

func (h Header) valid() error {
	ok := false
	switch h.ColorType {
	case 0:
		ok = h.Depth == 1 || h.Depth == 2 || h.Depth == 4 || h.Depth == 8 || h.Depth == 16
	case 3:
		ok = h.Depth == 1 || h.Depth == 2 || h.Depth == 4 || h.Depth == 8
	case 2, 4, 6:
		ok = h.Depth == 8 || h.Depth == 16
	}
	if !ok {
		return fmt.Errorf("PNG: bit depth %d with colour type %d is not valid", h.Depth, h.ColorType)
	}
	return nil
}

// Stream is a PNG whose signature and header have been read.
type Stream struct {
	Header
	r    io.Reader
	c    *chunks
	ihdr []byte
}

// Sink receives the rows of a Stream, top to bottom.
type Sink struct {
	// Row returns the buffer (Width values) the next row is written to.
	Row func() []float32
	// Commit takes the row written since the last call to Row.
	Commit func()
	// Counts, when not nil, counts the stored values of a 16-bit grey
	// image (65536 entries), so the caller can window from them without
	// another pass.
	Counts []uint32
}

// Open reads the signature and the header of the PNG in r. check is called
// with the dimensions before any pixel data is read, so an image over the
// caller's limits costs nothing more.
func Open(r io.Reader, check func(w, h int) error) (*Stream, error) {
	var sig [8]byte
	if _, err := io.ReadFull(r, sig[:]); err != nil || string(sig[:]) != pngSignature {
		return nil, errors.New("PNG: bad signature")
	}
	c := &chunks{r: r}
	n, typ, err := c.next()
	if err != nil {
		return nil, err
	}
	if typ != "IHDR" || n != 13 {
		return nil, errors.New("PNG: first chunk is not IHDR")
	}
	ihdr, err := c.body(n, typ)
	if err != nil {
		return nil, err
	}
	h := Header{
		Width: int(binary.BigEndian.Uint32(ihdr[0:])), Height: int(binary.BigEndian.Uint32(ihdr[4:])),
		Depth: int(ihdr[8]), ColorType: int(ihdr[9]), Interlaced: ihdr[12] == 1,
	}
	if ihdr[10] != 0 || ihdr[11] != 0 || ihdr[12] > 1 {
		return nil, errors.New("PNG: unknown compression, filter or interlace method")
	}
	if int32(h.Width) < 0 || int32(h.Height) < 0 {
		return nil, fmt.Errorf("PNG: invalid dimensions %dx%d", h.Width, h.Height)
	}
	if err := check(h.Width, h.Height); err != nil {
		return nil, err
	}
	if err := h.valid(); err != nil {
		return nil, err
	}
	return &Stream{Header: h, r: r, c: c, ihdr: ihdr}, nil
}

// Whole returns the whole PNG, what Open read replayed before the rest of
// the stream, for a decoder that needs all of it (image/png for an
// interlaced image). Use either Whole or Rows, once.
func (s *Stream) Whole() io.Reader {
	head := append(append([]byte(pngSignature), 0, 0, 0, 13, 'I', 'H', 'D', 'R'), append(s.ihdr, s.c.hdr[:4]...)...)
	return io.MultiReader(bytes.NewReader(head), s.r)
}

// Rows reads the rest of the stream and hands every row to sink as
// luminance: grey as stored (low bit depths scaled to 0..255 as image/png
// does), colour as Rec. 601 luma, alpha ignored (radiographs are opaque).
// An interlaced stream is an error: read it through Whole.
func (s *Stream) Rows(ctx context.Context, sink Sink) error {
	if s.Interlaced {
		return errors.New("PNG: interlaced image read row by row")
	}
	h, c := s.Header, s.c
	var lum []float32 // palette luminance
	for {
		n, typ, err := c.next()
		if err != nil {
			return err
		}
		switch typ {
		case "PLTE":
			b, err := c.body(n, typ)
			if err != nil {
				return err
			}
			if len(b)%3 != 0 || len(b) == 0 || len(b) > 768 {
				return errors.New("PNG: bad PLTE chunk")
			}
			lum = make([]float32, 256)
			for i := 0; i < len(b)/3; i++ {
				lum[i] = luma(float32(b[3*i]), float32(b[3*i+1]), float32(b[3*i+2]))
			}
			continue
		case "IDAT":
			if h.ColorType == 3 && lum == nil {
				return errors.New("PNG: paletted image without a PLTE chunk")
			}
			c.remaining = n
			// Inflated as it is read: a noisy image's compressed data is
			// as big as its pixels, and must not be held whole.
			return inflateRows(ctx, bufio.NewReaderSize(c, zBuffer), h, lum, sink)
		case "IEND":
			return errors.New("PNG: no image data")
		}
		if typ[0]&0x20 == 0 {
			return fmt.Errorf("PNG: unknown critical chunk %q", typ)
		}
		if err := c.skip(n, typ); err != nil {
			return err
		}
	}
}

// luma is Rec. 601 luma, as image/jpeg's YCbCr and the radiograph's own
// colour conversion use.
func luma(r, g, b float32) float32 { return 0.299*r + 0.587*g + 0.114*b }

// zBuffer is the read buffer of the compressed data: the inflater reads
// it a byte at a time through its ReadByte.
const zBuffer = 64 << 10

// rowsAhead is how many inflated rows the inflating goroutine may run
// ahead of the converting one.
const rowsAhead = 16

// inflateRows inflates, unfilters and converts the rows into sink. The
// inflater hands rows over through a small ring of buffers, so another
// core unfilters and converts meanwhile.
//
// The zlib stream's Adler-32 is not checked: every IDAT chunk's CRC-32
// already was, and the Adler-32 is a measurable share of a whole render
// (see docs/render.md).
//
// The inflater is klauspost/compress's flate (the standard library's,
// with faster Huffman decoding from a bufio.Reader): on the 2048² 16-bit
// benchmark phantom it inflates in 0.74x the time of compress/flate, the
// 8-bit one in 0.83x (BenchmarkInflate; docs/render.md).
func inflateRows(ctx context.Context, zr *bufio.Reader, h Header, lum []float32, sink Sink) error {
	z, err := zr.Peek(2)
	if err != nil || z[0]&0x0F != 8 || (uint16(z[0])<<8|uint16(z[1]))%31 != 0 || z[1]&0x20 != 0 {
		return errors.New("PNG: image data is not a zlib stream")
	}
	_, _ = zr.Discard(2)
	bitsPP := h.Channels() * h.Depth
	bpp := max(1, bitsPP/8)
	rowBytes := (h.Width*bitsPP + 7) / 8
	inf := startInflater(flate.NewReader(zr), h.Height, rowBytes)
	defer inf.close()

	prev := make([]byte, rowBytes)
	cur := make([]byte, rowBytes)
	for y := 0; y < h.Height; y++ {
		if y%256 == 255 && ctx.Err() != nil {
			return ctx.Err()
		}
		buf, ok := <-inf.full
		if !ok {
			<-inf.done
			return inf.err
		}
		if err := unfilter(buf[0], buf[1:], prev, cur, bpp); err != nil {
			return err
		}
		inf.free <- buf
		convertRow(cur, sink.Row(), h, lum, sink.Counts)
		sink.Commit()
		prev, cur = cur, prev
	}
	<-inf.done
	if inf.err != nil {
		return inf.err
	}
	// Read on to the end of the image data (the zlib trailer and the last
	// chunk's CRC), so a file cut short there is noticed.
	if _, err := io.Copy(io.Discard, zr); err != nil {
		return fmt.Errorf("PNG image data: %w", err)
	}
	return nil
}

// inflater is the goroutine that inflates rows (filter byte included) into
// the buffers of a ring: free buffers go to it, filled ones come back on
// full. It is owned by inflateRows, which stops it with close.
type inflater struct {
	free, full chan []byte
	stop, done chan struct{}
	err        error // set before done closes
}

func startInflater(zr io.Reader, rows, rowBytes int) *inflater {
	inf := &inflater{
		free: make(chan []byte, rowsAhead), full: make(chan []byte, rowsAhead),
		stop: make(chan struct{}), done: make(chan struct{}),
	}
	for range rowsAhead {
		inf.free <- make([]byte, 1+rowBytes)
	}
	go func() {
		defer close(inf.done)
		defer close(inf.full)
		for range rows {
			var buf []byte
			select {
			case buf = <-inf.free:
			case <-inf.stop:
				return
			}
			if _, err := io.ReadFull(zr, buf); err != nil {
				inf.err = fmt.Errorf("PNG image data: %w", truncated(err))
				return
			}
			inf.full <- buf
		}
		// Read to the end of the stream, so a corrupt end is noticed.
		if _, err := io.Copy(io.Discard, zr); err != nil {
			inf.err = fmt.Errorf("PNG image data: %w", truncated(err))
		}
	}()
	return inf
}

// close stops the inflater and waits until it has finished.
func (inf *inflater) close() {
	close(inf.stop)
	<-inf.done
}

// unfilter reverses PNG filter ft on row src (prev is the previous
// unfiltered row, zeros for the first) into dst.
func unfilter(ft byte, src, prev, dst []byte, bpp int) error {
	n := len(src)
	dst, prev = dst[:n], prev[:n] // one bounds check here, none in the loops
	switch ft {
	case 0:
		copy(dst, src)
	case 1:
		copy(dst[:bpp], src[:bpp])
		for i := bpp; i < n; i++ {
			dst[i] = src[i] + dst[i-bpp]
		}
	case 2:
		for i, v := range src {
			dst[i] = v + prev[i]
		}
	case 3:
		for i := range bpp {
			dst[i] = src[i] + prev[i]/2
		}
		for i := bpp; i < n; i++ {
			dst[i] = src[i] + uint8((uint(dst[i-bpp])+uint(prev[i]))>>1)
		}
	case 4:
		copy(dst, src)
		unpaeth(dst, prev, bpp)
	default:
		return fmt.Errorf("PNG: bad filter type %d", ft)
	}
	return nil
}

// unpaeth reverses the Paeth filter in place (cur holds the filtered row),
// one interleaved sample at a time so the left and upper-left neighbours
// stay in registers; the same scheme as image/png's filterPaeth.
func unpaeth(cur, prev []byte, bpp int) {
	for i := range bpp {
		a, c := 0, 0
		for j := i; j < len(cur); j += bpp {
			b := int(prev[j])
			pa := b - c
			pb := a - c
			pc := absInt(pa + pb)
			pa, pb = absInt(pa), absInt(pb)
			switch {
			case pa <= pb && pa <= pc:
			case pb <= pc:
				a = b
			default:
				a = c
			}
			a = (a + int(cur[j])) & 0xff
			cur[j] = uint8(a)
			c = b
		}
	}
}

func absInt(x int) int {
	m := x >> (strconv.IntSize - 1)
	return (x ^ m) - m
}

// convertRow converts one unfiltered row to luminance (see Stream.Rows);
// counts, when set, counts 16-bit grey values.
func convertRow(src []byte, dst []float32, h Header, lum []float32, counts []uint32) {
	w := h.Width
	switch {
	case h.ColorType == 0 && h.Depth == 8:
		for x, v := range src[:w] {
			dst[x] = float32(v)
		}
	case (h.ColorType == 0 || h.ColorType == 4) && h.Depth == 16:
		step := 2 * h.Channels()
		for x := range w {
			v := uint16(src[x*step])<<8 | uint16(src[x*step+1])
			dst[x] = float32(v)
			if counts != nil {
				counts[v]++
			}
		}
	case h.ColorType == 4: // 8-bit grey + alpha
		for x := range w {
			dst[x] = float32(src[2*x])
		}
	case h.ColorType == 0 || h.ColorType == 3: // sub-byte grey, or palette
		bits := h.Depth
		mask := byte(1)<<bits - 1
		scale := float32(255 / int(mask))
		for x := range w {
			bit := x * bits
			v := src[bit/8] >> (8 - bits - bit%8) & mask
			if h.ColorType == 3 {
				dst[x] = lum[v]
			} else {
				dst[x] = float32(v) * scale
			}
		}
	case h.Depth == 8: // RGB, RGBA
		step := h.Channels()
		for x := range w {
			p := src[x*step:]
			dst[x] = luma(float32(p[0]), float32(p[1]), float32(p[2]))
		}
	default: // 16-bit RGB, RGBA
		step := 2 * h.Channels()
		for x := range w {
			p := src[x*step:]
			dst[x] = luma(float32(uint16(p[0])<<8|uint16(p[1])), float32(uint16(p[2])<<8|uint16(p[3])), float32(uint16(p[4])<<8|uint16(p[5])))
		}
	}
}
