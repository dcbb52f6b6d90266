package session

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/compare"
	"github.com/cxr-auditor/cxr-auditor/schema"
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
