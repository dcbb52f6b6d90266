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
