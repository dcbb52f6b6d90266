package compare_test

import (
	"context"
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
// missed. No resamples here, so no interval.
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
	scores, err := compare.ScoreItems(items, compare.ProtocolItem)
	if err != nil {
		panic(err)
	}
	m, err := compare.Evaluate(context.Background(), scores, compare.Options{Urgent: schema.DefaultUrgent()})
	if err != nil {
		panic(err)
	}
	p := m.Presence[schema.Pneumothorax]
	fmt.Printf("pneumothorax n=%d precision=%.2f recall=%.2f f1=%.2f\n", p.N, p.Precision.Value, p.Recall.Value, p.F1.Value)
	fmt.Printf("iou>=0.5 rate=%.2f mean IoU=%.2f\n", m.Localization.Strict.Rate.Value, m.Localization.MeanIoU.Value)
	u := m.UrgentRecall[schema.Pneumothorax]
	fmt.Printf("urgent pneumothorax %d/%d\n", u.Found, u.N)
	// Output:
	// pneumothorax n=2 precision=1.00 recall=0.50 f1=0.67
	// iou>=0.5 rate=1.00 mean IoU=0.80
	// urgent pneumothorax 1/2
}

// One synthetic item: the truth has an effusion on the right and a
// pneumothorax; the model finds the effusion on the left and misses the
// pneumothorax, which is urgent.
func ExampleTruthErrors() {
	truth := []schema.Finding{
		{Label: schema.PleuralEffusion, Box: &schema.Box{Y0: 0.6, X0: 0.1, Y1: 0.8, X1: 0.4}},
		{Label: schema.Pneumothorax, Box: &schema.Box{Y0: 0.1, X0: 0.6, Y1: 0.5, X1: 0.9}},
	}
	pred := []schema.Finding{
		{Label: schema.PleuralEffusion, Box: &schema.Box{Y0: 0.6, X0: 0.6, Y1: 0.8, X1: 0.9}},
	}
	for _, e := range compare.TruthErrors(truth, pred, schema.DefaultUrgent(), 0.3) {
		iou := "-"
		if e.IoU != nil {
			iou = fmt.Sprintf("%.2f", *e.IoU)
		}
		fmt.Printf("%s urgent=%t iou=%s\n", e.Key(), e.Urgent, iou)
	}
	// Output:
	// pleural_effusion/mislocated/t0/p0 urgent=false iou=0.00
	// pneumothorax/missed/t1/p- urgent=true iou=-
}

// Two synthetic items with an effusion each, the model's box on the wrong
// side both times. Within each item nothing matches; pooled across items,
// as the card's harness does, each box finds the other item's truth.
func ExampleEvaluate_protocols() {
	left := &schema.Box{Y0: 0.6, X0: 0.1, Y1: 0.9, X1: 0.4}
	right := &schema.Box{Y0: 0.6, X0: 0.6, Y1: 0.9, X1: 0.9}
	items := []compare.EvalItem{
		{ID: "1", Truth: []schema.Finding{{Label: schema.PleuralEffusion, Box: left}}, Pred: []schema.Finding{{Label: schema.PleuralEffusion, Box: right}}},
		{ID: "2", Truth: []schema.Finding{{Label: schema.PleuralEffusion, Box: right}}, Pred: []schema.Finding{{Label: schema.PleuralEffusion, Box: left}}},
	}
	scores, err := compare.ScoreItems(items, compare.ProtocolCard)
	if err != nil {
		panic(err)
	}
	for _, p := range []compare.Protocol{compare.ProtocolItem, compare.ProtocolCard} {
		m, err := compare.Evaluate(context.Background(), scores, compare.Options{Protocol: p})
		if err != nil {
			panic(err)
		}
		l := m.Localization
		fmt.Printf("%s: IoU>=0.3 rate %.2f, mean IoU %.2f, macro-F1 %.3f over %d labels\n",
			p, l.Loose.Rate.Value, l.MeanIoU.Value, m.MacroF1.Value, m.MacroF1Labels)
	}
	// Output:
	// item: IoU>=0.3 rate 0.00, mean IoU 0.00, macro-F1 1.000 over 1 labels
	// card: IoU>=0.3 rate 1.00, mean IoU 1.00, macro-F1 1.000 over 1 labels
}
