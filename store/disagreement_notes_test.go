package store_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// A note on one disagreement is kept apart from the item's note: each is
// the latest of its own (item, annotator, disagreement), a reopen reads
// both back, and the export carries both (JSONL: the disagreement's key;
// CSV: the disagreement_note column of its row). Synthetic data.
func TestDisagreementNotesRoundTrip(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		s := exportFixture(t, be)
		at := func(m int) time.Time { return time.Date(2026, 2, 3, 11, m, 0, 0, time.UTC) }
		for _, n := range []audit.Note{
			{ItemID: "a1", Annotator: "rad1", Text: "first try", At: at(1), Disagreement: "pneumothorax/contradicted_by_image"},
			{ItemID: "a1", Annotator: "rad1", Text: "apical lucency, check", At: at(2), Disagreement: "pneumothorax/contradicted_by_image"},
			{ItemID: "a1", Annotator: "rad2", Text: "heart fine", At: at(3), Disagreement: "cardiomegaly/unsupported_by_image"},
		} {
			_, err := s.SaveNote(ctx, n)
			require.NoError(t, err)
		}

		ns, err := s.Notes(ctx, "a1", "rad1")
		require.NoError(t, err)
		require.Len(t, ns, 2)
		assert.Equal(t, [2]string{"", "apex, see lateral"}, [2]string{ns[0].Disagreement, ns[0].Text}, "the item note is untouched")
		assert.Equal(t, [2]string{"pneumothorax/contradicted_by_image", "apical lucency, check"}, [2]string{ns[1].Disagreement, ns[1].Text})

		var buf bytes.Buffer
		require.NoError(t, s.Export(ctx, &buf, "jsonl"))
		assert.Contains(t, buf.String(), `{"annotator":"rad1","text":"apical lucency, check","at":"2026-02-03T11:02:00Z","disagreement":"pneumothorax/contradicted_by_image"}`)
		assert.NotContains(t, buf.String(), "first try")

		buf.Reset()
		require.NoError(t, s.Export(ctx, &buf, "csv"))
		recs, err := csv.NewReader(&buf).ReadAll()
		require.NoError(t, err)
		col := map[string]int{}
		for i, h := range recs[0] {
			col[h] = i
		}
		got := map[string]string{}
		for _, r := range recs[1:] {
			if r[col["disagreement_note"]] != "" {
				got[r[col["label"]]+"|"+r[col["annotator"]]+"|"+r[col["decision"]]] = r[col["disagreement_note"]]
			}
		}
		assert.Equal(t, map[string]string{
			"pneumothorax|rad1|image_right": "apical lucency, check", // on the row of rad1's verdict
			"cardiomegaly|rad2|":            "heart fine",            // a note and no verdict: a row of its own
		}, got)
	})
}
