package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/compare"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/cxr-auditor/cxr-auditor/store"
)

const demoTruthWorklist = "../../testdata/demo/worklist.csv"

// demoTruth reads the demo worklist's truth column on its own.
func demoTruth(t *testing.T) map[string][]schema.Finding {
	t.Helper()
	f, err := os.Open(demoTruthWorklist)
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"id", "image", "draft", "truth"}, rows[0])
	out := map[string][]schema.Finding{}
	for _, r := range rows[1:] {
		var fs []schema.Finding
		require.NoError(t, json.Unmarshal([]byte(r[3]), &fs), r[0])
		out[r[0]] = fs
	}
	return out
}

// TestEvalCommandDemoWorklist: the truth kept in a worklist's truth column
// is read as truth (it used to fail with "invalid character 'i'").
func TestEvalCommandDemoWorklist(t *testing.T) {
	truth := demoTruth(t)
	require.Len(t, truth, 13)
	var b strings.Builder
	for id, fs := range truth {
		if id == "demo-03-ptx-missed" {
			fs = []schema.Finding{} // the model misses the pneumothorax
		}
		line, err := json.Marshal(map[string]any{"id": id, "findings": fs})
		require.NoError(t, err)
		b.Write(append(line, '\n'))
	}
	pred := writeTemp(t, "pred.jsonl", b.String())
	r := invokeMain(t, "", "eval", "--truth", demoTruthWorklist, "--pred", pred, "--json", "--resamples", "200")
	require.Equal(t, 0, r.code, r.stderr)
	assert.NotContains(t, r.stderr, "invalid character")
	var rep compare.Report
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
	assert.Equal(t, 13, rep.Items)
	assert.Zero(t, rep.Missing)
	ptx := rep.Presence[schema.Pneumothorax]
	assert.Equal(t, 1, ptx.FN, "the missed pneumothorax")
	assert.Equal(t, 1, rep.UrgentRecall[schema.Pneumothorax].N-rep.UrgentRecall[schema.Pneumothorax].Found)

	r = invokeMain(t, "", "eval", "--truth", demoTruthWorklist, "--pred", writeTemp(t, "other.jsonl", `{"id":"case-1","findings":[]}`+"\n"))
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "no prediction id matches the truth (13 truth items")
}

// TestEvalCommandWorklistJSONLTruth: a JSONL worklist's truth key works the
// same, and rows without truth are left out with a warning.
func TestEvalCommandWorklistJSONLTruth(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.png"), []byte("x"), 0o600))
	wl := filepath.Join(dir, "cases.jsonl")
	require.NoError(t, os.WriteFile(wl, []byte(`{"id":"a","image":"a.png","draft":"Normal.","truth":[{"label":"pneumothorax"}]}
{"id":"b","image":"a.png","draft":"Normal."}
`), 0o600))
	pred := writeTemp(t, "pred.jsonl", `{"id":"a","findings":[{"label":"pneumothorax"}]}`+"\n")
	r := invokeMain(t, "", "eval", "--truth", wl, "--pred", pred, "--json", "--resamples", "0")
	require.Equal(t, 0, r.code, r.stderr)
	var rep compare.Report
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
	assert.Equal(t, 1, rep.Items)
	assert.Equal(t, 1.0, rep.Presence[schema.Pneumothorax].Recall.Value)
	assert.Contains(t, r.stderr, "1 rows with truth scored; 1 without truth and 0 unreadable rows left out")
}

// twoRuns writes a synthetic truth and two runs' predictions as JSONL.
func twoRuns(t *testing.T, n int) (truth, a, b string) {
	t.Helper()
	r := rand.New(rand.NewPCG(5, 6))
	labels := schema.PositiveLabels()
	var tb, ab, bb strings.Builder
	line := func(w *strings.Builder, v any) {
		data, err := json.Marshal(v)
		require.NoError(t, err)
		w.Write(append(data, '\n'))
	}
	pick := func(p float64) []map[string]any {
		out := []map[string]any{}
		for _, l := range labels {
			if r.Float64() < p {
				out = append(out, map[string]any{"label": l})
			}
		}
		return out
	}
	for i := range n {
		id := fmt.Sprintf("s%04d", i)
		line(&tb, map[string]any{"id": id, "findings": pick(0.3)})
		switch r.IntN(20) {
		case 0:
			line(&ab, map[string]any{"id": id, "error": "no JSON"})
		case 1: // no line
		default:
			line(&ab, map[string]any{"id": id, "findings": pick(0.25)})
		}
		line(&bb, map[string]any{"id": id, "findings": pick(0.35)})
	}
	return writeTemp(t, "truth.jsonl", tb.String()), writeTemp(t, "a.jsonl", ab.String()), writeTemp(t, "b.jsonl", bb.String())
}

