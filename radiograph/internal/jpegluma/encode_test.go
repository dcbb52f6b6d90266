package jpegluma

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
)

// A test encoder of baseline JPEG streams from random coefficients (no
// forward DCT: the decoders only see coefficients). It writes what the
// standard encoders here do not: restart intervals, every sampling
// factor, non-interleaved scans, ZRL runs, long Huffman codes and large
// values, so every path of the entropy decoder is compared with image/jpeg.

type testComp struct {
	id   byte
	h, v int
}

type testSpec struct {
	w, h        int
	comps       []testComp
	restart     int  // MCUs per interval, 0 for none
	separate    bool // one scan per component
	seed        uint64
	dense       bool // many non-zero coefficients
	quant16     bool // 16-bit quantization tables
	jfif, adobe bool
}

// testTable is a canonical table of all 256 symbols with lengths 4, 8, 12
// and 16 in a shuffled order, so codes longer than any fast table occur.
func testTable(r *rand.Rand) (counts [16]int, vals []byte) {
	counts[3], counts[7], counts[11], counts[15] = 4, 150, 100, 2
	vals = make([]byte, 256)
	for i := range vals {
		vals[i] = byte(i)
	}
	r.Shuffle(len(vals), func(i, j int) { vals[i], vals[j] = vals[j], vals[i] })
	return counts, vals
}

type bitWriter struct {
	out   bytes.Buffer
	acc   uint32
	nbits int
}

func (w *bitWriter) put(v uint32, n int) {
	for i := n - 1; i >= 0; i-- {
		w.acc = w.acc<<1 | (v>>i)&1
		w.nbits++
		if w.nbits == 8 {
			b := byte(w.acc)
			w.out.WriteByte(b)
			if b == 0xFF {
				w.out.WriteByte(0)
			}
			w.acc, w.nbits = 0, 0
		}
	}
}

// flush pads the last byte with ones.
func (w *bitWriter) flush() {
	if w.nbits > 0 {
		w.put(0xFF, 8-w.nbits)
	}
}

type testCode struct {
	code uint32
	len  int
}

func codes(counts [16]int, vals []byte) map[byte]testCode {
	m := map[byte]testCode{}
	code, k := uint32(0), 0
	for l := 1; l <= 16; l++ {
		for range counts[l-1] {
			m[vals[k]] = testCode{code, l}
			code++
			k++
		}
		code <<= 1
	}
	return m
}

func category(v int32) int {
	if v < 0 {
		v = -v
	}
	n := 0
	for v > 0 {
		n++
		v >>= 1
	}
	return n
}

func (w *bitWriter) value(v int32, s int) {
	if v < 0 {
		v += 1<<s - 1
	}
	w.put(uint32(v), s)
}

