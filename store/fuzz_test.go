package store_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// FuzzExportRoundTrip stores arbitrary text (IDs, paths, drafts, spans,
// notes, as a careless worklist could hold) and checks that both export
// formats parse back to exactly that text: quoting, commas, newlines and
// quotes never shift a column or break a line.
func FuzzExportRoundTrip(f *testing.F) {
	f.Add("a1", "img/a1.png", "No acute findings.", "small, left", "note")
	f.Add("a,\"2\"", "dir with space/x.png", "line1\nline2\r\n", " | ", "\"quoted\", note\n")
	f.Add("é", "", "", "", "")
	s := openTemp(f)
	var n atomic.Int64
	f.Fuzz(func(t *testing.T, id, image, draft, span, note string) {
		if id == "" || !utf8.ValidString(id+image+draft+span+note) {
			t.Skip("the store keeps bytes, JSON needs UTF-8; IDs are never empty")
		}
		ctx := context.Background()
		// Every input gets rows of its own in the shared store.
		id = fmt.Sprintf("%d:%s", n.Add(1), id)
		require.NoError(t, s.PutItems(ctx, []audit.ItemRecord{{ID: id, Image: image, Draft: draft, Seq: int(n.Load())}}))
		require.NoError(t, s.PutResult(ctx, audit.ResultRecord{ItemID: id, Report: &audit.Report{Disagreements: []audit.Disagreement{
			{Label: schema.Cardiomegaly, Kind: audit.UnsupportedByImage, DraftSpans: []string{span}, Boxes: []schema.Box{}},
		}}}))
		_, err := s.SaveNote(ctx, audit.Note{ItemID: id, Annotator: "rad1", Text: note})
		require.NoError(t, err)

		var buf bytes.Buffer
		require.NoError(t, s.Export(ctx, &buf, "jsonl"))
		found := false
		for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
			var got struct {
				ID, Image, Draft string
				Disagreements    []struct {
					DraftSpans []string `json:"draft_spans"`
				}
				Notes []struct{ Text string }
			}
			require.NoError(t, json.Unmarshal([]byte(line), &got), "one object per line")
			if got.ID != id {
				continue
			}
			found = true
			require.Equal(t, image, got.Image)
			require.Equal(t, draft, got.Draft)
			require.Equal(t, []string{span}, got.Disagreements[0].DraftSpans)
			if note == "" {
				require.Empty(t, got.Notes, "an empty note clears")
			} else {
				require.Equal(t, note, got.Notes[0].Text)
			}
		}
		require.True(t, found, "item %q exported", id)

		buf.Reset()
		require.NoError(t, s.Export(ctx, &buf, "csv"))
		r := csv.NewReader(&buf)
		recs, err := r.ReadAll()
		require.NoError(t, err)
		found = false
		for _, rec := range recs[1:] {
			require.Len(t, rec, len(recs[0]))
			if rec[0] != id || rec[4] == "" {
				continue
			}
			found = true
			// encoding/csv reads \r\n inside a quoted field back as \n.
			require.Equal(t, strings.ReplaceAll(image, "\r\n", "\n"), rec[1])
			require.Equal(t, strings.ReplaceAll(span, "\r\n", "\n"), rec[7])
		}
		require.True(t, found, "item %q in the CSV", id)
	})
}
