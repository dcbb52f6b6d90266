package schema_test

import (
	"fmt"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// A vision model's answer with reasoning, a code fence, 0-1000 coordinates,
// a synonym and a repeated entry. (Synthetic output, not from a patient.)
func ExampleExtractFindings() {
	raw := "<think>Check the apex [left]...</think>\n```json\n" +
		`[{"label":"PTX","box_2d":[100,600,300,900]},` +
		`{"label":"PTX","box_2d":[100,600,300,900]},` +
		`{"label":"cardiomegaly","box_2d":[400,300,800,1e999]}]` + "\n```"
	findings, diag, err := schema.ExtractFindings(raw)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	for _, f := range findings {
		if f.Box != nil {
			fmt.Printf("%s %.2f\n", f.Label, [4]float64{f.Box.Y0, f.Box.X0, f.Box.Y1, f.Box.X1})
		} else {
			fmt.Printf("%s (no box)\n", f.Label)
		}
	}
	fmt.Println("salvaged:", diag.Salvaged)
	for _, n := range diag.Notes {
		fmt.Println("-", n.Kind)
	}
	// Output:
	// pneumothorax [0.10 0.60 0.30 0.90]
	// cardiomegaly (no box)
	// salvaged: true
	// - stripped_thought
	// - code_fence
	// - normalized_label
	// - rescaled_box
	// - dropped_box
	// - deduplicated
}

// A text model's reading of a draft, cut off by num_predict in the last
// entry's span. (Synthetic output.)
func ExampleExtractDraftLabels() {
	raw := `{"draft_labels": [` +
		`{"label": "no_finding", "status": "present", "span": "No acute findings."},` +
		`{"label": "pneumothorax", "status": "cannot exclude", "span": "cannot exclude a small left pneumothorax"},` +
		`{"label": "pleural_effusion", "status": "absent", "span": "No pleural eff`
	labels, diag, err := schema.ExtractDraftLabels(raw)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	for _, d := range labels {
		fmt.Printf("%s %s %q\n", d.Label, d.Status, d.Span)
	}
	fmt.Println("salvaged:", diag.Salvaged)
	// Output:
	// no_finding present "No acute findings."
	// pneumothorax uncertain "cannot exclude a small left pneumothorax"
	// pleural_effusion absent ""
	// salvaged: true
}
