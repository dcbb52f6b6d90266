//go:build e2e && unix

package e2e_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/internal/e2e/realollama"
)

// e2eTruth is a synthetic truth for the cases: each phantom's one finding
// (the normal one has none), without boxes.
const e2eTruth = `{"id":"c1-normal","findings":[]}
{"id":"c2-nodule","findings":[{"label":"nodule_mass"}]}
{"id":"c3-ptx","findings":[{"label":"pneumothorax"}]}
{"id":"c4-effusion","findings":[{"label":"pleural_effusion"}]}
`

// positives are the labels eval scores per finding.
var positives = []string{"pleural_effusion", "pneumothorax", "lung_opacity_consolidation", "nodule_mass", "cardiomegaly"}

// presence reads a JSONL file of {id, findings} with nothing but
// encoding/json: the labels each id's findings name (a failed grounding,
// findings null, names none).
func presence(t *testing.T, path string) map[string]map[string]bool {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	out := map[string]map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var row struct {
			ID       string `json:"id"`
			Findings []struct {
				Label string `json:"label"`
			} `json:"findings"`
		}
		require.NoError(t, json.Unmarshal([]byte(l), &row), l)
		set := map[string]bool{}
		for _, f := range row.Findings {
			set[f.Label] = true
		}
		out[row.ID] = set
	}
	return out
}

// evalRun is the part of eval's JSON a run's per-finding figures are in.
type evalRun struct {
	Name     string `json:"name"`
	Presence map[string]struct {
		TP, FP, FN int
		F1         struct {
			Value *float64 `json:"value"`
		} `json:"f1"`
	} `json:"presence"`
}

// TestTwoModelsOneWorklist runs two different tiny vision models over one
// worklist on the real server: the second run calls only its grounding
// model (the draft stage is served from the first run's records), `runs`
// lists both, and eval with the two runs' outputs as --pred gives, per
// finding, the counts and F1 an independent reading of the two files
// gives; the paired intervals are the same for the same --seed, and
// --run reads the same runs from the store.
func TestTwoModelsOneWorklist(t *testing.T) {
	srv := serverWithModels(t, realollama.Vision, realollama.VisionB, realollama.Text)
	wl := worklist(t, 0)
	dir := filepath.Dir(wl)
	outA, outB := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.jsonl")
	run := func(grounding, name, out string) {
		args := append([]string{"run", wl, "--ollama", srv.URL(), "--name", name, "--out", out}, modelFlags(grounding, realollama.Text)...)
		r := cxr(t, args...)
		require.Contains(t, []int{0, 2}, r.code, r.stderr)
	}
	run(realollama.Vision, "a", outA)
	chats := srv.Requests("POST", "/api/chat")
	run(realollama.VisionB, "b", outB)
	assert.Equal(t, len(cases), srv.Requests("POST", "/api/chat")-chats, "one grounding call per item, no draft call")

	r := cxr(t, "runs", wl, "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var runs []struct {
		Name   string `json:"name"`
		Items  int    `json:"items"`
		Config struct {
			GroundingModel string `json:"grounding_model"`
		} `json:"config"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &runs))
	require.Len(t, runs, 2)
	assert.Equal(t, []string{"a", "b"}, []string{runs[0].Name, runs[1].Name})
	assert.Equal(t, []string{realollama.Vision, realollama.VisionB}, []string{runs[0].Config.GroundingModel, runs[1].Config.GroundingModel})
	assert.Equal(t, len(cases), runs[1].Items)

	truth := filepath.Join(dir, "truth.jsonl")
	require.NoError(t, os.WriteFile(truth, []byte(e2eTruth), 0o644))
	eval := func(args ...string) (string, []evalRun) {
		r := cxr(t, append([]string{"eval", "--truth", truth, "--json", "--seed", "7", "--resamples", "300"}, args...)...)
		require.Equal(t, 0, r.code, r.stderr)
		var c struct {
			Runs []evalRun `json:"runs"`
		}
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &c))
		require.Len(t, c.Runs, 2)
		return r.stdout, c.Runs
	}
	t.Logf("run a found %v; run b found %v", presence(t, outA), presence(t, outB))
	assert.NotEqual(t, presence(t, outA), presence(t, outB), "the two models answer differently: there is something to compare")
	out, got := eval("--pred", outA, "--pred", outB)
	want := presence(t, truth)
	for i, path := range []string{outA, outB} {
		pred := presence(t, path)
		for _, l := range positives {
			var tp, fp, fn int
			for id, ts := range want {
				switch tr, pr := ts[l], pred[id][l]; {
				case tr && pr:
					tp++
				case pr:
					fp++
				case tr:
					fn++
				}
			}
			p := got[i].Presence[l]
			assert.Equal(t, [3]int{tp, fp, fn}, [3]int{p.TP, p.FP, p.FN}, "%s %s", path, l)
			if 2*tp+fp+fn > 0 {
				require.NotNil(t, p.F1.Value, "%s %s", path, l)
				assert.InDelta(t, float64(2*tp)/float64(2*tp+fp+fn), *p.F1.Value, 1e-12, "%s %s", path, l)
			}
		}
	}
	again, _ := eval("--pred", outA, "--pred", outB)
	assert.Equal(t, out, again, "the same seed, the same intervals")

	_, fromStore := eval("--run", "a", "--run", "b", "--db", filepath.Join(dir, "cases.cxr.db"))
	for i := range got {
		for _, l := range positives {
			g, s := got[i].Presence[l], fromStore[i].Presence[l]
			assert.Equal(t, [3]int{g.TP, g.FP, g.FN}, [3]int{s.TP, s.FP, s.FN}, "run %d %s: --run reads what --pred read", i, l)
		}
	}
}
