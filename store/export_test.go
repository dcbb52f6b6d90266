package store_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// fixedClock always returns the same instant.
func fixedClock() time.Time { return time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC) }

// exportFixture fills a store with a small synthetic review: a1 done with
// two disagreements (one adjudicated by two readers, one not) and a stale
// verdict, a2 failed, a3 pending, a4 done and clean, plus notes.
func exportFixture(t *testing.T, be backend) *store.Store {
	t.Helper()
	ctx := context.Background()
	s := be.open(t, store.WithClock(fixedClock))

	require.NoError(t, s.PutItems(ctx, []audit.ItemRecord{
		{ID: "a1", Image: "img/a1.png", Draft: "Cardiomegaly. No pneumothorax.", Seq: 0},
		{ID: "a2", Image: "img/a2.png", Draft: "Clear lungs.", Seq: 1},
		{ID: "a3", Image: "img/a3.png", Draft: "Pending, \"quoted\", case.", Seq: 2},
		{ID: "a4", Image: "img/a4.png", Draft: "Normal.", Seq: 3},
	}))
	box := schema.Box{Y0: 0.1, X0: 0.5, Y1: 0.4, X1: 0.9}
	require.NoError(t, s.PutStage(ctx, audit.StageRecord{
		Key: "g1", Stage: audit.StageGrounding, ItemID: "a1", Model: "medgemma:4b", ModelDigest: "sha256:m1",
		PromptDigest: "sha256:p1", Options: `{"seed":42}`, Raw: "...",
		Findings: []schema.Finding{{Label: schema.Pneumothorax, Box: &box}},
	}))
	require.NoError(t, s.PutStage(ctx, audit.StageRecord{
		Key: "d1", Stage: audit.StageDraft, ItemID: "a1", Model: "medgemma:27b", ModelDigest: "sha256:m2",
		PromptDigest: "sha256:p2", Options: `{"seed":42}`, Raw: "...",
		Labels: []schema.DraftLabel{
			{Label: schema.Cardiomegaly, Status: schema.StatusPresent, Span: "Cardiomegaly"},
			{Label: schema.Pneumothorax, Status: schema.StatusAbsent, Span: "No pneumothorax"},
		},
	}))
	require.NoError(t, s.PutStage(ctx, audit.StageRecord{
		Key: "g2", Stage: audit.StageGrounding, ItemID: "a2", Model: "medgemma:4b", ModelDigest: "sha256:m1",
		PromptDigest: "sha256:p1", Options: `{"seed":42}`, Error: "HTTP 500",
	}))
	require.NoError(t, s.PutResult(ctx, audit.ResultRecord{ItemID: "a1", GroundingKey: "g1", DraftKey: "d1", Salvaged: true,
		Report: &audit.Report{Urgent: true, Disagreements: []audit.Disagreement{
			{Label: schema.Pneumothorax, Kind: audit.ContradictedByImage, Urgent: true, DraftSpans: []string{"No pneumothorax"}, Boxes: []schema.Box{box}},
			{Label: schema.Cardiomegaly, Kind: audit.UnsupportedByImage, DraftSpans: []string{"Cardiomegaly", "heart, enlarged"}, Boxes: []schema.Box{}, DraftInDoubt: true},
		},
			// the rules read no cardiomegaly: that disagreement rests on the
			// draft model's reading alone
			DraftDoubts: []audit.DraftDoubt{{Label: schema.Cardiomegaly, Model: schema.StatusPresent, ModelSpans: []string{"Cardiomegaly"},
				Rules: schema.StatusSilent, RulesSpans: []string{}}},
			RuleLabels: []schema.DraftLabel{{Label: schema.Pneumothorax, Status: schema.StatusAbsent, Span: "No pneumothorax"}},
		}}))
	require.NoError(t, s.PutResult(ctx, audit.ResultRecord{ItemID: "a2", GroundingKey: "g2", Error: "grounding: HTTP 500"}))
	require.NoError(t, s.PutResult(ctx, audit.ResultRecord{ItemID: "a4", Report: &audit.Report{Disagreements: []audit.Disagreement{}}}))

	at := func(min int) time.Time { return time.Date(2026, 2, 3, 10, min, 0, 0, time.UTC) }
	for _, v := range []audit.Verdict{
		{ItemID: "a1", DisagreementKey: "pneumothorax/contradicted_by_image", Decision: audit.DraftRight, Annotator: "rad1", At: at(1)},
		{ItemID: "a1", DisagreementKey: "pneumothorax/contradicted_by_image", Decision: audit.ImageRight, Annotator: "rad1", At: at(2)},
		{ItemID: "a1", DisagreementKey: "pneumothorax/contradicted_by_image", Decision: audit.Unsure, Annotator: "rad2", At: at(3)},
		{ItemID: "a1", DisagreementKey: "nodule_mass/missed_in_draft", Decision: audit.BothWrong, Annotator: "rad1", At: at(4)},
	} {
		_, err := s.SaveVerdict(ctx, v)
		require.NoError(t, err)
	}
	for _, n := range []audit.Note{
		{ItemID: "a1", Annotator: "rad1", Text: "apex, see lateral", At: at(5)},
		{ItemID: "a1", Annotator: "rad3", Text: "teaching case", At: at(6)},
		{ItemID: "a4", Annotator: "rad2", Text: "fine", At: at(7)},
	} {
		_, err := s.SaveNote(ctx, n)
		require.NoError(t, err)
	}
	return s
}

