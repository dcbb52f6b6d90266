package worklist

import (
	"hash/maphash"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// IDIndex finds an item's position in a worklist by its id. It keeps a
// 64-bit hash of each id with the position of the first item that has
// it, and checks every hit against that item's id, so a lookup is exact:
// an id whose hash an earlier, different id already has is kept by its
// string in a map of its own. Holding no id string, it costs about two
// thirds of a map from the ids (figures in docs/performance.md).
type IDIndex struct {
	hash  func(string) uint64
	pos   map[uint64]int
	clash map[string]int // ids whose hash an earlier id took
	// items are the items the positions are in (Find); nil while the
	// list is being read.
	items []audit.Item
}

// newIDIndex returns an empty index for about size items; a nil hash is
// maphash with a fresh seed.
func newIDIndex(size int, hash func(string) uint64) *IDIndex {
	if hash == nil {
		seed := maphash.MakeSeed()
		hash = func(s string) uint64 { return maphash.String(seed, s) }
	}
	return &IDIndex{hash: hash, pos: make(map[uint64]int, size)}
}

// find returns the position of the item with id among items, which hold
// the items the index was told of (a prefix of them, or all).
func (x *IDIndex) find(items []audit.Item, id string) (int, bool) {
	if x == nil {
		return 0, false
	}
	if i, ok := x.pos[x.hash(id)]; ok && i < len(items) && items[i].ID == id {
		return i, true
	}
	i, ok := x.clash[id]
	if !ok || i >= len(items) {
		return 0, false
	}
	return i, true
}

// add records that the item at position i has id, which no earlier item
// has (find said so).
func (x *IDIndex) add(id string, i int) {
	h := x.hash(id)
	if _, taken := x.pos[h]; !taken {
		x.pos[h] = i
		return
	}
	if x.clash == nil {
		x.clash = map[string]int{}
	}
	x.clash[id] = i
}

// sized returns a copy of x made for about size items.
func (x *IDIndex) sized(size int) *IDIndex {
	y := &IDIndex{hash: x.hash, pos: make(map[uint64]int, max(size, len(x.pos))), clash: x.clash}
	for h, i := range x.pos {
		y.pos[h] = i
	}
	return y
}

// over returns x finding among items (List.Index).
func (x *IDIndex) over(items []audit.Item) *IDIndex {
	y := *x
	y.items = items
	return &y
}

// Find returns the position in List.Items of the item with id; false
// when no item has it (a nil index has none).
func (x *IDIndex) Find(id string) (int, bool) {
	if x == nil {
		return 0, false
	}
	return x.find(x.items, id)
}

// Len returns how many ids the index holds.
func (x *IDIndex) Len() int {
	if x == nil {
		return 0
	}
	return len(x.pos) + len(x.clash)
}
