package jpegluma

import (
	"image"
	"runtime"
	"sync"
)

// lutBits is how many bits the Huffman fast table looks at: every code of
// at most this length decodes with one lookup.
const lutBits = 9

// huffTable is a canonical Huffman table (ITU T.81 F.2.2.3).
type huffTable struct {
	// lut holds, for every lutBits-bit prefix, value<<8 | length, or 0
	// when the code is longer.
	lut     [1 << lutBits]uint16
	maxCode [17]int32 // largest code of each length, -1 when none
	valPtr  [17]int32 // index in vals of the first code of each length, minus that code
	vals    []uint8
}

func newHuffTable(counts [16]int, vals []uint8) (*huffTable, error) {
	t := &huffTable{vals: append([]uint8(nil), vals...)}
	code, k := int32(0), 0
	for l := 1; l <= 16; l++ {
		n := counts[l-1]
		t.maxCode[l] = -1
		if int(code)+n > 1<<l {
			return nil, formatErr("Huffman table overflows")
		}
		if n > 0 {
			t.valPtr[l] = int32(k) - code
			for range n {
				if l <= lutBits {
					shift := lutBits - l
					base := int(code) << shift
					for j := range 1 << shift {
						t.lut[base+j] = uint16(vals[k])<<8 | uint16(l)
					}
				}
				code++
				k++
			}
			t.maxCode[l] = code - 1
		}
		code <<= 1
	}
	return t, nil
}

// bitReader reads the entropy-coded data of a scan: bytes unstuffed
// (0xFF 0x00 is 0xFF), left-aligned in acc. At a marker it feeds zero bits
// and counts them, so a caller can tell when it has used bits the stream
// does not have.
type bitReader struct {
	data   []byte
	pos    int
	acc    uint64
	n      int // valid bits in acc
	zeros  int // of which are zeros fed at a marker (the last ones)
	marker bool
}

// fill tops acc up to at least 57 bits.
func (br *bitReader) fill() {
	for br.n <= 56 {
		if !br.marker && br.pos < len(br.data) {
			b := br.data[br.pos]
			if b != 0xFF {
				br.pos++
				br.acc |= uint64(b) << (56 - br.n)
				br.n += 8
				continue
			}
			if br.pos+1 < len(br.data) && br.data[br.pos+1] == 0 {
				br.pos += 2
				br.acc |= 0xFF << (56 - br.n)
				br.n += 8
				continue
			}
		}
		br.marker = true
		br.n += 8
		br.zeros += 8
	}
}

// overrun reports that bits past the data were used.
func (br *bitReader) overrun() bool { return br.n < br.zeros }

// decode reads one Huffman-coded value; acc must hold at least 16 bits.
func (br *bitReader) decode(t *huffTable) (uint8, bool) {
	if v := t.lut[br.acc>>(64-lutBits)]; v != 0 {
		l := int(v & 0xFF)
		br.acc <<= l
		br.n -= l
		return uint8(v >> 8), true
	}
	for l := lutBits + 1; l <= 16; l++ {
		code := int32(br.acc >> (64 - l))
		if code <= t.maxCode[l] {
			br.acc <<= l
			br.n -= l
			i := t.valPtr[l] + code
			if int(i) >= len(t.vals) {
				return 0, false
			}
			return t.vals[i], true
		}
	}
	return 0, false
}

// extend reads s bits (s <= 16; acc must hold them) as a signed value
// (T.81 F.2.2.1).
func (br *bitReader) extend(s uint8) int32 {
	if s == 0 {
		return 0
	}
	x := int32(br.acc >> (64 - s))
	br.acc <<= s
	br.n -= int(s)
	if x < 1<<(s-1) {
		x += -1<<s + 1
	}
	return x
}

// skipRestart discards the bits left and moves past the next marker, which
// must be RSTn.
func (br *bitReader) skipRestart(n int) bool {
	if br.overrun() {
		return false
	}
	p := br.pos
	for p+1 < len(br.data) && (br.data[p] != 0xFF || br.data[p+1] == 0 || br.data[p+1] == 0xFF) {
		p++
	}
	if p+1 >= len(br.data) || br.data[p+1] != byte(markerRST0+n%8) {
		return false
	}
	*br = bitReader{data: br.data, pos: p + 2}
	return true
}

// stripJob is one row of MCUs: its luma blocks, dequantized, in raster
// order, bw blocks wide.
type stripJob struct {
	row    int // first block row
	blocks []block
}