const wantJSONL = `{"id":"a1","image":"img/a1.png","draft":"Cardiomegaly. No pneumothorax.","status":"done","error":"","salvaged":true,"urgent":true,"urgent_findings":null,` +
	`"findings":[{"label":"pneumothorax","box_2d":[0.1,0.5,0.4,0.9]}],` +
	`"draft_labels":[{"label":"cardiomegaly","status":"present","span":"Cardiomegaly"},{"label":"pneumothorax","status":"absent","span":"No pneumothorax"}],` +
	`"disagreements":[` +
	`{"label":"pneumothorax","kind":"contradicted_by_image","urgent":true,"draft_spans":["No pneumothorax"],"boxes":[[0.1,0.5,0.4,0.9]],"draft_in_doubt":false,"stale":false,` +
	`"verdicts":[{"annotator":"rad1","decision":"image_right","at":"2026-02-03T10:02:00Z"},{"annotator":"rad2","decision":"unsure","at":"2026-02-03T10:03:00Z"}]},` +
	`{"label":"cardiomegaly","kind":"unsupported_by_image","urgent":false,"draft_spans":["Cardiomegaly","heart, enlarged"],"boxes":[],"draft_in_doubt":true,"stale":false,"verdicts":[]},` +
	`{"label":"nodule_mass","kind":"missed_in_draft","urgent":false,"draft_spans":[],"boxes":[],"draft_in_doubt":false,"stale":true,` +
	`"verdicts":[{"annotator":"rad1","decision":"both_wrong","at":"2026-02-03T10:04:00Z"}]}],` +
	`"draft_in_doubt":true,"draft_doubts":[{"label":"cardiomegaly","model":"present","model_spans":["Cardiomegaly"],"rules":"silent","rules_spans":[]}],` +
	`"rule_labels":[{"label":"pneumothorax","status":"absent","span":"No pneumothorax"}],` +
	`"notes":[{"annotator":"rad1","text":"apex, see lateral","at":"2026-02-03T10:05:00Z"},{"annotator":"rad3","text":"teaching case","at":"2026-02-03T10:06:00Z"}],` +
	`"provenance":{"grounding":{"model":"medgemma:4b","model_digest":"sha256:m1","prompt_digest":"sha256:p1","options":{"seed":42},"key":"g1"},` +
	`"draft":{"model":"medgemma:27b","model_digest":"sha256:m2","prompt_digest":"sha256:p2","options":{"seed":42},"key":"d1"}}}
{"id":"a2","image":"img/a2.png","draft":"Clear lungs.","status":"error","error":"grounding: HTTP 500","salvaged":false,"urgent":null,"urgent_findings":null,` +
	`"findings":[],"draft_labels":[],"disagreements":[],"draft_in_doubt":false,"draft_doubts":[],"rule_labels":[],"notes":[],` +
	`"provenance":{"grounding":{"model":"medgemma:4b","model_digest":"sha256:m1","prompt_digest":"sha256:p1","options":{"seed":42},"key":"g2"},"draft":null}}
{"id":"a3","image":"img/a3.png","draft":"Pending, \"quoted\", case.","status":"pending","error":"","salvaged":false,"urgent":null,"urgent_findings":null,` +
	`"findings":[],"draft_labels":[],"disagreements":[],"draft_in_doubt":false,"draft_doubts":[],"rule_labels":[],"notes":[],"provenance":{"grounding":null,"draft":null}}
{"id":"a4","image":"img/a4.png","draft":"Normal.","status":"done","error":"","salvaged":false,"urgent":false,"urgent_findings":null,` +
	`"findings":[],"draft_labels":[],"disagreements":[],"draft_in_doubt":false,"draft_doubts":[],"rule_labels":[],"notes":[{"annotator":"rad2","text":"fine","at":"2026-02-03T10:07:00Z"}],` +
	`"provenance":{"grounding":null,"draft":null}}
`

