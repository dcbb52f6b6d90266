package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ollama/ollama/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/compare"
	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// twoModelServer serves the run tests' draft model and two grounding
// models: runGroundModel finds a pneumothorax in every image, "v2" in
// none.
func twoModelServer(t *testing.T) *ollamatest.Server {
	respond := func(req *api.ChatRequest) ollamatest.Reply {
		for _, m := range req.Messages {
			if len(m.Images) > 0 {
				return ollamatest.Reply{Content: `[{"label":"pneumothorax","box_2d":[0.2,0.5,0.6,0.8]}]`}
			}
		}
		return ollamatest.Reply{Content: `[{"label":"pneumothorax","status":"absent","span":"No pneumothorax."}]`}
	}
	vision := []string{"completion", "vision"}
	srv := ollamatest.NewServer(
		ollamatest.Model{Name: runGroundModel, Capabilities: vision, Respond: respond},
		ollamatest.Model{Name: "v2", Capabilities: vision, Respond: func(*api.ChatRequest) ollamatest.Reply { return ollamatest.Reply{Content: `[]`} }},
		ollamatest.Model{Name: runDraftModel, Capabilities: []string{"completion"}, Respond: respond},
	)
	t.Cleanup(srv.Close)
	return srv
}

// TestRunsTwoModels: two runs over one worklist, the second changing only
// the grounding model. The second never calls the draft model (its stage
// is served from the first's records); `runs` lists both on either store,
// across sessions; `eval --run` reads each run's own findings.
func TestRunsTwoModels(t *testing.T) {
	forEachStore(t, func(t *testing.T, db string) {
		dir := t.TempDir()
		srv := twoModelServer(t)
		wl := runWorklist(t, dir, 4)
		r := invokeMain(t, "", runArgs(srv, wl, "--db", db, "--name", "baseline")...)
		require.Equal(t, 0, r.code, r.stderr)
		drafts := srv.Stats(runDraftModel).Served
		require.Equal(t, 4, drafts)

		args := runArgs(srv, wl, "--db", db)
		args[5] = "v2" // --grounding-model
		r = invokeMain(t, "", args...)
		require.Equal(t, 0, r.code, r.stderr)
		assert.Equal(t, 4, srv.Stats("v2").Served)
		assert.Equal(t, drafts, srv.Stats(runDraftModel).Served, "the draft stage is shared: no draft call")
		assert.Contains(t, r.stderr, "run v2")

		r = invokeMain(t, "", "runs", "--db", db, "--json")
		require.Equal(t, 0, r.code, r.stderr)
		var runs []audit.RunInfo
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &runs))
		require.Len(t, runs, 2)
		assert.Equal(t, []string{"baseline", "v2"}, []string{runs[0].Name, runs[1].Name})
		for _, ri := range runs {
			assert.Equal(t, [3]int{4, 4, 0}, [3]int{ri.Items, ri.Done, ri.Failed})
			assert.Equal(t, runDraftModel, ri.Config.DraftModel)
			assert.NotEmpty(t, ri.Config.GroundingDigest)
		}
		r = invokeMain(t, "", "runs", "--db", db)
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, "NAME")
		assert.Contains(t, r.stdout, "baseline")
		assert.Contains(t, r.stdout, runGroundModel+"@")

		var truth strings.Builder
		for _, id := range []string{"case-0", "case-1", "case-2", "case-3"} {
			truth.WriteString(`{"id":"` + id + `","findings":[{"label":"pneumothorax"}]}` + "\n")
		}
		tf := writeTemp(t, "truth.jsonl", truth.String())
		r = invokeMain(t, "", "eval", "--truth", tf, "--run", "baseline", "--run", "v2", "--db", db, "--json", "--resamples", "50")
		require.Equal(t, 0, r.code, r.stderr)
		var c compare.Comparison
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &c))
		assert.Equal(t, 1.0, c.Runs[0].Presence[schema.Pneumothorax].Recall.Value)
		assert.Equal(t, 0.0, c.Runs[1].Presence[schema.Pneumothorax].Recall.Value)

		// A reviewer's compare verdict: eval prints the tally.
		st, err := store.Open(context.Background(), db)
		require.NoError(t, err)
		_, err = st.SaveCompareVerdict(context.Background(), audit.CompareVerdict{ItemID: "case-0", RunA: "baseline", RunB: "v2",
			DifferenceKey: "pneumothorax/only_a/a0/b-", Preference: audit.PreferA, Annotator: "ann", Note: "clear apex line"})
		require.NoError(t, err)
		require.NoError(t, st.Close())
		r = invokeMain(t, "", "eval", "--truth", tf, "--run", "baseline", "--run", "v2", "--db", db, "--resamples", "50")
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, "preference tally, v2 against baseline (reviewers' verdicts): wins 0, losses 1, ties 0")

		r = invokeMain(t, "", "review", wl, "--db", db, "--ollama", srv.URL(), "--compare", "baseline,v3", "--graphics", "text")
		assert.Equal(t, 2, r.code)
		assert.Contains(t, r.stderr, `no run "v3" in`)
		assert.Contains(t, r.stderr, "it has baseline, v2")
		r = invokeMain(t, "", "review", wl, "--compare", "baseline")
		assert.Equal(t, 2, r.code)
		assert.Contains(t, r.stderr, "want two run names, A,B")

		r = invokeMain(t, "", runArgs(srv, wl, "--db", db, "--name", "v2")...)
		assert.Equal(t, 2, r.code, "a usage error")
		assert.Contains(t, r.stderr, `this configuration is run "baseline" already`)
	})
}

// TestRunsEmptyStore: a store with no run says how to make one.
func TestRunsEmptyStore(t *testing.T) {
	dir := t.TempDir()
	wl := runWorklist(t, dir, 1)
	r := invokeMain(t, "", "review", wl, "--help")
	require.Equal(t, 0, r.code)
	r = invokeMain(t, "", "runs", "--db", filepath.Join(dir, "none.cxr.db"))
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "no database at")
}
