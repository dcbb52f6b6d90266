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

// The image shows a pneumothorax and the draft reports it: no
// disagreement, yet the item is URGENT, as the served app has it: a
// can't-miss finding goes to a reviewer whatever the draft says.
// Synthetic example.
func ExampleCompare_urgentAgreed() {
	findings := []schema.Finding{{Label: schema.Pneumothorax, Box: &schema.Box{Y0: 0.1, X0: 0.55, Y1: 0.45, X1: 0.9}}}
	draft := []schema.DraftLabel{{Label: schema.Pneumothorax, Status: schema.StatusPresent, Span: "Small right apical pneumothorax."}}
	b, _ := json.Marshal(compare.Compare(findings, draft, schema.DefaultUrgent()))
	fmt.Println(string(b))
	// Output:
	// {"urgent":true,"disagreements":[],"urgent_findings":[{"label":"pneumothorax","boxes":[[0.1,0.55,0.45,0.9]],"draft_agrees":true,"draft_spans":["Small right apical pneumothorax."]}]}
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
