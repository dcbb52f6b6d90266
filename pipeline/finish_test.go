package pipeline

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

func TestSameResult(t *testing.T) {
	report := func() *audit.Report {
		return &audit.Report{Urgent: true, Disagreements: []audit.Disagreement{
			{Label: schema.Pneumothorax, Kind: audit.ContradictedByImage, Urgent: true,
				DraftSpans: []string{"No pneumothorax."}, Boxes: []schema.Box{{Y0: 0.1, X0: 0.2, Y1: 0.3, X1: 0.4}}},
			{Label: schema.NoduleMass, Kind: audit.MissedInDraft, DraftSpans: []string{}, Boxes: []schema.Box{}},
		}}
	}
	base := func() audit.ResultRecord {
		return audit.ResultRecord{ItemID: "a", GroundingKey: "g", DraftKey: "d", Report: report(), UpdatedAt: time.Unix(1, 0)}
	}
	tests := []struct {
		name   string
		change func(r *audit.ResultRecord)
		same   bool
	}{
		{"identical", func(*audit.ResultRecord) {}, true},
		{"updated at another time", func(r *audit.ResultRecord) { r.UpdatedAt = time.Unix(2, 0) }, true},
		{"nil and empty slices read back from the store", func(r *audit.ResultRecord) {
			r.Report.Disagreements[1].DraftSpans, r.Report.Disagreements[1].Boxes = nil, nil
		}, true},
		{"other item", func(r *audit.ResultRecord) { r.ItemID = "b" }, false},
		{"other grounding record", func(r *audit.ResultRecord) { r.GroundingKey = "g2" }, false},
		{"other draft record", func(r *audit.ResultRecord) { r.DraftKey = "d2" }, false},
		{"salvaged", func(r *audit.ResultRecord) { r.Salvaged = true }, false},
		{"error", func(r *audit.ResultRecord) { r.Error = "grounding: failed" }, false},
		{"no report", func(r *audit.ResultRecord) { r.Report = nil }, false},
		{"not urgent", func(r *audit.ResultRecord) { r.Report.Urgent = false }, false},
		{"a disagreement fewer", func(r *audit.ResultRecord) { r.Report.Disagreements = r.Report.Disagreements[:1] }, false},
		{"other kind", func(r *audit.ResultRecord) { r.Report.Disagreements[0].Kind = audit.MissedInDraft }, false},
		{"other label", func(r *audit.ResultRecord) { r.Report.Disagreements[0].Label = schema.Cardiomegaly }, false},
		{"disagreement urgency", func(r *audit.ResultRecord) { r.Report.Disagreements[1].Urgent = true }, false},
		{"other span", func(r *audit.ResultRecord) { r.Report.Disagreements[0].DraftSpans[0] = "Pneumothorax." }, false},
		{"other box", func(r *audit.ResultRecord) { r.Report.Disagreements[0].Boxes[0].X1 = 0.5 }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := base(), base()
			tt.change(&b)
			assert.Equal(t, tt.same, sameResult(a, b))
			assert.Equal(t, tt.same, sameResult(b, a), "symmetric")
		})
	}
	assert.True(t, sameResult(audit.ResultRecord{ItemID: "a"}, audit.ResultRecord{ItemID: "a"}), "both without report")
}

// TestJoinStageErrorsSaysASharedErrorOnce: offline, both stages failed
// with the same text, which the item's error said twice.
func TestJoinStageErrorsSaysASharedErrorOnce(t *testing.T) {
	assert.Equal(t, "grounding and draft: no host", joinStageErrors([]string{"grounding: no host", "draft: no host"}))
	assert.Equal(t, "grounding: a; draft: b", joinStageErrors([]string{"grounding: a", "draft: b"}))
	assert.Equal(t, "grounding: a", joinStageErrors([]string{"grounding: a"}))
}
