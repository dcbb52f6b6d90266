package render

import (
	"image"
	"image/color"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestMapCoherent: a band column whose values all lie near one level takes
// it (one sixel character), one that spans an edge keeps each value's
// nearest level, and a short last band is mapped too.
func TestMapCoherent(t *testing.T) {
	kept := []int{0, 10, 20, 30}
	tests := []struct {
		name string
		col  []uint8 // one column, top to bottom (percents)
		want []uint8 // level indices
	}{
		{"smooth: one level", []uint8{13, 14, 15, 16, 17, 18}, []uint8{2, 2, 2, 2, 2, 2}},
		{"an edge: each its own", []uint8{0, 0, 0, 30, 30, 30}, []uint8{0, 0, 0, 3, 3, 3}},
		{"just past the tolerance", []uint8{10, 10, 10, 10, 10, 19}, []uint8{1, 1, 1, 1, 1, 2}},
		{"a short band", []uint8{12, 29}, []uint8{1, 3}},
		{"a short smooth band", []uint8{19, 21}, []uint8{2, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := image.NewPaletted(image.Rect(0, 0, 1, len(tt.col)), make(color.Palette, 256))
			copy(img.Pix, tt.col)
			mapCoherent(img, kept, 0.875)
			assert.Equal(t, tt.want, img.Pix)
		})
	}
}