// encodeTest writes a JPEG for spec.
func encodeTest(spec testSpec) []byte {
	r := rand.New(rand.NewPCG(spec.seed, 7))
	var out bytes.Buffer
	seg := func(m byte, body []byte) {
		out.Write([]byte{0xFF, m})
		_ = binary.Write(&out, binary.BigEndian, uint16(len(body)+2))
		out.Write(body)
	}
	out.Write([]byte{0xFF, markerSOI})
	if spec.jfif {
		seg(markerAPP0, []byte("JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"))
	}
	if spec.adobe {
		seg(markerAPPE, []byte("Adobe\x00\x64\x00\x00\x00\x00\x00"))
	}
	for t := range 2 {
		if spec.quant16 {
			body := []byte{0x10 | byte(t)}
			for range blockSize {
				body = binary.BigEndian.AppendUint16(body, uint16(1+r.IntN(300)))
			}
			seg(markerDQT, body)
		} else {
			body := []byte{byte(t)}
			for range blockSize {
				body = append(body, byte(1+r.IntN(60)))
			}
			seg(markerDQT, body)
		}
	}
	sof := []byte{8}
	sof = binary.BigEndian.AppendUint16(sof, uint16(spec.h))
	sof = binary.BigEndian.AppendUint16(sof, uint16(spec.w))
	sof = append(sof, byte(len(spec.comps)))
	for i, c := range spec.comps {
		sof = append(sof, c.id, byte(c.h<<4|c.v), byte(min(i, 1)))
	}
	seg(markerSOF0, sof)
	var tables [2][2]map[byte]testCode
	for tc := range 2 {
		for th := range 2 {
			counts, vals := testTable(r)
			body := []byte{byte(tc<<4 | th)}
			for _, c := range counts {
				body = append(body, byte(c))
			}
			seg(markerDHT, append(body, vals...))
			tables[tc][th] = codes(counts, vals)
		}
	}
	if spec.restart > 0 {
		seg(markerDRI, binary.BigEndian.AppendUint16(nil, uint16(spec.restart)))
	}

	hmax, vmax := 1, 1
	for _, c := range spec.comps {
		hmax, vmax = max(hmax, c.h), max(vmax, c.v)
	}
	if len(spec.comps) == 1 {
		hmax, vmax = 1, 1
	}
	mxx := (spec.w + 8*hmax - 1) / (8 * hmax)
	myy := (spec.h + 8*vmax - 1) / (8 * vmax)

	block := func(w *bitWriter, dc *int32, t int) {
		d := int32(r.IntN(4001)) - 2000
		if !spec.dense {
			d = int32(r.IntN(41)) - 20
		}
		if r.IntN(50) == 0 {
			d = 0
		}
		s := category(d)
		c := tables[0][t][byte(s)]
		w.put(c.code, c.len)
		w.value(d, s)
		*dc += d
		k := 1
		for k < blockSize {
			if !spec.dense && r.IntN(6) == 0 {
				break // EOB
			}
			run := r.IntN(3)
			if r.IntN(12) == 0 {
				run = 16 + r.IntN(20) // needs ZRL
			}
			if k+run >= blockSize {
				break
			}
			v := int32(r.IntN(2047)) - 1023
			if !spec.dense {
				v = int32(r.IntN(61)) - 30
			}
			if v == 0 {
				v = 1
			}
			for run >= 16 {
				zrl := tables[1][t][0xF0]
				w.put(zrl.code, zrl.len)
				run -= 16
				k += 16
			}
			k += run
			s := category(v)
			c := tables[1][t][byte(run<<4|s)]
			w.put(c.code, c.len)
			w.value(v, s)
			k++
		}
		if k < blockSize {
			eob := tables[1][t][0x00]
			w.put(eob.code, eob.len)
		}
	}

	scan := func(idx []int) {
		body := []byte{byte(len(idx))}
		for _, i := range idx {
			t := byte(min(i, 1))
			body = append(body, spec.comps[i].id, t<<4|t)
		}
		seg(markerSOS, append(body, 0, 63, 0))
		w := &bitWriter{}
		var dc [3]int32
		mcu, rst := 0, 0
		end := func(total int) {
			mcu++
			if spec.restart > 0 && mcu%spec.restart == 0 && mcu < total {
				w.flush()
				w.out.Write([]byte{0xFF, byte(markerRST0 + rst%8)})
				rst++
				dc = [3]int32{}
			}
		}
		if len(idx) == 1 {
			c := spec.comps[idx[0]]
			bw, bh := mxx*c.h, myy*c.v
			if len(spec.comps) == 1 {
				bw, bh = (spec.w+7)/8, (spec.h+7)/8
			} else if idx[0] == 0 {
				bw, bh = (spec.w+7)/8, (spec.h+7)/8
			}
			for range bw * bh {
				block(w, &dc[idx[0]], min(idx[0], 1))
				end(bw * bh)
			}
		} else {
			for range mxx * myy {
				for _, i := range idx {
					for range spec.comps[i].h * spec.comps[i].v {
						block(w, &dc[i], min(i, 1))
					}
				}
				end(mxx * myy)
			}
		}
		w.flush()
		out.Write(w.out.Bytes())
	}
	if spec.separate {
		for i := range spec.comps {
			scan([]int{i})
		}
	} else {
		idx := make([]int, len(spec.comps))
		for i := range idx {
			idx[i] = i
		}
		scan(idx)
	}
	out.Write([]byte{0xFF, markerEOI})
	return out.Bytes()
}
