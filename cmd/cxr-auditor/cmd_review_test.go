package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/store"
)

func TestReviewUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no worklist", []string{"review"}, "review takes one WORKLIST, got 0"},
		{"two worklists", []string{"review", "a.csv", "b.csv"}, "got 2"},
		{"bad graphics", []string{"review", "--graphics", "png", "a.csv"}, "--graphics"},
		{"bad urgent", []string{"review", "--urgent", "pneumo", "a.csv"}, `"--urgent" flag: unknown label "pneumo"`},
		{"negative prefetch", []string{"review", "--prefetch", "-1", "a.csv"}, "--prefetch"},
		{"zero jobs", []string{"review", "--jobs", "0", "a.csv"}, "--jobs"},
		{"bad host", []string{"review", "--ollama", "ftp://x", "a.csv"}, "--ollama"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := invokeMain(t, "", tt.args...)
			assert.Equal(t, 2, r.code, "stderr: %s", r.stderr)
			assert.Contains(t, r.stderr, tt.want)
		})
	}
}

func TestReviewMissingWorklist(t *testing.T) {
	r := invokeMain(t, "", "review", "--graphics", "text", filepath.Join(t.TempDir(), "nope.csv"))
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "nope.csv")
}

// TestReviewOpensAndQuits runs the whole command without a terminal: the
// workstation opens on a synthetic worklist against a synthetic Ollama,
// "q" quits, and the summary names the store beside the worklist.
func TestReviewOpensAndQuits(t *testing.T) {
	srv := doctorServer(t)
	img, err := filepath.Abs(filepath.Join("..", "..", "testdata", "phantoms", "phantom-normal.png"))
	require.NoError(t, err)
	wl := writeTemp(t, "worklist.csv", "id,image,draft\nsyn-1,"+img+",No pneumothorax.\nsyn-2,"+img+",\"Bad row, no draft\nsyn-3,/nope.png,Clear.\n")
	r := invokeMain(t, "q", "review", wl, "--ollama", srv.URL(), "--graphics", "text", "--annotator", "tester", "--allow-outside-paths")
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	db := store.DefaultPath(wl)
	assert.Contains(t, r.stdout, "cxr-auditor review: 0 verdicts and 0 notes saved this session as tester · store "+db)
	_, err = os.Stat(db)
	require.NoError(t, err, "the store is created beside the worklist")
	st, err := store.Open(context.Background(), db)
	require.NoError(t, err)
	defer st.Close()
}
