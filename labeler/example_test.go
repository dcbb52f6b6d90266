package labeler_test

import (
	"fmt"

	"github.com/cxr-auditor/cxr-auditor/labeler"
)

func ExampleRuleSet_Label() {
	rs, err := labeler.Default()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range rs.Label("Small left pleural effusion. No pneumothorax. Cannot exclude a right lower lobe infiltrate.") {
		fmt.Printf("%s %s %q\n", d.Label, d.Status, d.Span)
	}
	// Output:
	// pleural_effusion present "pleural effusion"
	// pneumothorax absent "No pneumothorax"
	// lung_opacity_consolidation uncertain "Cannot exclude a right lower lobe infiltrate"
}
