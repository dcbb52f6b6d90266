package labeler

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// TestCorpus: on the project's corpus (testdata/drafts, synthetic) the
// rules reach the bar, on each part and overall: cell accuracy at
// least 0.97 and F1 at least 0.9 for present, absent and uncertain.
func TestCorpus(t *testing.T) {
	rs := mustDefault(t)
	var all Score
	for _, part := range []string{"dev", "heldout"} {
		f, err := os.Open("../testdata/drafts/" + part + ".jsonl")
		require.NoError(t, err)
		cases, err := ReadCases(f)
		f.Close()
		require.NoError(t, err)
		var s Score
		for _, c := range cases {
			s.Add(c.Gold, CellsOf(rs.Label(c.Draft)))
		}
		checkBar(t, part, &s)
		all.Merge(s)
	}
	require.Equal(t, 290, all.Drafts)
	checkBar(t, "all", &all)
}

func checkBar(t *testing.T, name string, s *Score) {
	t.Helper()
	require.GreaterOrEqual(t, s.Accuracy(), 0.97, "%s accuracy", name)
	for _, st := range []schema.Status{P, A, U} {
		require.GreaterOrEqual(t, s.Status(st, -1).F1, 0.9, "%s F1 %s", name, st)
	}
}

// TestScoreArithmetic checks precision, recall and F1 on a hand-counted
// table.
func TestScoreArithmetic(t *testing.T) {
	var s Score
	gold := cellsFor(map[schema.Label]schema.Status{pe: P, ptx: A, op: U})
	s.Add(gold, cellsFor(map[schema.Label]schema.Status{pe: P, ptx: U, op: U, nf: P}))
	s.Add(gold, gold)
	total, correct := s.Cells()
	require.Equal(t, 12, total)
	require.Equal(t, 10, correct)
	// uncertain: 2 true (op twice), 1 false positive (ptx), no miss
	u := s.Status(U, -1)
	require.Equal(t, PRF{Precision: 2.0 / 3, Recall: 1, F1: 0.8, Support: 2, Predicted: 3}, u)
	// absent: 1 of 2 found, no false positive
	a := s.Status(A, -1)
	require.InDelta(t, 1.0, a.Precision, 1e-12)
	require.InDelta(t, 0.5, a.Recall, 1e-12)
	// the per-label table of pneumothorax sees only its own cells
	require.Equal(t, 2, s.Status(A, 1).Support)
	require.Equal(t, 0, s.Status(A, 0).Support)
	var m Score
	m.Merge(s)
	m.Merge(s)
	require.Equal(t, 4, m.Drafts)
	require.Equal(t, 2*s.Confusion[1][2], m.Confusion[1][2])
}

// TestCellsOf folds as the comparator folds and ignores what is not in the
// vocabulary.
func TestCellsOf(t *testing.T) {
	got := CellsOf([]schema.DraftLabel{
		{Label: pe, Status: A}, {Label: pe, Status: P}, {Label: pe, Status: U},
		{Label: ptx, Status: A}, {Label: ptx, Status: U},
		{Label: "pneumonia", Status: P}, {Label: cm, Status: "maybe"},
	})
	require.Equal(t, cellsFor(map[schema.Label]schema.Status{pe: P, ptx: U}), got)
}

// TestReadCases reads gold lines and names the line of each mistake.
func TestReadCases(t *testing.T) {
	ok := `{"id":"a","draft":"No PTX.","gold":{"pneumothorax":"absent","no_finding":"silent"}}

{"id":"b","draft":"","style":"terse"}`
	cases, err := ReadCases(strings.NewReader(ok))
	require.NoError(t, err)
	require.Len(t, cases, 2)
	require.Equal(t, cellsFor(map[schema.Label]schema.Status{ptx: A}), cases[0].Gold)
	require.Equal(t, "terse", cases[1].Style)

	tests := []struct{ text, want string }{
		{`{"id":"a","draft":"x"}` + "\n" + `not json`, "line 2: not a JSON object"},
		{`{"draft":"x"}`, `line 1: no "id"`},
		{`{"id":"a"}`, `line 1: id "a": no "draft"`},
		{`{"id":"a","draft":"x","gold":{"effusion":"present"}}`, `gold label "effusion" is not canonical`},
		{`{"id":"a","draft":"x","gold":{"pneumothorax":"yes"}}`, `gold status "yes" for pneumothorax`},
		{`{"id":"a","draft":"x"}` + "\n" + `{"id":"a","draft":"y"}`, `line 2: id "a" already on line 1`},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			_, err := ReadCases(strings.NewReader(tt.text))
			require.ErrorContains(t, err, tt.want)
		})
	}
}

// FuzzReadCases: the gold reader never panics; what it returns has an id
// and canonical cells.
func FuzzReadCases(f *testing.F) {
	f.Add(`{"id":"a","draft":"No PTX.","gold":{"pneumothorax":"absent"}}`)
	f.Add("{\"id\":\"a\",\"draft\":\"x\"}\n\n{\"id\":\"b\",\"draft\":\"y\",\"gold\":null}")
	f.Fuzz(func(t *testing.T, text string) {
		cases, err := ReadCases(strings.NewReader(text))
		if err != nil {
			return
		}
		for _, c := range cases {
			require.NotEmpty(t, c.ID)
			for _, s := range c.Gold {
				require.True(t, s.Valid() || s == Silent)
			}
		}
	})
}
