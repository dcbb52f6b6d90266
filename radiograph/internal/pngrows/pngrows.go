package render

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image/png"
	"io"
	"strconv"
)

// Why a PNG row decoder of our own rather than image/png: image/png returns
// the whole image (an 8192x8192 16-bit PNG is a 128 MB image.Gray16, kept
// beside its 256 MB float32 copy), and converting it costs an interface
// or type switch per image. Decoding row by row turns each row into
// modality values at once and averages it into the (possibly reduced) grid,
// so memory is the grid plus a few rows, and the inflate runs in its own
// goroutine beside the unfiltering and conversion. Interlaced PNGs, rare for
// radiographs, still go through image/png, up to MaxGridPixels.

const pngSignature = "\x89PNG\r\n\x1a\n"

// pngHeader is the IHDR chunk.
type pngHeader struct {
	w, h       int
	depth      int
	colorType  int
	interlaced bool
}

// channels is the samples per pixel of the colour type.
func (h pngHeader) channels() int {
	switch h.colorType {
	case 0, 3:
		return 1
	case 4:
		return 2
	case 2:
		return 3
	}
	return 4 // 6
}

func (h pngHeader) valid() error {
	ok := false
	switch h.colorType {
	case 0:
		ok = h.depth == 1 || h.depth == 2 || h.depth == 4 || h.depth == 8 || h.depth == 16
	case 3:
		ok = h.depth == 1 || h.depth == 2 || h.depth == 4 || h.depth == 8
	case 2, 4, 6:
		ok = h.depth == 8 || h.depth == 16
	}
	if !ok {
		return fmt.Errorf("PNG: bit depth %d with colour type %d is not valid", h.depth, h.colorType)
	}
	return nil
}

// pngChunks reads chunks from r, checking their CRCs.
type pngChunks struct {
	r   io.Reader
	hdr [8]byte
	// remaining is what is left of the current IDAT chunk's data.
	remaining uint32
	crc       uint32
	err       error
}

// next reads the next chunk header and returns its length and type.
func (c *pngChunks) next() (uint32, string, error) {
	if _, err := io.ReadFull(c.r, c.hdr[:8]); err != nil {
		return 0, "", truncated(err)
	}
	n := binary.BigEndian.Uint32(c.hdr[:4])
	if n > 0x7FFFFFFF {
		return 0, "", errors.New("PNG: chunk length overflow")
	}
	c.crc = crc32.Update(0, crc32.IEEETable, c.hdr[4:8])
	return n, string(c.hdr[4:8]), nil
}

