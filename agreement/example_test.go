package agreement_test

import (
	"fmt"

	"github.com/cxr-auditor/cxr-auditor/agreement"
	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Two readers review the disagreements of three synthetic items; Measure
// gives Cohen's kappa with its 95% interval (0.5 ± 1.96·0.281, the upper
// bound clipped to 1) and the units behind each off-diagonal cell.
func ExampleMeasure() {
	var ratings []agreement.Rating
	add := func(item string, l schema.Label, k audit.Kind, alice, bob string) {
		key := string(l) + "/" + string(k)
		ratings = append(ratings,
			agreement.Rating{ItemID: item, Key: key, Label: l, Kind: k, Reader: "alice", Category: alice},
			agreement.Rating{ItemID: item, Key: key, Label: l, Kind: k, Reader: "bob", Category: bob})
	}
	add("cxr-1", schema.Pneumothorax, audit.MissedInDraft, "image_right", "image_right")
	add("cxr-1", schema.PleuralEffusion, audit.UnsupportedByImage, "draft_right", "draft_right")
	add("cxr-2", schema.NoduleMass, audit.MissedInDraft, "image_right", "unsure")
	add("cxr-2", schema.Cardiomegaly, audit.HedgedInDraft, "both_wrong", "both_wrong")
	add("cxr-3", schema.Pneumothorax, audit.ContradictedByImage, "image_right", "image_right")
	add("cxr-3", schema.LungOpacity, audit.UnsupportedByImage, "draft_right", "image_right")

	rep, err := agreement.Measure(ratings, agreement.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	all, _ := rep.Group(agreement.GroupAll, agreement.GroupAll)
	k := all.Kappa
	fmt.Printf("%s: %d units, observed %.3f, expected %.3f\n", k.Method, all.Units, *all.ObservedAgreement, *all.ExpectedAgreement)
	fmt.Printf("kappa %.3f, 95%% CI %.3f to %.3f\n", *k.Value, *k.Low, *k.High)
	for _, cell := range all.Confusion[0].Disagreements {
		fmt.Printf("alice %s, bob %s: %v\n", cell.A, cell.B, cell.Units)
	}
	pt, _ := rep.Group(agreement.GroupLabel, string(schema.Pneumothorax))
	fmt.Println("pneumothorax:", pt.Kappa.Undefined)
	// Output:
	// cohen: 6 units, observed 0.667, expected 0.333
	// kappa 0.500, 95% CI -0.051 to 1.000
	// alice image_right, bob unsure: [{cxr-2 nodule_mass/missed_in_draft}]
	// alice draft_right, bob image_right: [{cxr-3 lung_opacity_consolidation/unsupported_by_image}]
	// pneumothorax: every rating in this group is "image_right": chance agreement is 1, so kappa is 0/0
}