// independentCounts reads a truth and a predictions file with nothing but
// encoding/json and counts TP, FP, FN per label, item by item.
func independentCounts(t *testing.T, truthPath, predPath string) map[schema.Label][3]int {
	t.Helper()
	read := func(path string) map[string]map[string]bool {
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
			require.NoError(t, json.Unmarshal([]byte(l), &row))
			set := map[string]bool{}
			for _, f := range row.Findings {
				set[f.Label] = true
			}
			out[row.ID] = set
		}
		return out
	}
	truth, pred := read(truthPath), read(predPath)
	counts := map[schema.Label][3]int{}
	for id, ts := range truth {
		for _, l := range schema.PositiveLabels() {
			c := counts[l]
			switch tr, pr := ts[string(l)], pred[id][string(l)]; {
			case tr && pr:
				c[0]++
			case pr:
				c[1]++
			case tr:
				c[2]++
			}
			counts[l] = c
		}
	}
	return counts
}

func f1Of(c [3]int) float64 {
	if 2*c[0]+c[1]+c[2] == 0 {
		return 0
	}
	return float64(2*c[0]) / float64(2*c[0]+c[1]+c[2])
}

// TestEvalCommandTwoRuns: eval --pred A --pred B --json gives, for every
// finding, the counts and F1 an independent reading of the two files
// gives, and the difference B-A; the paired intervals are reproducible
// with --seed and move with it.
func TestEvalCommandTwoRuns(t *testing.T) {
	truth, a, b := twoRuns(t, 400)
	run := func(seed string) (compare.Comparison, string) {
		r := invokeMain(t, "", "eval", "--truth", truth, "--pred", a, "--pred", b, "--json", "--seed", seed, "--resamples", "500")
		require.Equal(t, 0, r.code, r.stderr)
		var c compare.Comparison
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &c))
		return c, r.stdout
	}
	c, out := run("3")
	require.Len(t, c.Runs, 2)
	require.Len(t, c.Pairs, 1)
	assert.Equal(t, [2]string{a, b}, [2]string{c.Runs[0].Name, c.Runs[1].Name})
	ca, cb := independentCounts(t, truth, a), independentCounts(t, truth, b)
	for _, l := range schema.PositiveLabels() {
		for i, want := range [][3]int{ca[l], cb[l]} {
			p := c.Runs[i].Presence[l]
			assert.Equal(t, want, [3]int{p.TP, p.FP, p.FN}, "run %d %s", i, l)
			assert.InDelta(t, f1Of(want), p.F1.Value, 1e-12, "run %d %s", i, l)
		}
		d := c.Pairs[0].Presence[l].F1
		assert.InDelta(t, f1Of(cb[l])-f1Of(ca[l]), d.Value, 1e-12, l)
		assert.True(t, d.Low <= d.Value && d.Value <= d.High, "%s: %+v", l, d)
	}

	again, out2 := run("3")
	assert.Equal(t, out, out2, "the same seed gives the same output, byte for byte")
	other, _ := run("4")
	assert.NotEqual(t, fmt.Sprint(again.Pairs[0].Presence), fmt.Sprint(other.Pairs[0].Presence), "another seed, other intervals")

	r := invokeMain(t, "", "eval", "--truth", truth, "--pred", a, "--pred", b, "--pred", a, "--protocol", "card")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "A = "+a+" (baseline), B = "+b)
	assert.Contains(t, r.stdout, "A = "+a+" (baseline), B = "+a, "a third run against the first")
	assert.Contains(t, r.stdout, "McNemar p")
}

