package export

import (
	"bytes"
	"encoding/csv"
	"slices"
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

// Compare verdicts have rows of their own in the CSV, tidy: the label and
// the difference's kind in their columns, the runs, the key, the
// preference and its note in theirs; every cell inert.
func TestCSVCompareRows(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cv := func(ann, key string, p audit.Preference, note string) CompareVerdict {
		label, _, _ := strings.Cut(key, "/")
		return CompareVerdict{RunA: "v1", RunB: "v2", DifferenceKey: key, Label: schema.Label(label), Preference: p, Note: note, Annotator: ann, At: at}
	}
	tests := []struct {
		name string
		item Item
		want []map[string]string // the rows after the header, by column
	}{
		{"one judgment, no disagreement",
			Item{ID: "a", Status: "done", CompareVerdicts: []CompareVerdict{cv("ann", "pneumothorax/only_b/a-/b0", audit.PreferB, "apex")}},
			[]map[string]string{{"annotator": "ann", "label": "pneumothorax", "kind": "only_b", "run_a": "v1", "run_b": "v2",
				"difference_key": "pneumothorax/only_b/a-/b0", "preference": "b_right", "preference_note": "apex",
				"decided_at": "2026-01-02T03:04:05Z", "decision": ""}}},
		{"beside a verdict and a note; the note on each of the annotator's rows",
			Item{ID: "b", Status: "done",
				Disagreements: []Disagreement{{Label: schema.Cardiomegaly, Kind: audit.MissedInDraft, DraftSpans: []string{}, Boxes: []schema.Box{},
					Verdicts: []Verdict{{Annotator: "ann", Decision: audit.ImageRight, At: at}}}},
				Notes:           []Note{{Annotator: "bob", Text: "odd", At: at}},
				CompareVerdicts: []CompareVerdict{cv("bob", "pleural_effusion/moved/a0/b1", audit.PreferBothWrong, "=1+1")}},
			[]map[string]string{
				{"annotator": "ann", "decision": "image_right", "preference": "", "run_a": ""},
				{"annotator": "bob", "kind": "moved", "preference": "both_wrong", "note": "odd", "preference_note": "'=1+1"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			w, err := NewWriter(&b, "csv")
			require.NoError(t, err)
			require.NoError(t, w.Write(&tt.item))
			require.NoError(t, w.Flush())
			recs, err := csv.NewReader(&b).ReadAll()
			require.NoError(t, err)
			require.Len(t, recs, 1+len(tt.want))
			for r, want := range tt.want {
				for name, v := range want {
					i := slices.Index(csvHeader, name)
					require.GreaterOrEqual(t, i, 0, "column %s", name)
					assert.Equal(t, v, recs[1+r][i], "row %d column %s", r+1, name)
				}
			}
		})
	}
}
