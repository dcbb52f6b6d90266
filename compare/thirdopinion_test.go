package compare

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Synthetic readings, written for the test.
func TestThirdOpinion(t *testing.T) {
	ptxBox := &schema.Box{Y0: 0.1, X0: 0.6, Y1: 0.4, X1: 0.9}
	dl := func(l schema.Label, s schema.Status, span string) schema.DraftLabel {
		return schema.DraftLabel{Label: l, Status: s, Span: span}
	}
	shows := []schema.Finding{{Label: schema.Pneumothorax, Box: ptxBox}}
	tests := []struct {
		name      string
		findings  []schema.Finding
		model     []schema.DraftLabel
		rules     []schema.DraftLabel
		doubts    []audit.DraftDoubt
		inDoubt   map[audit.Kind]bool // by kind of the pneumothorax disagreement
		disagrees int
	}{
		{
			name:     "inverted negation: the disagreement rests on the reading",
			findings: nil,
			model:    []schema.DraftLabel{dl(schema.Pneumothorax, schema.StatusPresent, "No pneumothorax")},
			rules:    []schema.DraftLabel{dl(schema.Pneumothorax, schema.StatusAbsent, "No pneumothorax")},
			doubts: []audit.DraftDoubt{{Label: schema.Pneumothorax, Model: schema.StatusPresent, ModelSpans: []string{"No pneumothorax"},
				Rules: schema.StatusAbsent, RulesSpans: []string{"No pneumothorax"}}},
			inDoubt: map[audit.Kind]bool{audit.UnsupportedByImage: true}, disagrees: 1,
		},
		{
			name:     "readings agree: nothing in doubt",
			findings: shows,
			model:    []schema.DraftLabel{dl(schema.Pneumothorax, schema.StatusAbsent, "No PTX")},
			rules:    []schema.DraftLabel{dl(schema.Pneumothorax, schema.StatusAbsent, "No PTX")},
			doubts:   []audit.DraftDoubt{}, inDoubt: map[audit.Kind]bool{audit.ContradictedByImage: false}, disagrees: 1,
		},
		{
			name:     "absent against silent changes the kind: marked",
			findings: shows,
			model:    []schema.DraftLabel{dl(schema.Pneumothorax, schema.StatusAbsent, "lungs clear")},
			rules:    []schema.DraftLabel{},
			doubts: []audit.DraftDoubt{{Label: schema.Pneumothorax, Model: schema.StatusAbsent, ModelSpans: []string{"lungs clear"},
				Rules: schema.StatusSilent, RulesSpans: []string{}}},
			inDoubt: map[audit.Kind]bool{audit.ContradictedByImage: true}, disagrees: 1,
		},
		{
			name:     "doubt on another label: the disagreement stands",
			findings: shows,
			model:    []schema.DraftLabel{dl(schema.PleuralEffusion, schema.StatusPresent, "effusion")},
			rules:    []schema.DraftLabel{dl(schema.PleuralEffusion, schema.StatusUncertain, "? effusion")},
			doubts: []audit.DraftDoubt{{Label: schema.PleuralEffusion, Model: schema.StatusPresent, ModelSpans: []string{"effusion"},
				Rules: schema.StatusUncertain, RulesSpans: []string{"? effusion"}}},
			// the effusion is unsupported by the image under the model's
			// reading only: that one is marked; the pneumothorax is not
			inDoubt: map[audit.Kind]bool{audit.MissedInDraft: false}, disagrees: 2,
		},
		{
			name:     "an absence implied by no_finding alone is in doubt with it",
			findings: shows,
			model:    []schema.DraftLabel{dl(schema.NoFinding, schema.StatusPresent, "Normal chest.")},
			rules:    []schema.DraftLabel{},
			doubts: []audit.DraftDoubt{{Label: schema.NoFinding, Model: schema.StatusPresent, ModelSpans: []string{"Normal chest."},
				Rules: schema.StatusSilent, RulesSpans: []string{}}},
			inDoubt: map[audit.Kind]bool{audit.ContradictedByImage: true}, disagrees: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := Compare(tt.findings, tt.model, schema.DefaultUrgent())
			ThirdOpinion(&rep, tt.findings, tt.model, tt.rules, schema.DefaultUrgent())
			if len(tt.doubts) == 0 {
				require.Nil(t, rep.DraftDoubts)
			} else {
				require.Equal(t, tt.doubts, rep.DraftDoubts)
			}
			if len(tt.rules) == 0 {
				require.Nil(t, rep.RuleLabels)
			} else {
				require.Equal(t, tt.rules, rep.RuleLabels)
			}
			require.Len(t, rep.Disagreements, tt.disagrees)
			for _, d := range rep.Disagreements {
				if d.Label == schema.Pneumothorax {
					want, ok := tt.inDoubt[d.Kind]
					require.True(t, ok, "unexpected kind %s", d.Kind)
					require.Equal(t, want, d.DraftInDoubt)
				} else {
					require.True(t, d.DraftInDoubt, "%s rests on the doubtful effusion reading", d.Key())
				}
			}
		})
	}
}
