package compare_test

import (
	"encoding/json"
	"fmt"

	"github.com/cxr-auditor/cxr-auditor/compare"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// The image shows a pneumothorax the draft denies, and the draft asserts an
// effusion the image does not show. Synthetic example.
func ExampleCompare() {
	findings := []schema.Finding{
		{Label: schema.Pneumothorax, Box: &schema.Box{Y0: 0.1, X0: 0.55, Y1: 0.45, X1: 0.9}},
	}
	draft := []schema.DraftLabel{
		{Label: schema.Pneumothorax, Status: schema.StatusAbsent, Span: "No pneumothorax."},
		{Label: schema.PleuralEffusion, Status: schema.StatusPresent, Span: "Small left pleural effusion."},
	}
	rep := compare.Compare(findings, draft, schema.DefaultUrgent())
	for _, d := range rep.Disagreements {
		fmt.Printf("%s urgent=%t spans=%q boxes=%d\n", d.Key(), d.Urgent, d.DraftSpans, len(d.Boxes))
	}
	b, _ := json.Marshal(rep.Disagreements[0])
	fmt.Println(string(b))
	fmt.Println("report urgent:", rep.Urgent)
	// Output:
	// pleural_effusion/unsupported_by_image urgent=false spans=["Small left pleural effusion."] boxes=0
	// pneumothorax/contradicted_by_image urgent=true spans=["No pneumothorax."] boxes=1
	// {"label":"pleural_effusion","kind":"unsupported_by_image","urgent":false,"draft_spans":["Small left pleural effusion."],"boxes":[]}
	// report urgent: true
}

// Two synthetic items: the first is found and well localized, the second is
// missed.
func ExampleEvaluate() {
	items := []compare.EvalItem{
		{
			ID:    "a",
			Truth: []schema.Finding{{Label: schema.Pneumothorax, Box: &schema.Box{Y0: 0, X0: 0, Y1: 0.5, X1: 0.5}}},
			Pred:  []schema.Finding{{Label: schema.Pneumothorax, Box: &schema.Box{Y0: 0, X0: 0, Y1: 0.5, X1: 0.4}}},
		},
		{
			ID:    "b",
			Truth: []schema.Finding{{Label: schema.Pneumothorax}},
		},
	}
	m := compare.Evaluate(items, schema.DefaultUrgent())
	p := m.Presence[schema.Pneumothorax]
	fmt.Printf("pneumothorax n=%d precision=%.2f recall=%.2f f1=%.2f\n", p.N, p.Precision, p.Recall, p.F1)
	fmt.Printf("iou>=0.5 rate=%.2f mean IoU=%.2f\n", m.Localization.Strict.Rate, m.Localization.MeanIoU)
	u := m.UrgentRecall[schema.Pneumothorax]
	fmt.Printf("urgent pneumothorax %d/%d\n", u.Found, u.N)
	// Output:
	// pneumothorax n=2 precision=1.00 recall=0.50 f1=0.67
	// iou>=0.5 rate=1.00 mean IoU=0.80
	// urgent pneumothorax 1/2
}

// Two readers review the disagreements of three synthetic items; Agreement
// gives Cohen's kappa with its 95% interval (0.5 ± 1.96·0.281, the upper
// bound clipped to 1) and the units behind each off-diagonal cell.
func ExampleAgreement() {
	var ratings []compare.Rating
	add := func(item string, l schema.Label, k compare.Kind, alice, bob string) {
		key := string(l) + "/" + string(k)
		ratings = append(ratings,
			compare.Rating{ItemID: item, Key: key, Label: l, Kind: k, Reader: "alice", Category: alice},
			compare.Rating{ItemID: item, Key: key, Label: l, Kind: k, Reader: "bob", Category: bob})
	}
	add("cxr-1", schema.Pneumothorax, compare.MissedInDraft, "image_right", "image_right")
	add("cxr-1", schema.PleuralEffusion, compare.UnsupportedByImage, "draft_right", "draft_right")
	add("cxr-2", schema.NoduleMass, compare.MissedInDraft, "image_right", "unsure")
	add("cxr-2", schema.Cardiomegaly, compare.HedgedInDraft, "both_wrong", "both_wrong")
	add("cxr-3", schema.Pneumothorax, compare.ContradictedByImage, "image_right", "image_right")
	add("cxr-3", schema.LungOpacity, compare.UnsupportedByImage, "draft_right", "image_right")

	rep, err := compare.Agreement(ratings, compare.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	all, _ := rep.Group(compare.GroupAll, compare.GroupAll)
	k := all.Kappa
	fmt.Printf("%s: %d units, observed %.3f, expected %.3f\n", k.Method, all.Units, *all.ObservedAgreement, *all.ExpectedAgreement)
	fmt.Printf("kappa %.3f, 95%% CI %.3f to %.3f\n", *k.Value, *k.Low, *k.High)
	for _, cell := range all.Confusion[0].Disagreements {
		fmt.Printf("alice %s, bob %s: %v\n", cell.A, cell.B, cell.Units)
	}
	pt, _ := rep.Group(compare.GroupLabel, string(schema.Pneumothorax))
	fmt.Println("pneumothorax:", pt.Kappa.Undefined)
	// Output:
	// cohen: 6 units, observed 0.667, expected 0.333
	// kappa 0.500, 95% CI -0.051 to 1.000
	// alice image_right, bob unsure: [{cxr-2 nodule_mass/missed_in_draft}]
	// alice draft_right, bob image_right: [{cxr-3 lung_opacity_consolidation/unsupported_by_image}]
	// pneumothorax: every rating in this group is "image_right": chance agreement is 1, so kappa is 0/0
}
