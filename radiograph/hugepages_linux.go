package radiograph

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugePage is the size of an x86-64 (and arm64 4K-granule) huge page.
const hugePage = 2 << 20

// newFloats returns n zeroed float32s, asking the kernel to back the
// whole huge pages inside them with huge pages (MADV_HUGEPAGE; honoured
// when transparent huge pages are "madvise" or "always"). A grid is
// written once, all of it, right away: in 4 KiB pages a 1600² grid
// (10 MB) costs 2,500 page faults, about a sixth of render's CPU time at
// 1600 px on the development VM (docs/render.md).
func newFloats(n int) []float32 {
	p := make([]float32, n)
	if 4*n < 2*hugePage {
		return p
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(p))), 4*n)
	if off, end := hugeSpan(uintptr(unsafe.Pointer(unsafe.SliceData(b))), len(b)); end > off {
		// Advice only: on failure the pages are ordinary ones.
		_ = unix.Madvise(b[off:end], unix.MADV_HUGEPAGE)
	}
	return p
}

// hugeSpan is the part [off, end) of n bytes at addr made of whole,
// aligned huge pages (end <= off when there is none).
func hugeSpan(addr uintptr, n int) (off, end int) {
	off = int((hugePage - addr%hugePage) % hugePage)
	if off >= n {
		return 0, 0
	}
	return off, off + (n-off)/hugePage*hugePage
}
