package render_test

import (
	"fmt"

	"github.com/cxr-auditor/cxr-auditor/render"
)

func ExampleChoose() {
	// A terminal that answered DA1 with attribute 4 (sixel) and nothing else.
	p, _ := render.Choose(render.Caps{TTY: true, Sixel: true}, "auto")
	fmt.Println(p)
	// The flag wins over detection.
	p, _ = render.Choose(render.Caps{TTY: true, Sixel: true}, "blocks")
	fmt.Println(p)
	// Output:
	// sixel
	// blocks
}
