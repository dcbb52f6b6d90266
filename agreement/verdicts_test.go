package agreement

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

func TestFromVerdicts(t *testing.T) {
	ptx := "pneumothorax/missed_in_draft"
	tests := []struct {
		name       string
		in         audit.Verdict
		want       *Rating
		wantReason string
	}{
		{"label and kind from the key", audit.Verdict{ID: 1, ItemID: "a", DisagreementKey: ptx, Decision: audit.ImageRight, Annotator: "ann"},
			&Rating{ItemID: "a", Key: ptx, Label: schema.Pneumothorax, Kind: audit.MissedInDraft, Reader: "ann", Category: "image_right"}, ""},
		{"fields matching the key", audit.Verdict{ID: 2, ItemID: "a", DisagreementKey: ptx, Label: schema.Pneumothorax, Kind: audit.MissedInDraft, Decision: audit.Unsure, Annotator: "ann"},
			&Rating{ItemID: "a", Key: ptx, Label: schema.Pneumothorax, Kind: audit.MissedInDraft, Reader: "ann", Category: "unsure"}, ""},
		{"a key of another shape uses the fields", audit.Verdict{ID: 3, ItemID: "a", DisagreementKey: "u1", Label: schema.NoduleMass, Kind: audit.HedgedInDraft, Decision: audit.BothWrong, Annotator: "ann"},
			&Rating{ItemID: "a", Key: "u1", Label: schema.NoduleMass, Kind: audit.HedgedInDraft, Reader: "ann", Category: "both_wrong"}, ""},
		{"label contradicting the key", audit.Verdict{ID: 4, ItemID: "a", DisagreementKey: ptx, Label: schema.Cardiomegaly, Decision: audit.ImageRight, Annotator: "ann"}, nil, "contradict its key"},
		{"no_finding is no positive label", audit.Verdict{ID: 5, ItemID: "a", DisagreementKey: "no_finding/missed_in_draft", Decision: audit.ImageRight, Annotator: "ann"}, nil, `label "no_finding"`},
		{"unknown kind", audit.Verdict{ID: 6, ItemID: "a", DisagreementKey: "pneumothorax/odd", Decision: audit.ImageRight, Annotator: "ann"}, nil, `kind "odd"`},
		{"unknown decision", audit.Verdict{ID: 7, ItemID: "a", DisagreementKey: ptx, Decision: "maybe", Annotator: "ann"}, nil, `decision "maybe"`},
		{"empty annotator", audit.Verdict{ID: 8, ItemID: "a", DisagreementKey: ptx, Decision: audit.ImageRight}, nil, "empty annotator"},
		{"empty item", audit.Verdict{ID: 9, DisagreementKey: ptx, Decision: audit.ImageRight, Annotator: "ann"}, nil, "empty item id"},
		{"empty key", audit.Verdict{ID: 10, ItemID: "a", Decision: audit.ImageRight, Annotator: "ann"}, nil, "empty disagreement key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, skipped := FromVerdicts([]audit.Verdict{tt.in})
			if tt.want != nil {
				require.Empty(t, skipped)
				assert.Equal(t, []Rating{*tt.want}, got)
				return
			}
			assert.Empty(t, got)
			require.Len(t, skipped, 1)
			assert.Contains(t, skipped[0].Reason, tt.wantReason)
			assert.Equal(t, tt.in, skipped[0].Verdict)
			assert.Contains(t, skipped[0].Error(), "verdict ")
		})
	}

	t.Run("a second verdict of one annotator on one unit is skipped", func(t *testing.T) {
		v := audit.Verdict{ID: 1, ItemID: "a", DisagreementKey: ptx, Decision: audit.ImageRight, Annotator: "ann"}
		w := v
		w.ID, w.Decision = 2, audit.DraftRight
		got, skipped := FromVerdicts([]audit.Verdict{v, w})
		require.Len(t, got, 1)
		assert.Equal(t, "image_right", got[0].Category)
		require.Len(t, skipped, 1)
		assert.Equal(t, int64(2), skipped[0].Verdict.ID)
	})
}

// FuzzFromVerdicts: whatever the stored verdicts hold, the ratings
// FromVerdicts keeps are a valid input of Measure, and every verdict is either kept
// or skipped.
func FuzzFromVerdicts(f *testing.F) {
	f.Add("a", "pneumothorax/missed_in_draft", "", "", "image_right", "ann", "b", "nodule_mass/hedged_in_draft", "draft_right", "bob")
	f.Add("a", "k", "cardiomegaly", "unsupported_by_image", "unsure", "ann", "a", "k", "both_wrong", "ann")
	f.Add("", "/", "no_finding", "x", "", "", "a", "pneumothorax/", "image_right", "ann")
	f.Fuzz(func(t *testing.T, item, key, label, kind, decision, ann, item2, key2, decision2, ann2 string) {
		vs := []audit.Verdict{
			{ID: 1, ItemID: item, DisagreementKey: key, Label: schema.Label(label), Kind: audit.Kind(kind), Decision: audit.Decision(decision), Annotator: ann},
			{ID: 2, ItemID: item2, DisagreementKey: key2, Decision: audit.Decision(decision2), Annotator: ann2},
			{ID: 3, ItemID: item, DisagreementKey: key, Decision: audit.Decision(decision2), Annotator: ann2},
		}
		got, skipped := FromVerdicts(vs)
		if len(got)+len(skipped) != len(vs) {
			t.Fatalf("%d kept + %d skipped != %d verdicts", len(got), len(skipped), len(vs))
		}
		if _, err := Measure(got, Options{}); err != nil {
			t.Fatalf("Measure refused the kept ratings: %v", err)
		}
	})
}