const wantCSV = `id,image,status,urgent,label,kind,disagreement_urgent,draft_spans,boxes,annotator,decision,decided_at,note,error,stale,draft_in_doubt,disagreement_draft_in_doubt,run_a,run_b,difference_key,preference,preference_note,disagreement_note,study,role
a1,img/a1.png,done,true,pneumothorax,contradicted_by_image,true,No pneumothorax,"[[0.1,0.5,0.4,0.9]]",rad1,image_right,2026-02-03T10:02:00Z,"apex, see lateral",,false,true,false,,,,,,,,
a1,img/a1.png,done,true,pneumothorax,contradicted_by_image,true,No pneumothorax,"[[0.1,0.5,0.4,0.9]]",rad2,unsure,2026-02-03T10:03:00Z,,,false,true,false,,,,,,,,
a1,img/a1.png,done,true,cardiomegaly,unsupported_by_image,false,"Cardiomegaly | heart, enlarged",[],,,,,,false,true,true,,,,,,,,
a1,img/a1.png,done,true,nodule_mass,missed_in_draft,false,,[],rad1,both_wrong,2026-02-03T10:04:00Z,"apex, see lateral",,true,true,false,,,,,,,,
a1,img/a1.png,done,true,,,,,,rad3,,,teaching case,,,true,,,,,,,,,
a2,img/a2.png,error,,,,,,,,,,,grounding: HTTP 500,,,,,,,,,,,
a3,img/a3.png,pending,,,,,,,,,,,,,,,,,,,,,,
a4,img/a4.png,done,false,,,,,,rad2,,,fine,,,false,,,,,,,,,
`

func TestExportGolden(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		s := exportFixture(t, be)
		tests := []struct{ format, want string }{
			{"jsonl", wantJSONL},
			{"csv", wantCSV},
		}
		for _, tt := range tests {
			t.Run(tt.format, func(t *testing.T) {
				var buf bytes.Buffer
				require.NoError(t, s.Export(context.Background(), &buf, tt.format))
				assert.Equal(t, tt.want, buf.String())
			})
		}
	})
}

func TestExportParsesBack(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		s := exportFixture(t, be)
		var buf bytes.Buffer
		require.NoError(t, s.Export(context.Background(), &buf, "jsonl"))
		lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
		require.Len(t, lines, 4)
		for i, l := range lines {
			var m map[string]any
			require.NoError(t, json.Unmarshal([]byte(l), &m), "line %d", i+1)
		}

		buf.Reset()
		require.NoError(t, s.Export(context.Background(), &buf, "csv"))
		recs, err := csv.NewReader(&buf).ReadAll()
		require.NoError(t, err)
		for i, r := range recs {
			assert.Len(t, r, len(recs[0]), "row %d", i)
		}
	})
}

func TestExportEmptyAndErrors(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		s := be.open(t)
		var buf bytes.Buffer
		require.NoError(t, s.Export(context.Background(), &buf, "jsonl"))
		assert.Empty(t, buf.String())
		require.NoError(t, s.Export(context.Background(), &buf, "csv"))
		assert.Equal(t, "id,image,status,urgent,label,kind,disagreement_urgent,draft_spans,boxes,annotator,decision,decided_at,note,error,stale,draft_in_doubt,disagreement_draft_in_doubt,run_a,run_b,difference_key,preference,preference_note,disagreement_note,study,role\n", buf.String())

		err := s.Export(context.Background(), &buf, "xlsx")
		require.ErrorIs(t, err, store.ErrInvalid)
		assert.Contains(t, err.Error(), `"xlsx" is not one of jsonl, csv`)

		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		require.ErrorIs(t, s.Export(ctx, &buf, "csv"), context.Canceled)

		require.NoError(t, s.PutItems(context.Background(), []audit.ItemRecord{{ID: "a"}}))
		err = s.Export(context.Background(), failWriter{}, "jsonl")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "disk full")
	})
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errDiskFull }

