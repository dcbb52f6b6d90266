package pngrows

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// chunks reads chunks from r, checking their CRCs.
type chunks struct {
	r   io.Reader
	hdr [8]byte
	// remaining is what is left of the current IDAT chunk's data.
	remaining uint32
	crc       uint32
	err       error
}

// next reads the next chunk header and returns its length and type.
func (c *chunks) next() (uint32, string, error) {
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
func (c *chunks) body(n uint32, typ string) ([]byte, error) {
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
func (c *chunks) skip(n uint32, typ string) error {
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

func (c *chunks) checkCRC(typ string) error {
	if _, err := io.ReadFull(c.r, c.hdr[:4]); err != nil {
		return truncated(err)
	}
	if binary.BigEndian.Uint32(c.hdr[:4]) != c.crc {
		return fmt.Errorf("PNG: %s chunk checksum mismatch: corrupt file", typ)
	}
	return nil
}

// Read implements io.Reader over the data of consecutive IDAT chunks.
func (c *chunks) Read(p []byte) (int, error) {
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
