package radiograph

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/suyashkumar/dicom/pkg/tag"
)

// goodDICOM is a valid 2x2 explicit-VR file the hostile tests insert into,
// and the offset of its PixelData element, before which they insert.
func goodDICOM(t testing.TB) ([]byte, int) {
	geom := []dcmElem{{tag.Rows, []int{2}}, {tag.Columns, []int{2}}, {tag.BitsAllocated, []int{16}}}
	good := buildDICOM(t, tsExplicitLE, le16(1, 2, 3, 4), geom...)
	i := bytes.Index(good, []byte{0xE0, 0x7F, 0x10, 0x00, 'O', 'W'})
	require.Positive(t, i)
	return good, i
}

// insertBefore returns good with ins inserted at offset at.
func insertBefore(good []byte, at int, ins []byte) []byte {
	out := make([]byte, 0, len(good)+len(ins))
	out = append(out, good[:at]...)
	out = append(out, ins...)
	return append(out, good[at:]...)
}

// nestedSQ is depth undefined-length sequences, each holding one
// undefined-length item holding the next: 36 bytes a level.
func nestedSQ(depth int) []byte {
	open := []byte{0x08, 0x00, 0x15, 0x11, 'S', 'Q', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF,
		0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF}
	closing := []byte{0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0, 0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0}
	out := make([]byte, 0, depth*(len(open)+len(closing)))
	out = append(out, bytes.Repeat(open, depth)...)
	return append(out, bytes.Repeat(closing, depth)...)
}

// emptyElements is n empty private LO elements, 8 bytes each.
func emptyElements(n int) []byte {
	out := make([]byte, 8*n)
	for i := range n {
		binary.LittleEndian.PutUint16(out[8*i:], 0x0009)
		binary.LittleEndian.PutUint16(out[8*i+2:], 0x1000)
		copy(out[8*i+4:], "LO")
	}
	return out
}

// TestHostileDICOMNestingAndElementCountAreBounded checks that a file nested
// deeper than MaxDICOMDepth, or holding more than MaxDICOMElements elements,
// is refused with an error naming the file before the parser recurses, and
// that files at the limits still decode.
func TestHostileDICOMNestingAndElementCountAreBounded(t *testing.T) {
	good, at := goodDICOM(t)
	cases := []struct {
		name string
		ins  []byte
		want string // "" when the file must decode
	}{
		{"nesting at the limit", nestedSQ(MaxDICOMDepth), ""},
		{"nesting one past the limit", nestedSQ(MaxDICOMDepth + 1), "nested more than 64 deep"},
		{"nesting 10k deep", nestedSQ(10_000), "nested more than 64 deep"},
		{"nesting 1M deep (36 MB)", nestedSQ(1_000_000), "nested more than 64 deep"},
		{"elements at the limit", emptyElements(MaxDICOMElements - 20), ""},
		{"elements past the limit", emptyElements(MaxDICOMElements + 1), fmt.Sprintf("more than %d elements", MaxDICOMElements)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeBytes(t, insertBefore(good, at, tc.ins), "hostile.dcm")
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), "hostile.dcm")
			assert.Contains(t, err.Error(), tc.want)
			assert.ErrorIs(t, err, ErrUnsupported)
		})
	}
}

// TestHostileDICOMDeepNestingMemoryIsBounded checks that refusing a
// million-level file allocates a small multiple of its size (the race
// detector's bookkeeping included), not the gigabytes the recursive parse
// took.
func TestHostileDICOMDeepNestingMemoryIsBounded(t *testing.T) {
	good, at := goodDICOM(t)
	data := insertBefore(good, at, nestedSQ(1_000_000))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := decodeBytes(t, data, "deep.dcm")
	runtime.ReadMemStats(&after)
	require.Error(t, err)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("refusing a %d-byte file nested 1M deep allocated %d bytes", len(data), alloc)
	assert.Less(t, alloc, uint64(6*len(data)), "decode allocated %d bytes for a %d-byte file", alloc, len(data))
}
