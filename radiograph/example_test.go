package radiograph_test

import (
	"fmt"

	"github.com/cxr-auditor/cxr-auditor/radiograph"
)

// A portrait image 1024x1248 sent to the model is centred in a 1248x1248
// square; a box the model returns for the square maps back to the image.
func ExamplePadding_Unpad() {
	p := radiograph.Padding{Side: 1248, OffX: 112, OffY: 0, ImgW: 1024, ImgH: 1248}
	fromModel := radiograph.Box{Y0: 0.25, X0: 0.5, Y1: 0.5, X1: 0.75}
	b, ok := p.Unpad(fromModel)
	fmt.Printf("%.4f %.4f %.4f %.4f %v\n", b.Y0, b.X0, b.Y1, b.X1, ok)

	// A box entirely in the black padding has no counterpart.
	_, ok = p.Unpad(radiograph.Box{Y0: 0.1, X0: 0.0, Y1: 0.2, X1: 0.05})
	fmt.Println(ok)
	// Output:
	// 0.2500 0.5000 0.5000 0.8047 true
	// false
}

func ExampleWindow_Adjust() {
	w := radiograph.Window{Center: 2000, Width: 4000}
	fmt.Println(w.Adjust(0.05, 0.5)) // brighter centre, more contrast
	// Output: 2200,2000
}
