package store_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/store"
	"github.com/cxr-auditor/cxr-auditor/store/export"
)

// The CSV lacked the verdicts' study and role, which the JSONL carries
// (TestStudyVerdictsBelongToTheStudy): an annotator's plain verdict and
// her study verdicts on one disagreement were rows alike. Each verdict row
// now names its study and role, one current verdict per study.
func TestExportCSVStudyAndRole(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		s := be.open(t)
		key := duoStudy(t, s, "first", "second")
		for _, v := range []audit.Verdict{
			{Annotator: "carol", Decision: audit.Unsure},
			{Annotator: "alice", Study: "first", Decision: audit.DraftRight},
			{Annotator: "alice", Study: "first", Decision: audit.ImageRight}, // replaces the one above
			{Annotator: "bob", Study: "first", Decision: audit.ImageRight},
			{Annotator: "alice", Study: "second", Decision: audit.DraftRight},
			{Annotator: "bob", Study: "second", Decision: audit.ImageRight},
			{Annotator: "carol", Study: "second", Decision: audit.BothWrong},
		} {
			v.ItemID, v.DisagreementKey = "c00", key
			_, err := s.SaveVerdict(ctx, v)
			require.NoError(t, err)
		}
		var buf bytes.Buffer
		require.NoError(t, s.Export(ctx, &buf, "csv"))
		recs, err := csv.NewReader(&buf).ReadAll()
		require.NoError(t, err)
		col := map[string]int{}
		for i, h := range recs[0] {
			col[h] = i
		}
		require.Contains(t, col, "study")
		require.Contains(t, col, "role")
		var got []string
		for _, r := range recs[1:] {
			if r[col["id"]] == "c00" {
				got = append(got, strings.Join([]string{r[col["annotator"]], r[col["study"]], r[col["role"]], r[col["decision"]]}, " "))
			}
		}
		assert.ElementsMatch(t, []string{
			"alice first reader image_right", "alice second reader draft_right",
			"bob first reader image_right", "bob second reader image_right",
			"carol   unsure", "carol second adjudicator both_wrong",
		}, got, "the CSV keeps each verdict's study and role, as the JSONL does")
	})
}

// export --raw carried the raw output and thinking of a stage's last try
// only: the tries of the retry ladder before it (the corrective suffix,
// then sampling), kept in the stage record's attempts, were left out. Each
// is now in "attempts", in order, with its own raw output and thinking.
func TestExportRawLadderAttempts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		s := be.open(t)
		require.NoError(t, s.PutItems(ctx, []audit.ItemRecord{{ID: "a1"}, {ID: "a2", Seq: 1}}))
		tries := []audit.Attempt{
			{N: 1, Raw: "I see a chest.", Thinking: "no list?", Done: true, DoneReason: "stop", Error: "no usable findings list"},
			{N: 2, Corrective: true, Raw: "Still prose.", Thinking: "hmm", Done: true, Error: "no usable findings list"},
			{N: 3, Corrective: true, Temperature: 0.7, TopP: 0.9, Seed: 42, Raw: `[{"label":"pneumothorax"}]`, Thinking: "list now", Done: true},
		}
		g := audit.StageRecord{Key: "g1", Stage: audit.StageGrounding, ItemID: "a1", Model: "m", Raw: tries[2].Raw, Thinking: tries[2].Thinking, Attempts: tries}
		d := audit.StageRecord{Key: "d1", Stage: audit.StageDraft, ItemID: "a1", Model: "m", Raw: "[]", Thinking: "once"}
		require.NoError(t, s.PutOutcome(ctx, []audit.StageRecord{g, d}, audit.ResultRecord{ItemID: "a1", GroundingKey: "g1", DraftKey: "d1",
			Report: &audit.Report{}}))

		var buf bytes.Buffer
		require.NoError(t, s.Export(ctx, &buf, "jsonl", store.WithRaw()))
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		require.Len(t, lines, 2)
		var it export.Item
		require.NoError(t, json.Unmarshal([]byte(lines[0]), &it))
		require.NotNil(t, it.Raw)
		require.NotNil(t, it.Raw.Grounding)
		assert.Equal(t, tries[2].Raw, it.Raw.Grounding.Raw)
		assert.Equal(t, "list now", it.Raw.Grounding.Thinking)
		assert.Equal(t, tries, it.Raw.Grounding.Attempts, "every try of the ladder, in order")
		require.NotNil(t, it.Raw.Draft)
		assert.Equal(t, "once", it.Raw.Draft.Thinking)
		assert.Empty(t, it.Raw.Draft.Attempts, "one try: the stage's own output is the only one")
		assert.Contains(t, lines[0], `"attempts":[{"n":1,`)
		assert.Contains(t, lines[0], `"draft":{"raw":"[]","thinking":"once","attempts":[]}`)

		require.NoError(t, json.Unmarshal([]byte(lines[1]), &it))
		assert.Equal(t, &export.RawStages{}, it.Raw, "no records: both stages null")
	})
}
