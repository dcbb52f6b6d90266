package demodata

import (
	"github.com/cxr-auditor/cxr-auditor/radiograph/phantom"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// hostileEscapes clears the screen (CSI 2J) and asks the terminal to put
// "cxr-auditor" on the clipboard (OSC 52): what a draft pasted from an
// untrusted source could carry. It must never reach the terminal or the
// model as control characters.
const hostileEscapes = "\x1b[2J\x1b]52;c;Y3hyLWF1ZGl0b3I=\x07"

// Scenarios returns the demo items in worklist order. Drafts and model
// outputs are hand-written and synthetic; boxes derive from the phantoms'
// ground truth.
func Scenarios() []Scenario {
	return []Scenario{
		{
			ID:    "demo-01-normal",
			Image: "../phantoms/phantom-normal.png",
			Draft: "PA and lateral chest. No acute cardiopulmonary abnormality. Heart size is normal. No pleural effusion or pneumothorax.",
			Grounding: func([]schema.Box) string {
				return `[{"label": "no_finding"}]`
			},
			DraftContent: `[{"label": "no_finding", "status": "present", "span": "No acute cardiopulmonary abnormality."}, ` +
				`{"label": "cardiomegaly", "status": "absent", "span": "Heart size is normal."}, ` +
				`{"label": "pleural_effusion", "status": "absent", "span": "No pleural effusion or pneumothorax."}, ` +
				`{"label": "pneumothorax", "status": "absent", "span": "No pleural effusion or pneumothorax."}]`,
			GroundingB: func([]schema.Box) string {
				return `[` + finding(schema.NoduleMass, "[0.3, 0.62, 0.36, 0.68]") + `]`
			},
			Shows: "full agreement on a normal study",
			Want:  Want{Format: "png8"},
		},
		{
			ID:    "demo-02-effusion",
			Image: "../phantoms/phantom-effusion-16bit.png",
			Draft: "Small right pleural effusion with blunting of the right costophrenic angle. No pneumothorax. Heart size within normal limits.",
			Grounding: func(b []schema.Box) string {
				return `{"findings": [` + finding(schema.PleuralEffusion, box(b[0])) + `]}`
			},
			DraftContent: fence(`[
  {"label": "pleural_effusion", "status": "present", "span": "Small right pleural effusion with blunting of the right costophrenic angle."},
  {"label": "pneumothorax", "status": "absent", "span": "No pneumothorax."},
  {"label": "cardiomegaly", "status": "absent", "span": "Heart size within normal limits."}
]`),
			GroundingB: func(b []schema.Box) string {
				m := b[0]
				m.X0, m.X1 = m.X0+0.3, m.X1+0.3 // the same finding, boxed in the wrong place
				return `[` + finding(schema.PleuralEffusion, box(m)) + `]`
			},
			Shows: "full agreement on an abnormal study; 16-bit PNG; grounding in a {\"findings\": ...} wrapper, draft in a code fence",
			Want:  Want{Format: "png16", Salvaged: true},
		},
		{
			ID:    "demo-03-ptx-missed",
			Image: "../phantoms/phantom-ptx-mono1.dcm",
			Draft: "Portable AP chest. Lungs are clear without focal consolidation. Cardiomediastinal silhouette within normal limits. No acute osseous abnormality.",
			Grounding: func(b []schema.Box) string {
				return fence(`[` + finding(schema.Pneumothorax, box(b[0])) + `]`)
			},
			DraftThinking: "The draft says the lungs are clear without focal consolidation, which denies lung opacity. " +
				"A normal cardiomediastinal silhouette denies cardiomegaly. It does not mention pneumothorax, effusion or a nodule, " +
				"so those are not listed. Bones are outside the six labels.",
			DraftContent: `[{"label": "lung_opacity_consolidation", "status": "absent", "span": "Lungs are clear without focal consolidation."}, ` +
				`{"label": "cardiomegaly", "status": "absent", "span": "Cardiomediastinal silhouette within normal limits."}]`,
			GroundingB: func([]schema.Box) string {
				return `[{"label": "no_finding"}]`
			},
			Shows: "URGENT: a left apical pneumothorax the draft never mentions; DICOM MONOCHROME1; grounding in a code fence; draft stage thinks",
			Want: Want{Disagreements: []string{"pneumothorax/missed_in_draft"}, Urgent: true, Format: "dicom", Invert: true,
				Thinking: true, Salvaged: true},
		},
		{
			ID:    "demo-04-nodule-denied",
			Image: "../phantoms/phantom-nodule.jpg",
			Draft: "No suspicious pulmonary nodule or mass. Lungs are otherwise clear. No pleural effusion.",
			Grounding: func(b []schema.Box) string {
				return `[` + finding(schema.NoduleMass, box1000(b[0])) + `]`
			},
			DraftContent: `{"labels": [{"label": "nodule_mass", "status": "absent", "span": "No suspicious pulmonary nodule or mass."}, ` +
				`{"label": "lung_opacity_consolidation", "status": "absent", "span": "Lungs are otherwise clear."}, ` +
				`{"label": "pleural_effusion", "status": "absent", "span": "No pleural effusion."}]}`,
			Shows: "URGENT: the draft denies a right upper zone nodule the image shows; JPEG; box in 0-1000 coordinates",
			Want:  Want{Disagreements: []string{"nodule_mass/contradicted_by_image"}, Urgent: true, Format: "jpeg"},
		},
		{
			ID:    "demo-05-cardiomegaly-hedged",
			Image: "../phantoms/phantom-cardiomegaly-landscape.png",
			Draft: "Portable AP technique limits assessment; cannot exclude mild cardiomegaly. Lungs are clear. No pleural effusion.",
			Grounding: func(b []schema.Box) string {
				return `{"findings": [` + finding(schema.Cardiomegaly, box(b[0])) + `]}`
			},
			DraftContent: `[{"label": "cardiomegaly", "status": "uncertain", "span": "cannot exclude mild cardiomegaly"}, ` +
				`{"label": "lung_opacity_consolidation", "status": "absent", "span": "Lungs are clear."}, ` +
				`{"label": "pleural_effusion", "status": "absent", "span": "No pleural effusion."}]`,
			Shows: "the draft hedges (\"cannot exclude\") about an enlarged heart the image shows; landscape image sent with its own aspect ratio",
			Want:  Want{Disagreements: []string{"cardiomegaly/hedged_in_draft"}, Format: "png8"},
		},
		{
			ID:    "demo-06-consolidation",
			Image: "../phantoms/phantom-consolidation-signed.dcm",
			Draft: "Patchy airspace opacity in the left lower zone, likely consolidation; correlate clinically for pneumonia. No pleural effusion. Heart size normal.",
			Grounding: func(b []schema.Box) string {
				return `[` + finding(schema.LungOpacity, box(b[0])) + `]`
			},
			DraftThinking: "The draft describes patchy airspace opacity in the left lower zone, likely consolidation. " +
				"That is lung_opacity_consolidation, and \"likely\" asserts it rather than hedging. " +
				"It denies a pleural effusion, and a normal heart size denies cardiomegaly.",
			DraftContent: `[{"label": "lung_opacity_consolidation", "status": "present", "span": "Patchy airspace opacity in the left lower zone, likely consolidation"}, ` +
				`{"label": "pleural_effusion", "status": "absent", "span": "No pleural effusion."}, ` +
				`{"label": "cardiomegaly", "status": "absent", "span": "Heart size normal."}]`,
			Shows: "full agreement on a consolidation; signed 12-bit DICOM; draft stage thinks",
			Want:  Want{Format: "dicom", Thinking: true},
		},
		{
			ID:    "demo-07-unsupported",
			Image: "images/demo-normal-b.png",
			Gen:   &Generated{phantom.Spec{Variant: phantom.Normal, Width: 560, Height: 680, Seed: 71}, phantom.PNG8},
			Draft: "Right lower lobe consolidation, concerning for pneumonia. No pneumothorax.",
			Grounding: func([]schema.Box) string {
				return `{"findings": []}`
			},
			DraftContent: `[{"label": "lung_opacity_consolidation", "status": "present", "span": "Right lower lobe consolidation, concerning for pneumonia."}, ` +
				`{"label": "pneumothorax", "status": "absent", "span": "No pneumothorax."}]`,
			Shows: "the draft asserts a consolidation the image does not show (not urgent: nothing can be missed)",
			Want:  Want{Disagreements: []string{"lung_opacity_consolidation/unsupported_by_image"}, Format: "png8"},
		},
		{
			ID:    "demo-08-ptx-truncated",
			Image: "images/demo-ptx-b.png",
			Gen:   &Generated{phantom.Spec{Variant: phantom.Pneumothorax, Width: 600, Height: 720, Seed: 72}, phantom.PNG8},
			Draft: "Lungs clear bilaterally. No pleural effusion.",
			Grounding: func(b []schema.Box) string {
				// The model repeats its one finding until num_predict cuts it
				// off mid-entry: a degenerate loop seen in greedy decoding.
				e := finding(schema.Pneumothorax, box(b[0]))
				return `[` + repeat(e, 14) + `, {"label": "pneumothorax", "box_2d": [` + num(b[0].Y0) + `, ` + num(b[0].X0)
			},
			GroundingDoneReason: "length",
			DraftContent: `[{"label": "lung_opacity_consolidation", "status": "absent", "span": "Lungs clear bilaterally."}, ` +
				`{"label": "pleural_effusion", "status": "absent", "span": "No pleural effusion."}]`,
			Shows: "URGENT, salvaged: the grounding output loops and is cut at num_predict (done_reason \"length\"); the pneumothorax is kept",
			Want:  Want{Disagreements: []string{"pneumothorax/missed_in_draft"}, Urgent: true, Salvaged: true, Format: "png8"},
		},
		{
			ID:    "demo-09-prose-error",
			Image: "images/demo-effusion-b.jpg",
			Gen:   &Generated{phantom.Spec{Variant: phantom.Effusion, Width: 560, Height: 680, Seed: 73}, phantom.JPEG},
			Draft: "Small right pleural effusion. No pneumothorax.",
			Grounding: func([]schema.Box) string {
				return "The chest radiograph shows blunting of the right costophrenic angle, consistent with a small right pleural effusion. " +
					"No pneumothorax is identified. The cardiac silhouette is within normal limits."
			},
			DraftContent: `[{"label": "pleural_effusion", "status": "present", "span": "Small right pleural effusion."}, ` +
				`{"label": "pneumothorax", "status": "absent", "span": "No pneumothorax."}]`,
			GroundingB: func(b []schema.Box) string {
				return `[` + finding(schema.PleuralEffusion, box(b[0])) + `]`
			},
			Shows: "a failed parse: the vision model answered in prose only, so the item is an error showing the raw output",
			Want:  Want{Err: true, Format: "jpeg"},
		},
		{
			ID:    "demo-10-hostile-draft",
			Image: "images/demo-cardiomegaly-b.png",
			Gen:   &Generated{phantom.Spec{Variant: phantom.Cardiomegaly, Width: 640, Height: 640, Seed: 74}, phantom.PNG8},
			Draft: "Enlarged cardiac silhouette consistent with cardiomegaly." + hostileEscapes + " No pleural effusion. No pneumothorax.",
			Grounding: func(b []schema.Box) string {
				return `[` + finding(schema.Cardiomegaly, box(b[0])) + `]`
			},
			DraftContent: `[{"label": "cardiomegaly", "status": "present", "span": "Enlarged cardiac silhouette consistent with cardiomegaly."}, ` +
				`{"label": "pleural_effusion", "status": "absent", "span": "No pleural effusion."}, ` +
				`{"label": "pneumothorax", "status": "absent", "span": "No pneumothorax."}]`,
			Shows: "a draft carrying terminal escapes (clear screen, OSC 52 clipboard write) shown harmlessly; square image",
			Want:  Want{Format: "png8", Hostile: true},
		},
		{
			ID:    "demo-11-two-disagreements",
			Image: "images/demo-consolidation-b.png",
			Gen:   &Generated{phantom.Spec{Variant: phantom.Consolidation, Width: 520, Height: 640, Seed: 75}, phantom.PNG16},
			Draft: "Mild cardiomegaly. No focal consolidation. No pleural effusion.",
			Grounding: func(b []schema.Box) string {
				return fence(`{"findings": [` + finding(schema.LungOpacity, box(b[0])) + `]}`)
			},
			DraftContent: `[{"label": "cardiomegaly", "status": "present", "span": "Mild cardiomegaly."}, ` +
				`{"label": "lung_opacity_consolidation", "status": "absent", "span": "No focal consolidation."}, ` +
				`{"label": "pleural_effusion", "status": "absent", "span": "No pleural effusion."}]`,
			Shows: "two disagreements on one item: a consolidation the draft denies, and cardiomegaly the image does not show",
			Want: Want{Disagreements: []string{"lung_opacity_consolidation/contradicted_by_image", "cardiomegaly/unsupported_by_image"},
				Format: "png16", Salvaged: true},
		},
		{
			ID:    "demo-12-nodule-hedge",
			Image: "images/demo-nodule-b.dcm",
			Gen:   &Generated{phantom.Spec{Variant: phantom.Nodule, Width: 520, Height: 640, Seed: 76}, phantom.DICOMSigned},
			Draft: "Right upper zone pulmonary nodule measuring approximately 1 cm; recommend CT chest for further characterization. Cannot exclude a trace left pleural effusion.",
			Grounding: func(b []schema.Box) string {
				return `[` + finding(schema.NoduleMass, box(b[0])) + `]`
			},
			DraftThinking: "The draft asserts a right upper zone pulmonary nodule: nodule_mass present. " +
				"\"Cannot exclude a trace left pleural effusion\" is a hedge: pleural_effusion uncertain.",
			DraftContent: `[{"label": "nodule_mass", "status": "present", "span": "Right upper zone pulmonary nodule measuring approximately 1 cm"}, ` +
				`{"label": "pleural_effusion", "status": "uncertain", "span": "Cannot exclude a trace left pleural effusion."}]`,
			Shows: "URGENT though the draft agrees: the image shows a nodule (can't-miss) and the draft reports it; a hedge about something the image does not show is not a disagreement; signed DICOM",
			Want:  Want{Format: "dicom", Thinking: true, Urgent: true},
		},
		{
			ID:    "demo-13-draft-in-doubt",
			Image: "images/demo-effusion-c.png",
			Gen:   &Generated{phantom.Spec{Variant: phantom.Effusion, Width: 540, Height: 660, Seed: 77}, phantom.PNG8},
			Draft: "Heart size normal. No evidence of pleural effusion or pneumothorax.",
			Grounding: func(b []schema.Box) string {
				return `[` + finding(schema.PleuralEffusion, box(b[0])) + `]`
			},
			// The draft model misses the negation; the rule labeler does
			// not: their readings differ, so the item's draft reading is
			// in doubt.
			DraftContent: `[{"label": "cardiomegaly", "status": "absent", "span": "Heart size normal."}, ` +
				`{"label": "pleural_effusion", "status": "present", "span": "pleural effusion"}, ` +
				`{"label": "pneumothorax", "status": "absent", "span": "pneumothorax"}]`,
			Shows: "draft in doubt: the draft model reads the denied effusion as present (so it agrees with the image), the rule labeler reads it as denied",
			Want:  Want{Format: "png8", Doubts: []schema.Label{schema.PleuralEffusion}},
		},
	}
}
