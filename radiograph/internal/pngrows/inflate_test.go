package pngrows_test

import (
	"bufio"
	"bytes"
	stdflate "compress/flate"
	"encoding/binary"
	"io"
	"testing"

	"github.com/klauspost/compress/flate"

	"github.com/cxr-auditor/cxr-auditor/radiograph/phantom"
)

// imageData is the zlib payload (header dropped) of the 2048² benchmark
// phantom written as format.
func imageData(b *testing.B, format phantom.Format) []byte {
	b.Helper()
	im := phantom.Render(phantom.Spec{Variant: phantom.Pneumothorax, Width: 2048, Height: 2048, Seed: 7})
	var buf bytes.Buffer
	if err := im.Write(&buf, format, "bench"); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	var z []byte
	for i := 8; i+8 <= len(data); {
		n := int(binary.BigEndian.Uint32(data[i:]))
		if string(data[i+4:i+8]) == "IDAT" {
			z = append(z, data[i+8:i+8+n]...)
		}
		i += 12 + n
	}
	return z[2:]
}

// BenchmarkInflate compares the inflater pngrows uses (klauspost's flate)
// with compress/flate on the benchmark phantom's image data, read the
// way pngrows reads it (through a 64 KiB bufio.Reader, a row at a time).
func BenchmarkInflate(b *testing.B) {
	for _, format := range []phantom.Format{phantom.PNG16, phantom.PNG8} {
		z := imageData(b, format)
		for _, lib := range []struct {
			name string
			open func(io.Reader) io.Reader
		}{
			{"compress-flate", func(r io.Reader) io.Reader { return stdflate.NewReader(r) }},
			{"klauspost-flate", func(r io.Reader) io.Reader { return flate.NewReader(r) }},
		} {
			b.Run(string(format)+"/"+lib.name, func(b *testing.B) {
				row := make([]byte, 1+2*2048)
				b.SetBytes(int64(len(z)))
				for b.Loop() {
					r := lib.open(bufio.NewReaderSize(bytes.NewReader(z), 64<<10))
					for {
						if _, err := io.ReadFull(r, row); err != nil {
							break
						}
					}
				}
			})
		}
	}
}
