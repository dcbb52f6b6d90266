package session

import (
	"bytes"
	"context"
	"fmt"
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

// Synthetic data only: the demo worklist's phantoms and truth.

// reportPreds writes two prediction files for the demo worklist: the
// first finds everything, the second misses the pneumothoraces.
func reportPreds(t *testing.T, dir string) (good, bad string) {
	good, bad = filepath.Join(dir, "good.jsonl"), filepath.Join(dir, "bad.jsonl")
	var g, b strings.Builder
	g.WriteString(`{"id":"demo-03-ptx-missed","findings":[{"label":"pneumothorax","box_2d":[0.1,0.55,0.4,0.85]}]}` + "\n")
	b.WriteString(`{"id":"demo-03-ptx-missed","findings":[]}` + "\n")
	g.WriteString(`{"id":"demo-02-effusion","findings":[{"label":"pleural_effusion","box_2d":[0.615,0.1452,0.8,0.425]}]}` + "\n")
	b.WriteString(`{"id":"demo-02-effusion","findings":[{"label":"pleural_effusion","box_2d":[0.5,0.3,0.7,0.6]}]}` + "\n")
	require.NoError(t, os.WriteFile(good, []byte(g.String()), 0o644))
	require.NoError(t, os.WriteFile(bad, []byte(b.String()), 0o644))
	return good, bad
}

func reportConfig(out string) ReportConfig {
	return ReportConfig{Out: out, Format: ReportHTML, Protocol: "item", Resamples: 50, Seed: 1, Level: 0.95,
		IoU: compare.LooseIoU, MaxItems: 4, Version: "test", Urgent: schema.DefaultUrgent()}
}

func TestReportFromPredictionFiles(t *testing.T) {
	dir := t.TempDir()
	good, bad := reportPreds(t, dir)
	cfg := reportConfig(filepath.Join(dir, "r.html"))
	cfg.Truth, cfg.Preds = "../testdata/demo/worklist.csv", []string{good, bad}
	var stderr bytes.Buffer
	require.NoError(t, Report(context.Background(), Env{Stderr: &stderr, Getenv: func(string) string { return "" }}, cfg))
	html, err := os.ReadFile(cfg.Out)
	require.NoError(t, err)
	for _, want := range []string{`id="metrics"`, `id="fig-diff-0"`, `id="pictures"`, "data:image/png;base64,", "demo-03-ptx-missed", "urgent finding missed"} {
		assert.True(t, strings.Contains(string(html), want), "the report holds %q", want)
	}

	cfg.Format, cfg.Out = ReportMarkdown, filepath.Join(dir, "r.md")
	require.NoError(t, Report(context.Background(), Env{Stderr: &stderr, Getenv: func(string) string { return "" }}, cfg))
	md, err := os.ReadFile(cfg.Out)
	require.NoError(t, err)
	assert.True(t, strings.Contains(string(md), "](r_files/fig-f1.svg)"), "the Markdown links its figures")
	assert.FileExists(t, filepath.Join(dir, "r_files", "picture-001.png"))
}

func TestReportUsageErrors(t *testing.T) {
	dir := t.TempDir()
	good, _ := reportPreds(t, dir)
	tests := []struct {
		name string
		edit func(*ReportConfig)
		want string
	}{
		{"no output", func(c *ReportConfig) { c.Out = "" }, "-o FILE"},
		{"bad format", func(c *ReportConfig) { c.Format = "pdf" }, "--format"},
		{"pred without truth", func(c *ReportConfig) { c.Truth = "" }, "--pred needs --truth"},
		{"output is the truth", func(c *ReportConfig) { c.Out = c.Truth }, "would destroy it"},
		{"pred and run", func(c *ReportConfig) { c.Runs = []string{"x"} }, "not both"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := reportConfig(filepath.Join(dir, "r.html"))
			cfg.Truth, cfg.Preds = filepath.Join(dir, "truth-copy.csv"), []string{good}
			tt.edit(&cfg)
			err := Report(context.Background(), Env{Stderr: &bytes.Buffer{}, Getenv: func(string) string { return "" }}, cfg)
			require.ErrorIs(t, err, ErrUsage)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// TestReportUsesCorrectedTruth scores a store's run against the truth
// with the store's truth corrections applied: removing the demo's
// pneumothorax from one item's truth turns the run's finding there into
// a spurious one.
func TestReportUsesCorrectedTruth(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "s.cxr.db")
	st, err := store.Open(ctx, db)
	require.NoError(t, err)
	ptx := &schema.Box{Y0: 0.15, X0: 0.6, Y1: 0.62, X1: 0.845}
	for i, id := range []string{"demo-03-ptx-missed", "demo-08-ptx-truncated"} {
		require.NoError(t, st.PutStage(ctx, audit.StageRecord{Key: fmt.Sprintf("k%d", i), Stage: audit.StageGrounding, ItemID: id,
			Model: "m", Findings: []schema.Finding{{Label: schema.Pneumothorax, Box: ptx}}}))
	}
	_, err = st.SaveTruthCorrection(ctx, audit.TruthCorrection{ItemID: "demo-03-ptx-missed", Action: audit.CorrectRemove,
		Label: schema.Pneumothorax, Findings: []schema.Finding{}, Annotator: "r"})
	require.NoError(t, err)
	require.NoError(t, st.Close())

	cfg := reportConfig(filepath.Join(dir, "r.html"))
	cfg.DB, cfg.Truth, cfg.Runs = db, "../testdata/demo/worklist.csv", []string{"m"}
	require.NoError(t, Report(ctx, Env{Stderr: &bytes.Buffer{}, Getenv: func(string) string { return "" }}, cfg))
	html, err := os.ReadFile(cfg.Out)
	require.NoError(t, err)
	assert.True(t, strings.Contains(string(html), "corrected truth (the store&#39;s truth corrections, on 1 items"), "the summary says the truth was corrected")
	assert.True(t, strings.Contains(string(html), `id="err-0-pneumothorax-spurious" data-sort="1"`), "the run's pneumothorax on the corrected item is spurious")
}
