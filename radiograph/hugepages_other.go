//go:build !linux

package radiograph

// newFloats returns n zeroed float32s (huge pages are asked for on Linux
// only).
func newFloats(n int) []float32 { return make([]float32, n) }