// decodeScan decodes the first scan, which starts at data[pos] with its
// header, into the luma plane.
func decodeScan(data []byte, pos int, hd *header, out *output) error {
	sc, pos, err := hd.parseSOS(data, pos)
	if err != nil {
		return err
	}
	y := hd.comps[0]
	hmax, vmax := y.h, y.v
	mxx := (hd.width + 8*hmax - 1) / (8 * hmax)
	myy := (hd.height + 8*vmax - 1) / (8 * vmax)
	out.alloc(8*hmax*mxx, 8*vmax*myy)

	// The MCU grid: interleaved scans code h x v blocks of every component
	// per MCU; a single-component scan codes one block per MCU, only those
	// within the image.
	interleaved := len(sc) > 1
	mcuW, mcuH, ybw, ybh := mxx, myy, hmax, vmax // MCUs, and luma blocks per MCU
	if !interleaved {
		mcuW, mcuH, ybw, ybh = (hd.width+7)/8, (hd.height+7)/8, 1, 1
	}
	stripBlocks := mcuW * ybw * ybh
	q := &hd.quant[y.tq]

	workers := min(runtime.GOMAXPROCS(0), 4)
	if mcuH < 4 || workers < 2 {
		workers = 0 // not worth the goroutines: transform inline
	}
	var (
		wg   sync.WaitGroup
		jobs chan stripJob
		free chan []block
	)
	if workers > 0 {
		jobs = make(chan stripJob)
		free = make(chan []block, 2*workers+2)
		for range cap(free) {
			free <- make([]block, stripBlocks)
		}
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range jobs {
					out.transformStrip(j, mcuW*ybw)
					clear(j.blocks) // decoding fills only the non-zero coefficients
					free <- j.blocks
				}
			}()
		}
	}
	// Whatever happens below, the workers are stopped before returning.
	stop := func() {
		if workers > 0 {
			close(jobs)
			wg.Wait()
		}
	}

	br := bitReader{data: data, pos: pos}
	var dc [3]int32
	var scratch block
	mcu, rst := 0, 0
	var inline []block
	if workers == 0 {
		inline = make([]block, stripBlocks)
	}
	for my := range mcuH {
		blocks := inline
		if workers > 0 {
			blocks = <-free
		}
		for mx := range mcuW {
			for si, s := range sc {
				c := hd.comps[s.comp]
				nb := c.h * c.v
				if !interleaved {
					nb = 1
				}
				for j := range nb {
					var b *block
					if si == 0 {
						bx, by := mx*ybw+j%ybw, j/ybw
						b = &blocks[by*mcuW*ybw+bx]
					} else {
						b = &scratch
					}
					if !decodeBlock(&br, b, s, &dc[s.comp], q, si == 0) {
						stop()
						return formatErr("bad entropy-coded data in MCU %d", mcu)
					}
				}
			}
			mcu++
			if hd.restart > 0 && mcu%hd.restart == 0 && mcu < mcuW*mcuH {
				if !br.skipRestart(rst) {
					stop()
					return formatErr("missing restart marker after MCU %d", mcu)
				}
				rst++
				dc = [3]int32{}
			}
		}
		if br.overrun() {
			stop()
			return formatErr("scan ends before MCU row %d", my)
		}
		j := stripJob{row: my * ybh, blocks: blocks}
		if workers > 0 {
			jobs <- j
		} else {
			out.transformStrip(j, mcuW*ybw)
			clear(blocks)
		}
	}
	stop()
	return nil
}

// decodeBlock reads one block's coefficients. For luma it stores them
// dequantized in natural order (image/jpeg multiplies the same int32s, so
// the values, overflow included, are the same); for chroma it only moves
// past them.
func decodeBlock(br *bitReader, b *block, s scanComp, dc *int32, q *[blockSize]int32, keep bool) bool {
	if br.n < 32 {
		br.fill()
	}
	t, ok := br.decode(s.dc)
	if !ok || t > 16 {
		return false
	}
	*dc += br.extend(t)
	if keep {
		b[0] = *dc * q[0]
	}
	for k := 1; k < blockSize; k++ {
		if br.n < 32 {
			br.fill()
		}
		v, ok := br.decode(s.ac)
		if !ok {
			return false
		}
		r, size := int(v>>4), v&15
		if size == 0 {
			if r == 15 { // ZRL: sixteen zeros
				k += 15
				continue
			}
			if r != 0 { // an EOB run: progressive only
				return false
			}
			break // EOB
		}
		k += r
		if k >= blockSize {
			return false
		}
		a := br.extend(size)
		if keep {
			b[unzig[k]] = a * q[k]
		}
	}
	return true
}

// output is where decoded luma goes: an 8-bit plane of whole blocks, as
// image/jpeg lays it out, or float32 values width x height.
type output struct {
	width, height int
	float         bool
	gray          *image.Gray
	f32           []float32
}

// alloc makes the plane for a decoded area of w x h (whole blocks).
func (o *output) alloc(w, h int) {
	if o.float {
		o.f32 = make([]float32, o.width*o.height)
		return
	}
	o.gray = image.NewGray(image.Rect(0, 0, w, h))
}

// transformStrip transforms a strip's blocks and stores them as image/jpeg
// does: level shift by 128, clamp to 0..255.
func (o *output) transformStrip(j stripJob, bw int) {
	for i := range j.blocks {
		b := &j.blocks[i]
		bx, by := i%bw, j.row+i/bw
		idct(b)
		if o.float {
			o.storeFloat(b, bx, by)
			continue
		}
		st := o.gray.Stride
		off := 8 * (by*st + bx)
		for y := range 8 {
			row := (*[8]uint8)(o.gray.Pix[off+y*st:])
			src := (*[8]int32)(b[8*y:])
			for x, c := range src {
				row[x] = uint8(level(c))
			}
		}
	}
}

// level shifts a transformed sample by 128 and clamps it to 0..255.
func level(c int32) int32 {
	c += 128
	if uint32(c) > 255 {
		c = ^c >> 31 & 255 // below 0: 0; above 255: 255
	}
	return c
}

// storeFloat writes the part of block (bx, by) inside the image.
func (o *output) storeFloat(b *block, bx, by int) {
	x0, y0, w := 8*bx, 8*by, o.width
	nx, ny := min(8, w-x0), min(8, o.height-y0)
	if nx == 8 && ny == 8 {
		for y := range 8 {
			row := (*[8]float32)(o.f32[(y0+y)*w+x0:])
			src := (*[8]int32)(b[8*y:])
			for x, c := range src {
				row[x] = float32(level(c))
			}
		}
		return
	}
	if nx <= 0 || ny <= 0 {
		return // a block of the padding
	}
	for y := range ny {
		row := o.f32[(y0+y)*w+x0 : (y0+y)*w+x0+nx]
		for x := range row {
			row[x] = float32(level(b[8*y+x]))
		}
	}
}