var errDiskFull = &diskFullError{}

type diskFullError struct{}

func (*diskFullError) Error() string { return "disk full" }

// An urgent finding the draft agrees with is exported with the report's
// urgent findings and as a review row of kind "urgent" carrying its
// verdict (not stale); the finding keeps the model's confidence and
// evidence. Synthetic data.
func TestExportUrgentConfirm(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		s := be.open(t, store.WithClock(fixedClock))
		require.NoError(t, s.PutItems(ctx, []audit.ItemRecord{{ID: "u1", Image: "img/u1.png", Draft: "Small left pneumothorax."}}))
		box := schema.Box{Y0: 0.1, X0: 0.1, Y1: 0.3, X1: 0.35}
		conf := 0.8
		findings := []schema.Finding{{Label: schema.Pneumothorax, Box: &box, Confidence: &conf, Evidence: "pleural line"}}
		labels := []schema.DraftLabel{{Label: schema.Pneumothorax, Status: schema.StatusPresent, Span: "Small left pneumothorax"}}
		require.NoError(t, s.PutStage(ctx, audit.StageRecord{Key: "g", Stage: audit.StageGrounding, ItemID: "u1", Model: "m", Findings: findings}))
		require.NoError(t, s.PutStage(ctx, audit.StageRecord{Key: "d", Stage: audit.StageDraft, ItemID: "u1", Model: "m", Labels: labels}))
		// As compare.Compare reports it.
		rep := audit.Report{Urgent: true, Disagreements: []audit.Disagreement{}, UrgentFindings: []audit.UrgentFinding{
			{Label: schema.Pneumothorax, Boxes: []schema.Box{box}, DraftAgrees: true, DraftSpans: []string{"Small left pneumothorax"}}}}
		require.NoError(t, s.PutResult(ctx, audit.ResultRecord{ItemID: "u1", GroundingKey: "g", DraftKey: "d", Report: &rep}))
		_, err := s.SaveVerdict(ctx, audit.Verdict{ItemID: "u1", DisagreementKey: "pneumothorax/urgent", Label: schema.Pneumothorax,
			Kind: audit.UrgentConfirm, Decision: audit.ImageRight, Annotator: "rad1", At: time.Date(2026, 2, 3, 10, 1, 0, 0, time.UTC)})
		require.NoError(t, err)

		var buf bytes.Buffer
		require.NoError(t, s.Export(ctx, &buf, "jsonl"))
		line := buf.String()
		assert.Contains(t, line, `"urgent":true,"urgent_findings":[{"label":"pneumothorax","boxes":[[0.1,0.1,0.3,0.35]],"draft_agrees":true,"draft_spans":["Small left pneumothorax"]}]`)
		assert.Contains(t, line, `"findings":[{"label":"pneumothorax","box_2d":[0.1,0.1,0.3,0.35],"confidence":0.8,"evidence":"pleural line"}]`)
		assert.Contains(t, line, `"disagreements":[{"label":"pneumothorax","kind":"urgent","urgent":true,"draft_spans":["Small left pneumothorax"],"boxes":[[0.1,0.1,0.3,0.35]],"draft_in_doubt":false,"stale":false,`+
			`"verdicts":[{"annotator":"rad1","decision":"image_right","at":"2026-02-03T10:01:00Z"}]}]`)

		buf.Reset()
		require.NoError(t, s.Export(ctx, &buf, "csv"))
		assert.Contains(t, buf.String(), "u1,img/u1.png,done,true,pneumothorax,urgent,true,Small left pneumothorax,\"[[0.1,0.1,0.3,0.35]]\",rad1,image_right,2026-02-03T10:01:00Z,,,false")

		sums := map[string]audit.ResultSummary{}
		require.NoError(t, s.ResultSummaries(ctx, func(r audit.ResultSummary) error { sums[r.ItemID] = r; return nil }))
		assert.Equal(t, audit.ResultSummary{ItemID: "u1", Status: audit.StatusDone, Urgent: true, Disagreements: 1}, sums["u1"],
			"the summary counts the row to confirm")
	})
}