// TestEvalCommandStoreRuns reads two runs from a store (the latest
// grounding of each model) and compares them.
func TestEvalCommandStoreRuns(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "cases.cxr.db")
	st, err := store.Open(ctx, db)
	require.NoError(t, err)
	ptx := []schema.Finding{{Label: schema.Pneumothorax}}
	for i, rec := range []audit.StageRecord{
		{ItemID: "a", Model: "v1", Findings: ptx},
		{ItemID: "b", Model: "v1", Error: "unparseable output"},
		{ItemID: "a", Model: "v2", Findings: ptx},
		{ItemID: "b", Model: "v2", Findings: ptx},
	} {
		rec.Key, rec.Stage = fmt.Sprint("k", i), audit.StageGrounding
		require.NoError(t, st.PutStage(ctx, rec))
	}
	require.NoError(t, st.Close())
	truth := writeTemp(t, "truth.jsonl", `{"id":"a","findings":[{"label":"pneumothorax"}]}
{"id":"b","findings":[{"label":"pneumothorax"}]}
`)
	r := invokeMain(t, "", "eval", "--truth", truth, "--run", "v1", "--run", "v2", "--db", db, "--json", "--resamples", "50")
	require.Equal(t, 0, r.code, r.stderr)
	var c compare.Comparison
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &c))
	assert.Equal(t, [2]string{"v1", "v2"}, [2]string{c.Runs[0].Name, c.Runs[1].Name})
	assert.Equal(t, 1, c.Runs[0].ParseFailures)
	assert.Equal(t, 0.5, c.Runs[0].Presence[schema.Pneumothorax].Recall.Value)
	assert.Equal(t, 1.0, c.Runs[1].Presence[schema.Pneumothorax].Recall.Value)
	assert.Equal(t, compare.McNemar{RunOnly: 1, P: 1}, c.Pairs[0].Presence[schema.Pneumothorax].McNemar)

	r = invokeMain(t, "", "eval", "--truth", truth, "--run", "v3", "--db", db)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "v3: no prediction id matches the truth")
}

// TestEvalCommandErrorsFile: --errors writes each item's rows against the
// truth, with --iou as the mislocation threshold.
func TestEvalCommandErrorsFile(t *testing.T) {
	truth := writeTemp(t, "truth.jsonl", evalTruth)
	pred := writeTemp(t, "pred.jsonl", evalPred)
	out := filepath.Join(t.TempDir(), "errors.jsonl")
	r := invokeMain(t, "", "eval", "--truth", truth, "--pred", pred, "--errors", out, "--iou", "0.9", "--resamples", "0")
	require.Equal(t, 0, r.code, r.stderr)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	var keys []string
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var row struct {
			Run    string             `json:"run"`
			ID     string             `json:"id"`
			Failed bool               `json:"parse_failed"`
			Errors []audit.TruthError `json:"errors"`
		}
		require.NoError(t, json.Unmarshal([]byte(l), &row))
		assert.Equal(t, pred, row.Run)
		for _, e := range row.Errors {
			keys = append(keys, fmt.Sprintf("%s %s urgent=%t", row.ID, e.Key(), e.Urgent))
		}
		if row.Failed {
			keys = append(keys, row.ID+" failed")
		}
	}
	assert.Equal(t, []string{
		"a pneumothorax/mislocated/t0/p0 urgent=false", // IoU 0.8 < 0.9
		"b pneumothorax/missed/t0/p- urgent=true",
		"b cardiomegaly/missed/t1/p- urgent=false",
		"b failed",
		"c cardiomegaly/spurious/t-/p0 urgent=false",
		"d nodule_mass/missed/t0/p- urgent=true",
		"e pleural_effusion/matched/t0/p0 urgent=false",
	}, keys)
}

func TestEvalCommandCardJSON(t *testing.T) {
	truth := writeTemp(t, "truth.jsonl", evalTruth)
	pred := writeTemp(t, "pred.jsonl", evalPred)
	r := invokeMain(t, "", "eval", "--truth", truth, "--pred", pred, "--json", "--protocol", "card", "--resamples", "100")
	require.Equal(t, 0, r.code, r.stderr)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	assert.Equal(t, "card", got["protocol"])
	lung := got["presence"].(map[string]any)["lung_opacity_consolidation"].(map[string]any)
	assert.Nil(t, lung["f1"].(map[string]any)["value"], "undefined is null")
	loose := got["localization"].(map[string]any)["iou_0.3"].(map[string]any)["rate"].(map[string]any)
	assert.Equal(t, compare.NoteNotResampled, loose["note"])
}
