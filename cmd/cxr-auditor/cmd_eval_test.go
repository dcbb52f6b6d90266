package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/compare"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// A small synthetic evaluation set. Hand-scored expectations:
//
//	a: pneumothorax found, box IoU 0.8 with the truth box
//	b: prediction failed (pneumothorax and cardiomegaly missed)
//	c: `run` output whose draft stage failed: findings still scored (cardiomegaly FP)
//	d: no prediction line (nodule missed; its 0-1000 truth box is unmatched)
//	e: pipeline.Result-like line: effusion found, box with no truth box
//	zz: not in the truth: warned and ignored
const (
	evalTruth = `{"id":"a","findings":[{"label":"pneumothorax","box_2d":[0,0,0.5,0.5]}]}
{"id":"b","findings":[{"label":"pneumothorax"},{"label":"cardiomegaly"}]}

{"id":"c","findings":[]}
{"id":"d","findings":[{"label":"nodule_mass","box_2d":[500,500,600,600]}]}
{"id":"e","findings":[{"label":"pleural_effusion"}]}
`
	evalPred = `{"id":"a","findings":[{"label":"pneumothorax","box_2d":[0,0,0.5,0.4]}]}
{"id":"b","error":"grounding: no JSON in model output"}
{"id":"c","image":"c.png","findings":[{"label":"cardiomegaly"}],"draft_labels":[],"disagreements":[],"urgent":false,"provenance":{},"timings":{},"error":"draft: model not found"}
{"id":"zz","findings":[]}
{"id":"e","status":"done","findings":[{"label":"pleural_effusion","box_2d":[0.6,0.1,0.9,0.4]}],"draft_labels":[],"report":{"urgent":false,"disagreements":[]},"grounding":{"key":"k","stage":"grounding","raw":"[]","done":true}}
`
	// evalWantJSON is the hand-scored set without intervals
	// (--resamples 0): docs/metrics.md's worked example.
	evalWantJSON = `{
  "protocol": "item",
  "bootstrap": {"method": "poisson", "resamples": 0, "seed": 1, "level": 0.95},
  "items": 5, "parse_failures": 1, "missing": 1,
  "parse_failure_rate": {"value": 0.2, "ci_low": null, "ci_high": null, "small_n": true},
  "presence": {
    "pleural_effusion": {"n": 1, "tp": 1, "fp": 0, "fn": 0, "precision": ` + evalNoCI1 + `, "recall": ` + evalNoCI1 + `, "f1": ` + evalNoCI1 + `},
    "pneumothorax": {"n": 2, "tp": 1, "fp": 0, "fn": 1, "precision": ` + evalNoCI1 + `,
      "recall": {"value": 0.5, "ci_low": null, "ci_high": null, "small_n": true},
      "f1": {"value": 0.6666666666666666, "ci_low": null, "ci_high": null, "small_n": true}},
    "lung_opacity_consolidation": {"n": 0, "tp": 0, "fp": 0, "fn": 0, "precision": ` + evalNoCI0 + `, "recall": ` + evalNoCI0 + `, "f1": ` + evalNoCI0 + `},
    "nodule_mass": {"n": 1, "tp": 0, "fp": 0, "fn": 1, "precision": ` + evalNoCI0 + `, "recall": ` + evalNoCI0 + `, "f1": ` + evalNoCI0 + `},
    "cardiomegaly": {"n": 1, "tp": 0, "fp": 1, "fn": 1, "precision": ` + evalNoCI0 + `, "recall": ` + evalNoCI0 + `, "f1": ` + evalNoCI0 + `}
  },
  "macro_f1": {"value": 0.41666666666666663, "ci_low": null, "ci_high": null},
  "macro_f1_labels": 4,
  "localization": {
    "iou_0.3": {"matched": 1, "truth_boxes": 2, "pred_boxes": 2,
      "rate": {"value": 0.5, "ci_low": null, "ci_high": null, "small_n": true},
      "precision": {"value": 0.5, "ci_low": null, "ci_high": null, "small_n": true}},
    "iou_0.5": {"matched": 1, "truth_boxes": 2, "pred_boxes": 2,
      "rate": {"value": 0.5, "ci_low": null, "ci_high": null, "small_n": true},
      "precision": {"value": 0.5, "ci_low": null, "ci_high": null, "small_n": true}},
    "mean_iou": {"value": 0.8, "ci_low": null, "ci_high": null, "small_n": true}, "mean_iou_pairs": 1,
    "mean_iou_any_overlap": {"value": 0.8, "ci_low": null, "ci_high": null, "small_n": true}, "mean_iou_any_overlap_pairs": 1
  },
  "urgent_recall": {
    "pneumothorax": {"found": 1, "n": 2, "recall": {"value": 0.5, "ci_low": null, "ci_high": null, "small_n": true}},
    "nodule_mass": {"found": 0, "n": 1, "recall": ` + evalNoCI0 + `}
  }
}`
	evalNoCI1 = `{"value": 1, "ci_low": null, "ci_high": null, "small_n": true}`
	evalNoCI0 = `{"value": 0, "ci_low": null, "ci_high": null, "small_n": true}`
)

