package worklist

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHostileWorklistTyposAreWarned: a CSV header "truht" and a JSONL
// key "drafft" passed silently (the truth ignored; the row reported only
// as "empty draft"). Each is now a warning naming the file and line, with
// the key it is probably a typo of.
func TestHostileWorklistTyposAreWarned(t *testing.T) {
	cases := []struct {
		name, file, body string
		want             []string
	}{
		{"csv truht", "wl.csv", "id,image,draft,truht\na,a.png,No effusion.,[]\n",
			[]string{`wl.csv:1: unknown column "truht" is ignored (did you mean "truth"?)`}},
		{"csv unrelated column", "wl.csv", "id,image,draft,site\na,a.png,No effusion.\n",
			[]string{`wl.csv:1: unknown column "site" is ignored; the known ones are id, image, draft, draft_file, truth`}},
		{"jsonl drafft", "wl.jsonl", `{"id":"a","image":"a.png","draft":"x"}` + "\n" + `{"id":"b","image":"a.png","drafft":"x"}` + "\n" + `{"id":"c","image":"a.png","drafft":"y"}` + "\n",
			[]string{`wl.jsonl:2: unknown key "drafft" is ignored (did you mean "draft"?)`}},
		{"jsonl Image", "wl.jsonl", `{"id":"a","imgae":"a.png","draft":"x"}` + "\n",
			[]string{`(did you mean "image"?)`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{"a.png": "\x89PNG", tc.file: tc.body})
			p := filepath.Join(dir, tc.file)
			wl, _ := Load(context.Background(), p)
			require.Len(t, wl.Warnings, len(tc.want), "%v", wl.Warnings)
			for i, w := range tc.want {
				assert.Contains(t, wl.Warnings[i].Error(), w)
			}
			var streamed []Warning
			_, _ = Scan(context.Background(), p, func(audit.Item) error { return nil }, nil, OnWarning(func(w Warning) { streamed = append(streamed, w) }))
			assert.Equal(t, wl.Warnings, streamed, "Scan reports the same")
		})
	}
}

// TestHostileTruthErrorsInProjectWords: a bad truth value showed Go's
// "json: cannot unmarshal string into Go value of type []schema.Finding".
func TestHostileTruthErrorsInProjectWords(t *testing.T) {
	cases := []struct{ truth, want string }{
		{`"pneumothorax"`, "truth: the value is a JSON string; want a JSON array of findings"},
		{`[{"label":"pneumothorax","box_2d":"top"}]`, `truth: box_2d: want a JSON array [y0,x0,y1,x1]`},
		{`[{"lable":"pneumothorax"}]`, `truth: unknown key "lable" in a finding (did you mean "label"?)`},
		{`[{"label":"pneumothorax"`, "truth: not valid JSON"},
	}
	for _, tc := range cases {
		_, err := parseTruth([]byte(tc.truth))
		require.Error(t, err, tc.truth)
		assert.Contains(t, err.Error(), tc.want)
		assert.NotContains(t, err.Error(), "Go value")
		assert.NotContains(t, err.Error(), "json:")
	}
}

// TestLimitAndOnlyIDs: run had no way to smoke-test a subset of a large
// worklist; Limit keeps the first n good rows and stops reading, OnlyIDs
// keeps the named ones and warns of ids no row has.
func TestLimitAndOnlyIDs(t *testing.T) {
	dir := t.TempDir()
	body := "id,image,draft\n"
	for _, id := range []string{"a", "b", "c", "d"} {
		body += id + ",a.png,No effusion.\n"
	}
	writeFiles(t, dir, map[string]string{"a.png": "\x89PNG", "wl.csv": body})
	p := filepath.Join(dir, "wl.csv")
	ctx := context.Background()

	wl, err := Load(ctx, p, Limit(2))
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, ids(wl.Items))
	assert.Equal(t, map[string]int{"a": 0, "b": 1}, indexMap(wl))

	wl, err = Load(ctx, p, OnlyIDs([]string{"d", "b", "zz"}))
	require.NoError(t, err)
	assert.Equal(t, []string{"b", "d"}, ids(wl.Items))
	assert.Equal(t, map[string]int{"b": 0, "d": 1}, indexMap(wl))
	require.Len(t, wl.Warnings, 1)
	assert.Equal(t, p+`: 1 of the --ids are in no good row: ["zz"]`, wl.Warnings[0].Error())

	n, err := Scan(ctx, p, func(audit.Item) error { return nil }, nil, OnlyIDs([]string{"c", "d"}), Limit(1))
	require.NoError(t, err)
	assert.Equal(t, 1, n.Items)

	_, err = Load(ctx, p, OnlyIDs([]string{"nope"}))
	require.ErrorIs(t, err, ErrNoItems)
	assert.Contains(t, err.Error(), "no row has one of the 1 --ids")
}