// body reads a whole (small) chunk's data and its CRC.
func (c *pngChunks) body(n uint32, typ string) ([]byte, error) {
	if n > 1<<20 {
		// Only IHDR and PLTE are read whole; ancillary chunks are skipped.
		return nil, fmt.Errorf("PNG: %s chunk of %d bytes is too long", typ, n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(c.r, b); err != nil {
		return nil, truncated(err)
	}
	c.crc = crc32.Update(c.crc, crc32.IEEETable, b)
	return b, c.checkCRC(typ)
}

// skip discards a chunk's data and checks its CRC.
func (c *pngChunks) skip(n uint32, typ string) error {
	var buf [4096]byte
	for n > 0 {
		k := min(n, uint32(len(buf)))
		if _, err := io.ReadFull(c.r, buf[:k]); err != nil {
			return truncated(err)
		}
		c.crc = crc32.Update(c.crc, crc32.IEEETable, buf[:k])
		n -= k
	}
	return c.checkCRC(typ)
}

func (c *pngChunks) checkCRC(typ string) error {
	if _, err := io.ReadFull(c.r, c.hdr[:4]); err != nil {
		return truncated(err)
	}
	if binary.BigEndian.Uint32(c.hdr[:4]) != c.crc {
		return fmt.Errorf("PNG: %s chunk checksum mismatch: corrupt file", typ)
	}
	return nil
}

// Read implements io.Reader over the data of consecutive IDAT chunks.
func (c *pngChunks) Read(p []byte) (int, error) {
	for c.remaining == 0 {
		if c.err != nil {
			return 0, c.err
		}
		if err := c.checkCRC("IDAT"); err != nil {
			c.err = err
			return 0, err
		}
		n, typ, err := c.next()
		if err != nil {
			c.err = err
			return 0, err
		}
		if typ != "IDAT" {
			// The image data ends here; the inflater says whether it
			// was complete.
			c.err = io.EOF
			return 0, c.err
		}
		c.remaining = n
	}
	n, err := c.r.Read(p[:min(len(p), int(c.remaining))])
	c.remaining -= uint32(n)
	c.crc = crc32.Update(c.crc, crc32.IEEETable, p[:n])
	if err == io.EOF {
		if c.remaining > 0 {
			err = io.ErrUnexpectedEOF
		} else {
			err = nil
		}
	}
	return n, truncated(err)
}

func truncated(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("PNG: %w (truncated file)", io.ErrUnexpectedEOF)
	}
	return err
}

// decodePNG decodes a PNG stream (signature included) into a grid.
func decodePNG(ctx context.Context, r io.Reader, opt LoadOptions) (*Radiograph, error) {
	var sig [8]byte
	if _, err := io.ReadFull(r, sig[:]); err != nil || string(sig[:]) != pngSignature {
		return nil, errors.New("PNG: bad signature")
	}
	c := &pngChunks{r: r}
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
	h := pngHeader{
		w: int(binary.BigEndian.Uint32(ihdr[0:])), h: int(binary.BigEndian.Uint32(ihdr[4:])),
		depth: int(ihdr[8]), colorType: int(ihdr[9]), interlaced: ihdr[12] == 1,
	}
	if ihdr[10] != 0 || ihdr[11] != 0 || ihdr[12] > 1 {
		return nil, errors.New("PNG: unknown compression, filter or interlace method")
	}
	if int32(h.w) < 0 || int32(h.h) < 0 {
		return nil, fmt.Errorf("PNG: invalid dimensions %dx%d", h.w, h.h)
	}
	if err := opt.checkPixels(h.w, h.h); err != nil {
		return nil, err
	}
	if err := h.valid(); err != nil {
		return nil, err
	}
	if h.interlaced {
		return decodeInterlacedPNG(io.MultiReader(bytes.NewReader(append(append([]byte(pngSignature), 0, 0, 0, 13, 'I', 'H', 'D', 'R'), append(ihdr, c.hdr[:4]...)...)), r), h, opt)
	}
	var lum []float32 // palette luminance
	for {
		n, typ, err := c.next()
		if err != nil {
			return nil, err
		}
		switch typ {
		case "PLTE":
			b, err := c.body(n, typ)
			if err != nil {
				return nil, err
			}
			if len(b)%3 != 0 || len(b) == 0 || len(b) > 768 {
				return nil, errors.New("PNG: bad PLTE chunk")
			}
			lum = make([]float32, 256)
			for i := 0; i < len(b)/3; i++ {
				lum[i] = luma(float32(b[3*i]), float32(b[3*i+1]), float32(b[3*i+2]))
			}
			continue
		case "IDAT":
			if h.colorType == 3 && lum == nil {
				return nil, errors.New("PNG: paletted image without a PLTE chunk")
			}
			c.remaining = n
			// The compressed data is gathered first (it is bounded by the
			// file size limit): inflating from a byte slice costs about a
			// tenth fewer instructions than through a buffered reader.
			z, err := io.ReadAll(c)
			if err != nil {
				return nil, err
			}
			return decodePNGRows(ctx, z, h, lum, opt)
		case "IEND":
			return nil, errors.New("PNG: no image data")
		}
		if typ[0]&0x20 == 0 {
			return nil, fmt.Errorf("PNG: unknown critical chunk %q", typ)
		}
		if err := c.skip(n, typ); err != nil {
			return nil, err
		}
	}
}

// pngRowsAhead is how many inflated rows the inflating goroutine may run
// ahead of the converting one.
const pngRowsAhead = 16

// decodePNGRows inflates, unfilters and converts the rows. Inflating runs
// in a goroutine owned by this function (it returns only after that
// goroutine has finished), handing rows over through a small ring of
// buffers, so the other core unfilters and converts meanwhile.
//
// The zlib stream's Adler-32 is not checked: every IDAT chunk's CRC-32
// already was (in hardware), and the Adler-32 cost 4% of the instructions
// of a whole render.
func decodePNGRows(ctx context.Context, z []byte, h pngHeader, lum []float32, opt LoadOptions) (*Radiograph, error) {
	if len(z) < 2 || z[0]&0x0F != 8 || (uint16(z[0])<<8|uint16(z[1]))%31 != 0 || z[1]&0x20 != 0 {
		return nil, errors.New("PNG: image data is not a zlib stream")
	}
	zr := flate.NewReader(bytes.NewReader(z[2:]))
	bitsPP := h.channels() * h.depth
	bpp := max(1, bitsPP/8)
	rowBytes := (h.w*bitsPP + 7) / 8
	g := newGridBuilder(h.w, h.h, reduceFactor(h.w, h.h, opt))
	var hist *valueHist
	deep := h.depth == 16
	// The automatic window comes from a histogram of the stored values,
	// counted as rows go by (on the core the inflater leaves free): the
	// same window AutoWindow gives the full-resolution image, without two
	// more passes over it.
	if h.depth == 16 && (h.colorType == 0 || h.colorType == 4) {
		hist = newValueHist(16)
		hist.n = h.w * h.h
	}

	// The ring: free buffers go to the inflater, filled ones come back.
	free := make(chan []byte, pngRowsAhead)
	full := make(chan []byte, pngRowsAhead)
	for range pngRowsAhead {
		free <- make([]byte, 1+rowBytes)
	}
	stop := make(chan struct{})
	var inflateErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(full)
		for range h.h {
			var buf []byte
			select {
			case buf = <-free:
			case <-stop:
				return
			}
			if _, err := io.ReadFull(zr, buf); err != nil {
				inflateErr = fmt.Errorf("PNG image data: %w", truncated(err))
				return
			}
			full <- buf
		}
		// Read to the end of the stream, so a corrupt end is noticed.
		if _, err := io.Copy(io.Discard, zr); err != nil {
			inflateErr = fmt.Errorf("PNG image data: %w", truncated(err))
		}
	}()
	defer func() {
		close(stop)
		<-done
	}()

	prev := make([]byte, rowBytes)
	cur := make([]byte, rowBytes)
	for y := 0; y < h.h; y++ {
		if y%256 == 255 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		buf, ok := <-full
		if !ok {
			<-done
			return nil, inflateErr
		}
		if err := unfilter(buf[0], buf[1:], prev, cur, bpp); err != nil {
			return nil, err
		}
		free <- buf
		pngRow(cur, g.row(), h, lum, hist)
		g.commit()
		prev, cur = cur, prev
	}
	<-done
	if inflateErr != nil {
		return nil, inflateErr
	}
	rg := g.radiograph()
	switch {
	case deep:
		rg.Format = "png16"
	default:
		rg.Format = "png8"
	}
	switch {
	case !deep:
		rg.DefaultWindow = identityWindow8
	case hist != nil:
		rg.DefaultWindow = hist.window(func(s int) float32 { return float32(s) })
	default:
		rg.DefaultWindow = AutoWindow(rg)
	}
	return rg, nil
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

// pngRow converts one unfiltered row to luminance: grey as stored (low bit
// depths scaled to 0..255 as image/png does), colour as Rec. 601 luma,
// alpha ignored (radiographs are opaque). hist, when set, counts 16-bit
// grey values.
func pngRow(src []byte, dst []float32, h pngHeader, lum []float32, hist *valueHist) {
	w := h.w
	switch {
	case h.colorType == 0 && h.depth == 8:
		for x, v := range src[:w] {
			dst[x] = float32(v)
		}
	case (h.colorType == 0 || h.colorType == 4) && h.depth == 16:
		step := 2 * h.channels()
		for x := range w {
			v := uint16(src[x*step])<<8 | uint16(src[x*step+1])
			dst[x] = float32(v)
			if hist != nil {
				hist.counts[v]++
			}
		}
	case h.colorType == 4: // 8-bit grey + alpha
		for x := range w {
			dst[x] = float32(src[2*x])
		}
	case h.colorType == 0 || h.colorType == 3: // sub-byte grey, or palette
		bits := h.depth
		mask := byte(1)<<bits - 1
		scale := float32(255 / int(mask))
		for x := range w {
			bit := x * bits
			v := src[bit/8] >> (8 - bits - bit%8) & mask
			if h.colorType == 3 {
				dst[x] = lum[v]
			} else {
				dst[x] = float32(v) * scale
			}
		}
	case h.depth == 8: // RGB, RGBA
		step := h.channels()
		for x := range w {
			p := src[x*step:]
			dst[x] = luma(float32(p[0]), float32(p[1]), float32(p[2]))
		}
	default: // 16-bit RGB, RGBA
		step := 2 * h.channels()
		for x := range w {
			p := src[x*step:]
			dst[x] = luma(float32(uint16(p[0])<<8|uint16(p[1])), float32(uint16(p[2])<<8|uint16(p[3])), float32(uint16(p[4])<<8|uint16(p[5])))
		}
	}
}

// decodeInterlacedPNG decodes an Adam7 PNG with image/png. It needs the
// whole image in memory, so it is limited to MaxGridPixels.
func decodeInterlacedPNG(r io.Reader, h pngHeader, opt LoadOptions) (*Radiograph, error) {
	if h.w*h.h > MaxGridPixels {
		return nil, fmt.Errorf("interlaced PNG of %dx%d pixels: render decodes interlaced PNGs up to %d pixels; save it non-interlaced (e.g. `convert in.png -interlace none out.png`): %w",
			h.w, h.h, MaxGridPixels, ErrTooLarge)
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
