package render

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/adler32"
	"hash/crc32"
	"image"
	"image/color"
	"sync"
)

// Why a PNG writer of our own for the kitty and iTerm2 payloads: image/png
// never filters a paletted image, and unfiltered rows of a radiograph
// compress poorly. Our canvas's palette indices are ordered greys (overlay
// colours come after them), so its rows filter as well as grey ones, and
// the payload is about a third smaller; deflate level 4, because level 6
// gains little for far more time (docs/render.md, PNG payloads). The two
// halves of the rows are compressed in parallel (the second with the
// first's last 32 KiB as dictionary, joined after a sync flush, as pigz
// does).
//
// payloadLevel is the deflate level of the PNG payloads.
const payloadLevel = 4

// appendPNG writes img as an 8-bit PNG: grey (colour type 0) when its
// palette holds only greys, else paletted (colour type 3).
func appendPNG(out []byte, img *image.Paletted, grays int) []byte {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	onlyGray := true
	for _, v := range img.Pix {
		if int(v) >= grays {
			onlyGray = false
			break
		}
	}
	// The rows to filter: grey values, or the indices themselves.
	var lut [256]byte
	for i := range lut {
		lut[i] = byte(i)
	}
	if onlyGray {
		for i, c := range img.Palette[:grays] {
			lut[i] = color.GrayModel.Convert(c).(color.Gray).Y
		}
	}
	raw := filterRows(img, lut[:], w, h)

	out = append(out, "\x89PNG\r\n\x1a\n"...)
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8] = 8
	if !onlyGray {
		ihdr[9] = 3
	}
	out = appendChunk(out, "IHDR", ihdr)
	if !onlyGray {
		plte := make([]byte, 0, 3*len(img.Palette))
		for _, c := range img.Palette {
			r, g, b, _ := c.RGBA()
			plte = append(plte, byte(r>>8), byte(g>>8), byte(b>>8))
		}
		out = appendChunk(out, "PLTE", plte)
	}
	out = appendChunk(out, "IDAT", zlibParallel(raw, payloadLevel))
	return appendChunk(out, "IEND", nil)
}

func appendChunk(out []byte, typ string, data []byte) []byte {
	out = binary.BigEndian.AppendUint32(out, uint32(len(data)))
	start := len(out)
	out = append(out, typ...)
	out = append(out, data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[start:]))
}

// filterRows maps each row through lut and filters it with PNG's Up
// filter: choosing a filter per row (the specification's heuristic) gains
// almost nothing for several times the filtering time (docs/render.md).
func filterRows(img *image.Paletted, lut []byte, w, h int) []byte {
	raw := make([]byte, h*(w+1))
	prev := make([]byte, w)
	for y := range h {
		row := img.Pix[y*img.Stride : y*img.Stride+w]
		o := raw[y*(w+1) : (y+1)*(w+1)]
		o[0] = 2
		o = o[1:]
		for x, v := range row {
			g := lut[v]
			o[x] = g - prev[x]
			prev[x] = g
		}
	}
	return raw
}

// zlibParallel compresses raw into a zlib stream, the two halves at once.
func zlibParallel(raw []byte, level int) []byte {
	const window = 32 << 10
	mid := len(raw) / 2
	if mid < 4*window {
		mid = len(raw) // small: one piece
	}
	var first, second bytes.Buffer
	var wg sync.WaitGroup
	if mid < len(raw) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fw, _ := flate.NewWriterDict(&second, level, raw[mid-window:mid])
			fw.Write(raw[mid:])
			fw.Close()
		}()
	}
	fw, _ := flate.NewWriter(&first, level)
	fw.Write(raw[:mid])
	if mid < len(raw) {
		fw.Flush() // a sync flush: byte-aligned, not final
	} else {
		fw.Close()
	}
	wg.Wait()
	out := make([]byte, 0, 2+first.Len()+second.Len()+4)
	out = append(out, 0x78, 0x5E) // deflate, 32 KiB window, level 2-5 hint
	out = append(out, first.Bytes()...)
	out = append(out, second.Bytes()...)
	return binary.BigEndian.AppendUint32(out, adler32.Checksum(raw))
}
