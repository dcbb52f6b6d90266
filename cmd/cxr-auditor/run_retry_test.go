package main

import (
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/ollama/ollama/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
)

// TestRunRetryFailed: a grounding reply the parser cannot use is stored as
// a failure the same call repeats, so a rerun serves it without a call;
// run had no way to call again (pipeline.Config.RetryFailed had no flag).
// --retry-failed calls again.
func TestRunRetryFailed(t *testing.T) {
	dir := t.TempDir()
	var unusable atomic.Bool
	unusable.Store(true)
	respond := func(req *api.ChatRequest) ollamatest.Reply {
		if unusable.Load() {
			return ollamatest.Reply{Content: "I cannot see any image."}
		}
		return ollamatest.Reply{Content: `[{"label":"pneumothorax","box_2d":[0.2,0.5,0.6,0.8]}]`}
	}
	srv := ollamatest.NewServer(
		ollamatest.Model{Name: runGroundModel, Capabilities: []string{"completion", "vision"}, Respond: respond},
		ollamatest.Model{Name: runDraftModel, Capabilities: []string{"completion"}},
	)
	t.Cleanup(srv.Close)
	wl := runWorklist(t, dir, 2)
	db := filepath.Join(dir, "x.db")
	args := runArgs(srv, wl, "--db", db, "--attempts", "1")

	r := invokeMain(t, "", args...)
	require.Equal(t, 2, r.code, r.stderr)
	assert.Contains(t, r.stderr, "2 failed")
	served := srv.Stats(runGroundModel).Served

	unusable.Store(false) // the model (or its prompt) is fixed
	r = invokeMain(t, "", args...)
	require.Equal(t, 2, r.code, r.stderr)
	assert.Equal(t, served, srv.Stats(runGroundModel).Served, "a stored deterministic failure is served")

	r = invokeMain(t, "", append(args, "--retry-failed")...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "2 done, 0 failed")
	assert.Equal(t, served+2, srv.Stats(runGroundModel).Served, "--retry-failed called again")
}
