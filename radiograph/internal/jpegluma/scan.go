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
	g := mcuGrid{interleaved: len(sc) > 1, w: mxx, h: myy, ybw: hmax, ybh: vmax}
	if !g.interleaved {
		g.w, g.h, g.ybw, g.ybh = (hd.width+7)/8, (hd.height+7)/8, 1, 1
	}
	t := newTransformer(out, g.w*g.ybw*g.ybh, g.w*g.ybw, g.h)
	// Whatever happens below, the workers are stopped before returning.
	defer t.stop()
	st := scanState{br: bitReader{data: data, pos: pos}, hd: hd, sc: sc, q: &hd.quant[y.tq], g: g}
	for my := range g.h {
		blocks := t.blocks()
		if err := st.mcuRow(blocks); err != nil {
			return err
		}
		if st.br.overrun() {
			return formatErr("scan ends before MCU row %d", my)
		}
		t.submit(stripJob{row: my * g.ybh, blocks: blocks})
	}
	return nil
}

// mcuGrid is a scan's MCUs: w x h of them, each ybw x ybh luma blocks.
type mcuGrid struct {
	interleaved bool
	w, h        int
	ybw, ybh    int
}

// scanState is the entropy decoder's position in a scan.
type scanState struct {
	br       bitReader
	hd       *header
	sc       []scanComp
	q        *[blockSize]int32
	g        mcuGrid
	dc       [3]int32
	scratch  block
	mcu, rst int
}

// mcuRow decodes one row of MCUs, their luma blocks into blocks (chroma is
// read past), handling restart markers.
func (st *scanState) mcuRow(blocks []block) error {
	g := st.g
	for mx := range g.w {
		for si, s := range st.sc {
			c := st.hd.comps[s.comp]
			nb := c.h * c.v
			if !g.interleaved {
				nb = 1
			}
			for j := range nb {
				b := &st.scratch
				if si == 0 {
					bx, by := mx*g.ybw+j%g.ybw, j/g.ybw
					b = &blocks[by*g.w*g.ybw+bx]
				}
				if !decodeBlock(&st.br, b, s, &st.dc[s.comp], st.q, si == 0) {
					return formatErr("bad entropy-coded data in MCU %d", st.mcu)
				}
			}
		}
		st.mcu++
		if st.hd.restart > 0 && st.mcu%st.hd.restart == 0 && st.mcu < g.w*g.h {
			if !st.br.skipRestart(st.rst) {
				return formatErr("missing restart marker after MCU %d", st.mcu)
			}
			st.rst++
			st.dc = [3]int32{}
		}
	}
	return nil
}

// transformer runs the inverse DCT of decoded strips, on worker goroutines
// when the image repays them, else inline. decodeScan owns it and stops it
// before returning.
type transformer struct {
	out     *output
	bw      int // blocks per row of a strip
	workers int
	wg      sync.WaitGroup
	jobs    chan stripJob
	free    chan []block
	inline  []block
}

func newTransformer(out *output, stripBlocks, bw, strips int) *transformer {
	t := &transformer{out: out, bw: bw, workers: min(runtime.GOMAXPROCS(0), 4)}
	if strips < 4 || t.workers < 2 {
		t.workers = 0 // not worth the goroutines: transform inline
		t.inline = make([]block, stripBlocks)
		return t
	}
	t.jobs = make(chan stripJob)
	t.free = make(chan []block, 2*t.workers+2)
	for range cap(t.free) {
		t.free <- make([]block, stripBlocks)
	}
	for range t.workers {
		t.wg.Add(1)
		go func() {
			defer t.wg.Done()
			for j := range t.jobs {
				t.out.transformStrip(j, t.bw)
				clear(j.blocks) // decoding fills only the non-zero coefficients
				t.free <- j.blocks
			}
		}()
	}
	return t
}

// blocks returns zeroed blocks for the next strip.
func (t *transformer) blocks() []block {
	if t.workers == 0 {
		return t.inline
	}
	return <-t.free
}

// submit transforms a decoded strip (now or on a worker).
func (t *transformer) submit(j stripJob) {
	if t.workers > 0 {
		t.jobs <- j
		return
	}
	t.out.transformStrip(j, t.bw)
	clear(j.blocks)
}

// stop waits for the workers to finish the strips submitted.
func (t *transformer) stop() {
	if t.workers > 0 {
		close(t.jobs)
		t.wg.Wait()
	}
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
