package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/session"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// TestExportWorklistWithDB: export refused a WORKLIST with --db ("give
// either --db or a WORKLIST, not both") while run and review take both.
// Now --db is the store and the worklist the subset exported.
func TestExportWorklistWithDB(t *testing.T) {
	wl := exportWorklist(t)
	db := store.DefaultPath(wl)
	sub := filepath.Join(filepath.Dir(wl), "sub.csv")
	require.NoError(t, os.WriteFile(sub, []byte("id,image,draft\na2,img/a2.png,Clear.\n"), 0o644))
	r := invokeMain(t, "", "export", "--db", db, sub)
	require.Equal(t, 0, r.code, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, lines, 1)
	assert.Contains(t, lines[0], `"id":"a2"`)

	r = invokeMain(t, "", "agreement", "--db", db, sub)
	assert.NotContains(t, r.stderr, "not both")
}

// TestExportRaw: raw model output and thinking reached the screen only;
// export --raw carries each stage's, for pandas.
func TestExportRaw(t *testing.T) {
	wl := exportWorklist(t)
	db := store.DefaultPath(wl)
	ctx := context.Background()
	s, err := store.Open(ctx, db)
	require.NoError(t, err)
	g := audit.StageRecord{Stage: audit.StageGrounding, ItemID: "a2", Key: "gkey", Model: "m", Raw: "I cannot see\nany image.", Thinking: "hmm", Error: "no usable findings list", Deterministic: true}
	require.NoError(t, s.PutOutcome(ctx, []audit.StageRecord{g}, audit.ResultRecord{ItemID: "a2", GroundingKey: "gkey", Error: g.Error}))
	require.NoError(t, s.Close())

	r := invokeMain(t, "", "export", "--raw", wl)
	require.Equal(t, 0, r.code, r.stderr)
	var line struct {
		ID  string `json:"id"`
		Raw *struct {
			Grounding *struct{ Raw, Thinking string } `json:"grounding"`
			Draft     *struct{ Raw, Thinking string } `json:"draft"`
		} `json:"raw"`
	}
	rows := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, rows, 2)
	require.NoError(t, json.Unmarshal([]byte(rows[1]), &line))
	require.NotNil(t, line.Raw)
	require.NotNil(t, line.Raw.Grounding)
	assert.Equal(t, "I cannot see\nany image.", line.Raw.Grounding.Raw)
	assert.Equal(t, "hmm", line.Raw.Grounding.Thinking)
	assert.Nil(t, line.Raw.Draft)

	r = invokeMain(t, "", "export", wl)
	assert.NotContains(t, r.stdout, `"raw"`, "only with --raw")
	r = invokeMain(t, "", "export", "--raw", "--format", "csv", wl)
	assert.NotEqual(t, 0, r.code)
	assert.Contains(t, r.stderr, "JSONL only")
}

// TestExportWorklistOrder: export WORKLIST --db STORE wrote the store's
// order; the worklist gives order and subset, as it does for run and
// review, in JSONL and CSV alike. An id the store does not know is not
// exported, and an id given twice is exported once.
func TestExportWorklistOrder(t *testing.T) {
	wl := exportWorklist(t) // the store holds a1 then a2
	db := store.DefaultPath(wl)
	ctx := context.Background()
	s, err := store.Open(ctx, db)
	require.NoError(t, err)
	require.NoError(t, s.PutItems(ctx, []audit.ItemRecord{{ID: "a3", Image: "img/a3.png", Draft: "Clear.", Seq: 2}}))
	require.NoError(t, s.Close())
	sub := filepath.Join(t.TempDir(), "sub.csv")
	require.NoError(t, os.WriteFile(sub, []byte("id,image,draft\na3,img/a3.png,Clear.\nzz,img/zz.png,Unknown.\na1,img/a1.png,No pneumothorax.\na3,img/a3.png,Twice.\n"), 0o644))

	tests := []struct {
		format string
		id     func(line string) string
	}{
		{"jsonl", func(line string) string {
			var it struct{ ID string }
			require.NoError(t, json.Unmarshal([]byte(line), &it), line)
			return it.ID
		}},
		{"csv", func(line string) string { id, _, _ := strings.Cut(line, ","); return id }},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			r := invokeMain(t, "", "export", "--format", tt.format, "--db", db, sub)
			require.Equal(t, 0, r.code, r.stderr)
			lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
			if tt.format == "csv" {
				lines = lines[1:]
			}
			var ids []string
			for _, l := range lines {
				ids = append(ids, tt.id(l))
			}
			assert.Equal(t, []string{"a3", "a1"}, ids, r.stdout)
		})
	}
}

// TestExportWorklistOrderFromEnv: with the store named by $CXR_AUDITOR_DB,
// a WORKLIST is the subset and order too (it was ignored: the whole store
// was exported).
func TestExportWorklistOrderFromEnv(t *testing.T) {
	wl := exportWorklist(t)
	sub := filepath.Join(t.TempDir(), "sub.csv")
	require.NoError(t, os.WriteFile(sub, []byte("id,image,draft\na2,img/a2.png,Clear.\n"), 0o644))
	r := invokeMainEnv(t, map[string]string{session.EnvDB: store.DefaultPath(wl)}, "export", "--format", "csv", sub)
	require.Equal(t, 0, r.code, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, lines, 2, r.stdout)
	assert.True(t, strings.HasPrefix(lines[1], "a2,"), lines[1])
}

// TestReadersTakeAllowOutsidePaths: export and agreement refused
// --allow-outside-paths ("unknown flag") while review, run and the study
// commands take it with a WORKLIST and --db; a script passing the same
// flags to each failed on these two. They take it now, and the worklist
// still names the subset.
func TestReadersTakeAllowOutsidePaths(t *testing.T) {
	wl := exportWorklist(t)
	db := store.DefaultPath(wl)
	sub := filepath.Join(filepath.Dir(wl), "sub.csv")
	require.NoError(t, os.WriteFile(sub, []byte("id,image,draft\na2,img/a2.png,Clear.\n"), 0o644))
	for _, args := range [][]string{
		{"export", "--allow-outside-paths", "--db", db, sub},
		{"agreement", "--allow-outside-paths", "--db", db, sub},
	} {
		t.Run(args[0], func(t *testing.T) {
			r := invokeMain(t, "", args...)
			assert.NotContains(t, r.stderr, "unknown flag")
			assert.Equal(t, 0, r.code, r.stderr)
			if args[0] == "export" {
				assert.Contains(t, r.stdout, `"id":"a2"`)
				assert.NotContains(t, r.stdout, `"id":"a1"`)
			}
		})
	}
}
