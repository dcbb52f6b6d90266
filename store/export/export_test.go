package export

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

func TestNewWriterRefusesAnUnknownFormat(t *testing.T) {
	w, err := NewWriter(&bytes.Buffer{}, "xlsx")
	assert.Nil(t, w)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"xlsx"`)
	assert.Contains(t, err.Error(), strings.Join(Formats(), ", "))
}

// The CSV rows of one item: a row per verdict, one for an unadjudicated
// disagreement, and an item-level row for a note without a verdict; every
// cell inert (a formula and an escape sequence from outside text).
func TestCSVWriterRows(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	urgent := true
	it := &Item{ID: "=cmd", Image: "a.png", Status: "done", Urgent: &urgent,
		Disagreements: []Disagreement{
			{Label: schema.Pneumothorax, Kind: audit.MissedInDraft, Urgent: true, DraftSpans: []string{}, Boxes: []schema.Box{{Y0: 0.1, X0: 0.2, Y1: 0.3, X1: 0.4}},
				Verdicts: []Verdict{{Annotator: "ann", Decision: audit.ImageRight, At: at}}},
			{Label: schema.Cardiomegaly, Kind: audit.UnsupportedByImage, DraftSpans: []string{"big \x1b[31mheart"}, Boxes: []schema.Box{}},
		},
		Notes: []Note{{Annotator: "ann", Text: "see prior", At: at}, {Annotator: "bob", Text: "odd", At: at}},
	}
	var b bytes.Buffer
	w, err := NewWriter(&b, "csv")
	require.NoError(t, err)
	require.NoError(t, w.Write(it))
	require.NoError(t, w.Flush())
	recs, err := csv.NewReader(&b).ReadAll()
	require.NoError(t, err)
	require.Len(t, recs, 4, "header, ann's verdict, the open disagreement, bob's note")
	assert.Equal(t, csvHeader, recs[0])
	col := func(rec []string, name string) string {
		for i, h := range csvHeader {
			if h == name {
				return rec[i]
			}
		}
		t.Fatalf("no column %s", name)
		return ""
	}
	assert.Equal(t, "'=cmd", col(recs[1], "id"), "a formula is quoted")
	assert.Equal(t, "image_right", col(recs[1], "decision"))
	assert.Equal(t, "see prior", col(recs[1], "note"))
	assert.Equal(t, "[[0.1,0.2,0.3,0.4]]", col(recs[1], "boxes"))
	assert.Equal(t, "", col(recs[2], "annotator"))
	assert.NotContains(t, col(recs[2], "draft_spans"), "\x1b")
	assert.Equal(t, "bob", col(recs[3], "annotator"))
	assert.Equal(t, "", col(recs[3], "label"))
}
