package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Synthetic data only: the demo worklist's phantoms and truth.

func TestReportCommand(t *testing.T) {
	dir := t.TempDir()
	pred := filepath.Join(dir, "p.jsonl")
	require.NoError(t, os.WriteFile(pred, []byte(`{"id":"demo-03-ptx-missed","findings":[]}`+"\n"), 0o644))
	truth := "../../testdata/demo/worklist.csv"
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"html", []string{"report", "--truth", truth, "--pred", pred, "--resamples", "20", "-o", filepath.Join(dir, "r.html")}, 0},
		{"markdown", []string{"report", "--truth", truth, "--pred", pred, "--resamples", "0", "--format", "md", "-o", filepath.Join(dir, "r.md")}, 0},
		{"no output file", []string{"report", "--truth", truth, "--pred", pred}, 2},
		{"unknown format", []string{"report", "--truth", truth, "--pred", pred, "--format", "pdf", "-o", filepath.Join(dir, "x")}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := invokeMain(t, "", tt.args...)
			assert.Equal(t, tt.code, r.code, "stderr: %s", r.stderr)
		})
	}
	assert.FileExists(t, filepath.Join(dir, "r.html"))
	assert.FileExists(t, filepath.Join(dir, "r_files", "fig-f1.svg"))
}