func TestEvalCommandJSON(t *testing.T) {
	truth := writeTemp(t, "truth.jsonl", evalTruth)
	pred := writeTemp(t, "pred.jsonl", evalPred)
	r := invokeMain(t, "", "eval", "--pred", pred, "--truth", truth, "--json", "--resamples", "0")
	require.Equal(t, 0, r.code, r.stderr)
	assert.JSONEq(t, evalWantJSON, r.stdout)
	assert.Contains(t, r.stderr, pred+`:4: id "zz" is not in the truth; ignored`)
	assert.Contains(t, r.stderr, "1 of 5 truth items have no prediction")

	// With the default 2,000 resamples every figure has its interval.
	r = invokeMain(t, "", "eval", "--pred", pred, "--truth", truth, "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var got compare.Report
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	assert.Equal(t, compare.DefaultResamples, got.Bootstrap.Resamples)
	p := got.Presence[schema.Pneumothorax].Recall
	assert.InDelta(t, 0.5, p.Value, 1e-12)
	assert.True(t, p.Low <= p.Value && p.Value <= p.High, "%+v", p)
}

func TestEvalCommandTable(t *testing.T) {
	truth := writeTemp(t, "truth.jsonl", evalTruth)
	r := invokeMain(t, evalPred, "eval", "--pred", "-", "--truth", truth, "--urgent", "pneumothorax", "--seed", "7")
	require.Equal(t, 0, r.code, r.stderr)
	for _, want := range []string{
		"protocol item, 5 items; 95% intervals: percentile bootstrap, 2000 poisson resamples over items, seed 7",
		"pneumothorax                           2  1.000 [",
		"macro-F1 over the 4 labels with N > 0",
		"IoU >= 0.3                      0.500 (1/2) [",
		"mean IoU, pairs matched at 0.3  0.800 (1 pair) [",
		"  pneumothorax  1/2  0.500 [",
		"items 5, parse failures 1 (rate 0.200 [",
		"* fewer than 10 cases behind the figure",
	} {
		assert.Contains(t, r.stdout, want)
	}
	assert.NotContains(t, r.stdout, "nodule_mass   0/1", "only the requested urgent labels")
	assert.Contains(t, r.stderr, `stdin:4: id "zz" is not in the truth`)
}

// TestEvalCommandBOM: a byte order mark at the start of a file is not a
// malformed first line.
func TestEvalCommandBOM(t *testing.T) {
	truth := writeTemp(t, "truth.jsonl", "\xef\xbb\xbf"+evalTruth)
	pred := writeTemp(t, "pred.jsonl", "\xef\xbb\xbf"+evalPred)
	r := invokeMain(t, "", "eval", "--pred", pred, "--truth", truth, "--json", "--resamples", "0")
	require.Equal(t, 0, r.code, r.stderr)
	assert.JSONEq(t, evalWantJSON, r.stdout)
}

func TestEvalCommandUrgentNone(t *testing.T) {
	truth := writeTemp(t, "truth.jsonl", evalTruth)
	pred := writeTemp(t, "pred.jsonl", evalPred)
	r := invokeMain(t, "", "eval", "--pred", pred, "--truth", truth, "--json", "--urgent", "", "--resamples", "0")
	require.Equal(t, 0, r.code, r.stderr)
	var got struct {
		UrgentRecall map[string]any `json:"urgent_recall"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	assert.NotNil(t, got.UrgentRecall, "an empty object, not null")
	assert.Empty(t, got.UrgentRecall)
}

// TestEvalCommandPredLines covers how one prediction line is read, through
// the JSON output's presence counts for pneumothorax (truth: item a only).
func TestEvalCommandPredLines(t *testing.T) {
	truth := writeTemp(t, "truth.jsonl", `{"id":"a","findings":[{"label":"pneumothorax"}]}`+"\n")
	tests := []struct {
		name        string
		pred        string
		wantRecall  float64
		wantFailure int
	}{
		{"canonical", `{"id":"a","findings":[{"label":"pneumothorax"}]}`, 1, 0},
		{"0-1000 box and spelling tolerated", `{"id":"a","findings":[{"label":"PTX","box_2d":[0,0,500,500]}]}`, 1, 0},
		{"error line", `{"id":"a","error":"timeout"}`, 0, 1},
		{"error with null findings (pipeline.Result of a failed grounding)", `{"id":"a","status":"error","findings":null,"error":"grounding: timeout"}`, 0, 1},
		{"grounding record with an error", `{"id":"a","findings":[],"grounding":{"error":"server said 500"},"error":"grounding: server said 500"}`, 0, 1},
		{"error with findings: a draft-stage failure, findings scored", `{"id":"a","findings":[{"label":"pneumothorax"}],"error":"draft: timeout"}`, 1, 0},
		{"error with junk findings is a failure", `{"id":"a","findings":"I cannot","error":"grounding: no JSON"}`, 0, 1},
		{"grounding record without an error is scored", `{"id":"a","findings":[{"label":"pneumothorax"}],"grounding":{"stage":"grounding","error":""}}`, 1, 0},
		{"grounding that is not an object is ignored", `{"id":"a","findings":[{"label":"pneumothorax"}],"grounding":"cached"}`, 1, 0},
		{"empty findings predict nothing", `{"id":"a","findings":[]}`, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pred := writeTemp(t, "pred.jsonl", tt.pred+"\n")
			r := invokeMain(t, "", "eval", "--pred", pred, "--truth", truth, "--json", "--resamples", "0")
			require.Equal(t, 0, r.code, r.stderr)
			var got compare.Report
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
			assert.Equal(t, tt.wantFailure, got.ParseFailures)
			assert.Equal(t, tt.wantRecall, got.Presence[schema.Pneumothorax].Recall.Value)
		})
	}
}

func TestEvalCommandErrors(t *testing.T) {
	goodTruth := writeTemp(t, "truth.jsonl", evalTruth)
	goodPred := writeTemp(t, "pred.jsonl", evalPred)
	dir := t.TempDir()
	file := func(name, content string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		return p
	}
	badTruthJSON := file("bad-truth.jsonl", "{\"id\":\"a\",\"findings\":[]}\n{\"id\":\"b\",\"findings\":[\n")
	dupTruth := file("dup-truth.jsonl", "{\"id\":\"a\",\"findings\":[]}\n\n{\"id\":\"a\",\"findings\":[]}\n")
	noIDTruth := file("noid-truth.jsonl", "{\"findings\":[]}\n")
	noFindingsTruth := file("nofindings-truth.jsonl", "{\"id\":\"a\",\"findings\":null}\n")
	junkFindingsTruth := file("junk-truth.jsonl", "{\"id\":\"a\",\"findings\":\"normal study\"}\n")
	badPredJSON := file("bad-pred.jsonl", "{\"id\":\"a\",\"findings\":[]}\n\n{oops\n")
	dupPred := file("dup-pred.jsonl", "{\"id\":\"a\",\"findings\":[]}\n{\"id\":\"a\",\"error\":\"x\"}\n")
	emptyPred := file("empty-pred.jsonl", "{\"id\":\"a\"}\n")
	junkPred := file("junk-pred.jsonl", "{\"id\":\"a\",\"findings\":\"no idea\"}\n")
	arrayPred := file("array-pred.jsonl", "[1,2]\n")
	otherPred := file("other-pred.jsonl", "{\"id\":\"x1\",\"findings\":[]}\n{\"id\":\"x2\",\"findings\":[]}\n")
	emptyTruth := file("empty-truth.jsonl", "\n  \n")
	noTruthWorklist := file("wl.csv", "id,image,draft\nx,img.png,Normal.\n")
	file("img.png", "not really")

	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{"missing --truth", []string{"eval", "--pred", goodPred}, 2, "--truth is required"},
		{"no predictions", []string{"eval", "--truth", goodTruth}, 2, "give predictions with --pred FILE or --run NAME"},
		{"both stdin", []string{"eval", "--pred", "-", "--truth", "-"}, 2, "only one of --truth and --pred can read stdin"},
		{"unknown urgent label", []string{"eval", "--pred", goodPred, "--truth", goodTruth, "--urgent", "pneumo"}, 2, `unknown label "pneumo"`},
		{"unknown protocol", []string{"eval", "--pred", goodPred, "--truth", goodTruth, "--protocol", "pooled"}, 2, `unknown protocol "pooled"`},
		{"bad level", []string{"eval", "--pred", goodPred, "--truth", goodTruth, "--level", "95"}, 2, "level 95"},
		{"negative resamples", []string{"eval", "--pred", goodPred, "--truth", goodTruth, "--resamples", "-1"}, 2, "resamples -1"},
		{"bad --iou", []string{"eval", "--pred", goodPred, "--truth", goodTruth, "--iou", "0"}, 2, "--iou 0"},
		{"--run without a store", []string{"eval", "--run", "v1", "--truth", goodTruth}, 2, "--run reads the store"},
		{"--errors over an input", []string{"eval", "--pred", goodPred, "--truth", goodTruth, "--errors", goodPred}, 2, "--errors " + goodPred + " is a predictions file"},
		{"stray argument", []string{"eval", "--pred", goodPred, "--truth", goodTruth, "x"}, 2, `unexpected argument "x"`},
		{"missing truth file", []string{"eval", "--pred", goodPred, "--truth", filepath.Join(dir, "nope.jsonl")}, 1, filepath.Join(dir, "nope.jsonl")},
		{"missing pred file", []string{"eval", "--pred", filepath.Join(dir, "nope.jsonl"), "--truth", goodTruth}, 1, filepath.Join(dir, "nope.jsonl")},
		{"bad truth JSON names file and line", []string{"eval", "--pred", goodPred, "--truth", badTruthJSON}, 1, badTruthJSON + ":2:"},
		{"duplicate truth id names both lines", []string{"eval", "--pred", goodPred, "--truth", dupTruth}, 1, dupTruth + `:3: duplicate id "a" (first on line 1)`},
		{"truth without id", []string{"eval", "--pred", goodPred, "--truth", noIDTruth}, 1, noIDTruth + `:1: missing or empty "id"`},
		{"truth without findings", []string{"eval", "--pred", goodPred, "--truth", noFindingsTruth}, 1, noFindingsTruth + `:1: item "a": missing "findings"`},
		{"truth findings unrecoverable", []string{"eval", "--pred", goodPred, "--truth", junkFindingsTruth}, 1, junkFindingsTruth + `:1: item "a": findings:`},
		{"bad pred JSON names file and line", []string{"eval", "--pred", badPredJSON, "--truth", goodTruth}, 1, badPredJSON + ":3:"},
		{"duplicate pred id", []string{"eval", "--pred", dupPred, "--truth", goodTruth}, 1, dupPred + `:2: duplicate id "a" (first on line 1)`},
		{"pred with neither findings nor error", []string{"eval", "--pred", emptyPred, "--truth", goodTruth}, 1, emptyPred + `:1: item "a": neither "findings" nor "error"`},
		{"pred findings unrecoverable without error", []string{"eval", "--pred", junkPred, "--truth", goodTruth}, 1, junkPred + `:1: item "a": findings:`},
		{"truth with no items", []string{"eval", "--pred", goodPred, "--truth", emptyTruth}, 1, emptyTruth + ": no usable rows"},
		{"worklist without truth", []string{"eval", "--pred", goodPred, "--truth", noTruthWorklist}, 1, "none of its 1 rows has a truth column or key"},
		{"pred line not an object", []string{"eval", "--pred", arrayPred, "--truth", goodTruth}, 1, arrayPred + ":1:"},
		{"no prediction id matches the truth", []string{"eval", "--pred", otherPred, "--truth", goodTruth}, 1, otherPred + `: no prediction id matches the truth (5 truth items, first "a"; 2 predictions with other ids)`},
		{"the second run matches nothing", []string{"eval", "--pred", goodPred, "--pred", otherPred, "--truth", goodTruth}, 1, otherPred + ": no prediction id matches the truth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := invokeMain(t, "", tt.args...)
			assert.Equal(t, tt.wantCode, r.code, "stderr: %s", r.stderr)
			assert.Contains(t, r.stderr, tt.wantStderr)
			assert.Empty(t, r.stdout)
		})
	}
}
