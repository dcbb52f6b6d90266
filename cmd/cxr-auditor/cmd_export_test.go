package main

// Synthetic data only: no real patient data exist here.

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// exportWorklist makes a worklist file and, beside it, a store with one
// reviewed item and one pending item. It returns the worklist path.
func exportWorklist(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	wl := writeTemp(t, "wl.csv", "id,image,draft\na1,img/a1.png,No pneumothorax.\na2,img/a2.png,Clear.\n")
	clock := func() time.Time { return time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC) }
	s, err := store.Open(ctx, store.DefaultPath(wl), store.WithClock(clock))
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, s.PutItems(ctx, []audit.ItemRecord{
		{ID: "a1", Image: "img/a1.png", Draft: "No pneumothorax.", Seq: 0},
		{ID: "a2", Image: "img/a2.png", Draft: "Clear.", Seq: 1},
	}))
	require.NoError(t, s.PutResult(ctx, audit.ResultRecord{ItemID: "a1", Report: &audit.Report{Urgent: true, Disagreements: []audit.Disagreement{
		{Label: schema.Pneumothorax, Kind: audit.ContradictedByImage, Urgent: true, DraftSpans: []string{"No pneumothorax."}, Boxes: []schema.Box{}},
	}}}))
	_, err = s.SaveVerdict(ctx, audit.Verdict{ItemID: "a1", DisagreementKey: "pneumothorax/contradicted_by_image", Decision: audit.ImageRight, Annotator: "rad1"})
	require.NoError(t, err)
	return wl
}

const wantExportCSV = `id,image,status,urgent,label,kind,disagreement_urgent,draft_spans,boxes,annotator,decision,decided_at,note,error,stale,draft_in_doubt,disagreement_draft_in_doubt,run_a,run_b,difference_key,preference,preference_note,disagreement_note,study,role
a1,img/a1.png,done,true,pneumothorax,contradicted_by_image,true,No pneumothorax.,[],rad1,image_right,2026-02-03T04:05:06Z,,,false,false,false,,,,,,,,
a2,img/a2.png,pending,,,,,,,,,,,,,,,,,,,,,,
`

func TestExportCommand(t *testing.T) {
	wl := exportWorklist(t)
	db := store.DefaultPath(wl)
	out := filepath.Join(filepath.Dir(wl), "out.csv")

	tests := []struct {
		name       string
		args       []string
		wantStdout string
	}{
		{"worklist csv", []string{"export", "--format", "csv", wl}, wantExportCSV},
		{"flags after the worklist", []string{"export", wl, "--format=csv"}, wantExportCSV},
		{"db csv", []string{"export", "--db", db, "--format", "csv"}, wantExportCSV},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := invokeMain(t, "", tt.args...)
			require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
			assert.Equal(t, tt.wantStdout, r.stdout)
			assert.Empty(t, r.stderr)
		})
	}

	t.Run("jsonl by default", func(t *testing.T) {
		r := invokeMain(t, "", "export", wl)
		require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
		lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
		require.Len(t, lines, 2)
		assert.True(t, strings.HasPrefix(lines[0], `{"id":"a1","image":"img/a1.png","draft":"No pneumothorax.","status":"done"`), lines[0])
		assert.Contains(t, lines[0], `"verdicts":[{"annotator":"rad1","decision":"image_right","at":"2026-02-03T04:05:06Z"}]`)
		assert.True(t, strings.HasPrefix(lines[1], `{"id":"a2","image":"img/a2.png","draft":"Clear.","status":"pending"`), lines[1])
	})

	t.Run("out file", func(t *testing.T) {
		r := invokeMain(t, "", "export", "--format", "csv", "--out", out, wl)
		require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
		assert.Empty(t, r.stdout)
		got, err := os.ReadFile(out)
		require.NoError(t, err)
		assert.Equal(t, wantExportCSV, string(got))
		leftovers, err := filepath.Glob(filepath.Join(filepath.Dir(out), ".out.csv.*"))
		require.NoError(t, err)
		assert.Empty(t, leftovers, "no temporary file left behind")
	})
}

func TestExportCommandErrors(t *testing.T) {
	wl := exportWorklist(t)
	dir := t.TempDir()
	lonely := writeTemp(t, "other.jsonl", `{"id":"x"}`+"\n")
	missingDB := filepath.Join(dir, "absent.cxr.db")
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr []string
	}{
		{"no database beside the worklist", []string{"export", lonely}, 1, []string{"no database at", store.DefaultPath(lonely), "run"}},
		{"missing --db", []string{"export", "--db", missingDB}, 1, []string{"no database at", missingDB}},
		{"worklist passed as --db", []string{"export", "--db", wl}, 1, []string{wl, "not an SQLite database"}},
		{"bad format", []string{"export", "--format", "xlsx", wl}, 2, []string{`--format "xlsx"`, "jsonl, csv"}},
		{"nothing named", []string{"export"}, 2, []string{"--db FILE"}},
		{"two worklists", []string{"export", wl, wl}, 2, []string{"at most one WORKLIST"}},
		{"out in a missing directory", []string{"export", "--out", filepath.Join(dir, "nope", "x.csv"), wl}, 1, []string{"nope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := invokeMain(t, "", tt.args...)
			assert.Equal(t, tt.wantCode, r.code, "stderr: %s", r.stderr)
			for _, w := range tt.wantStderr {
				assert.Contains(t, r.stderr, w)
			}
			assert.Empty(t, r.stdout)
		})
	}
	for _, p := range []string{store.DefaultPath(lonely), missingDB} {
		_, err := os.Stat(p)
		assert.True(t, os.IsNotExist(err), "export must not create %s", p)
	}
}
