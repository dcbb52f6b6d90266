package worklist

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

func readAllTruth(t *testing.T, path string, opts ...Option) ([]TruthRow, TruthCounts, []string, error) {
	t.Helper()
	var rows []TruthRow
	var warnings []string
	c, err := ReadTruth(context.Background(), path, func(r TruthRow) error {
		rows = append(rows, r)
		return nil
	}, func(w string) { warnings = append(warnings, w) }, opts...)
	return rows, c, warnings, err
}

// TestReadTruth: the truth is read wherever it is kept: a truth file, a
// CSV worklist's truth column, a JSONL worklist's truth key.
func TestReadTruth(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"a.png":       "x",
		"truth.jsonl": "{\"id\":\"a\",\"findings\":[{\"label\":\"PTX\",\"box_2d\":[0,0,500,500]}]}\n\n{\"id\":\"b\",\"findings\":[]}\n",
		"cases.csv": "id,image,draft,truth\n" +
			"a,a.png,Normal.,\"[{\"\"label\"\":\"\"pneumothorax\"\"}]\"\n" +
			"b,a.png,Normal.,\n" +
			"c,missing.png,Normal.,[]\n",
		"cases.jsonl": `{"id":"a","image":"a.png","draft":"Normal.","truth":[]}` + "\n",
		"nothing.csv": "id,image,draft\na,a.png,Normal.\n",
	})
	tests := []struct {
		file      string
		wantIDs   []string
		wantCount TruthCounts
		warnings  int
	}{
		{"truth.jsonl", []string{"a", "b"}, TruthCounts{Rows: 2}, 0},
		{"cases.csv", []string{"a"}, TruthCounts{Worklist: true, Rows: 1, WithoutTruth: 1, Problems: 1}, 1},
		{"cases.jsonl", []string{"a"}, TruthCounts{Worklist: true, Rows: 1}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			rows, c, warnings, err := readAllTruth(t, filepath.Join(dir, tt.file))
			require.NoError(t, err)
			var ids []string
			for _, r := range rows {
				ids = append(ids, r.ID)
				assert.Positive(t, r.Line)
			}
			assert.Equal(t, tt.wantIDs, ids)
			assert.Equal(t, tt.wantCount, c)
			assert.Len(t, warnings, tt.warnings)
		})
	}
	rows, _, _, err := readAllTruth(t, filepath.Join(dir, "truth.jsonl"))
	require.NoError(t, err)
	assert.Equal(t, []schema.Finding{{Label: schema.Pneumothorax, Box: &schema.Box{Y0: 0, X0: 0, Y1: 0.5, X1: 0.5}}}, rows[0].Findings, "0-1000 boxes and spellings")

	_, _, _, err = readAllTruth(t, filepath.Join(dir, "nothing.csv"))
	require.ErrorIs(t, err, ErrNoTruth)
	_, _, _, err = readAllTruth(t, filepath.Join(dir, "nope.jsonl"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestReadTruthJSONLErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"not JSON", "{\"id\":\"a\",\"findings\":[]}\n{oops\n", "t:2:"},
		{"no id", `{"findings":[]}`, `t:1: missing or empty "id"`},
		{"no findings", `{"id":"a"}`, `t:1: item "a": missing "findings" (use [] for none)`},
		{"null findings", `{"id":"a","findings":null}`, `t:1: item "a": missing "findings"`},
		{"junk findings", `{"id":"a","findings":"normal"}`, `t:1: item "a": findings:`},
		{"duplicate", "{\"id\":\"a\",\"findings\":[]}\n{\"id\":\"a\",\"findings\":[]}", `t:2: duplicate id "a" (first on line 1)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ReadTruthJSONL(context.Background(), strings.NewReader(tt.in), "t", func(TruthRow) error { return nil }, nil)
			require.ErrorContains(t, err, tt.want)
		})
	}
	stop := errors.New("stop")
	err := ReadTruthJSONL(context.Background(), strings.NewReader(`{"id":"a","findings":[]}`), "t", func(TruthRow) error { return stop }, nil)
	require.ErrorIs(t, err, stop)

	var warnings []string
	require.NoError(t, ReadTruthJSONL(context.Background(), strings.NewReader(`{"id":"a","findings":[{"label":"pneumothorax","box_2d":[0.5,0.5,0.1,0.1]},{"label":"bogus"}]}`), "t",
		func(TruthRow) error { return nil }, func(w string) { warnings = append(warnings, w) }))
	require.NotEmpty(t, warnings, "a repaired or dropped truth finding is a warning")
	assert.Contains(t, warnings[0], `t:1: item "a":`)
}

// FuzzReadTruthJSONL: the truth reader never panics, and what it accepts
// is usable: ids, canonical labels, valid boxes.
func FuzzReadTruthJSONL(f *testing.F) {
	f.Add([]byte("{\"id\":\"a\",\"findings\":[{\"label\":\"pneumothorax\",\"box_2d\":[0,0,0.5,0.5]}]}\n{\"id\":\"b\",\"findings\":[]}\n"))
	f.Add([]byte(`{"id":"a","findings":[{"label":"ptx","box_2d":[1e308,0,-1,5]}]}`))
	f.Add([]byte("\xef\xbb\xbf{\"id\":\"\",\"findings\":null}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = ReadTruthJSONL(context.Background(), strings.NewReader(string(data)), "f", func(r TruthRow) error {
			require.NotEmpty(t, r.ID)
			for _, fd := range r.Findings {
				require.True(t, fd.Label.Valid(), fd.Label)
				if fd.Box != nil {
					require.True(t, fd.Box.Valid(), "%+v", *fd.Box)
				}
			}
			return nil
		}, nil)
	})
}

// A corrected truth file (export --truth) starts with a provenance line:
// it is a truth file, and the line is skipped; anywhere else it is an
// error.
func TestReadTruthProvenance(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "corrected.jsonl")
	require.NoError(t, os.WriteFile(p, []byte(`{"provenance":{"tool":"cxr-auditor export --truth","corrections":1}}
{"id":"a","findings":[{"label":"pneumothorax"}]}
`), 0o644))
	rows, c, _, err := readAllTruth(t, p)
	require.NoError(t, err)
	assert.False(t, c.Worklist)
	require.Len(t, rows, 1)
	assert.Equal(t, "a", rows[0].ID)
	assert.Equal(t, 2, rows[0].Line)

	err = ReadTruthJSONL(context.Background(), strings.NewReader(`{"id":"a","findings":[]}
{"provenance":{}}
`), "x.jsonl", func(TruthRow) error { return nil }, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "x.jsonl:2")
}
