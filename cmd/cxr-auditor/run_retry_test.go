package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
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

// TestRunLimitAndIDs: there was no way to smoke-test a subset before a
// large run; --limit N runs the first N good rows, --ids the named ones.
func TestRunLimitAndIDs(t *testing.T) {
	dir := t.TempDir()
	srv := runServer(t)
	wl := runWorklist(t, dir, 4)
	db := filepath.Join(dir, "x.db")

	r := invokeMain(t, "", runArgs(srv, wl, "--db", db, "--limit", "2")...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "2 of 2 items: 2 done")
	assert.Equal(t, []string{"case-0", "case-1"}, lineIDs(t, r.stdout))

	r = invokeMain(t, "", runArgs(srv, wl, "--db", db, "--ids", "case-3,case-1,nope")...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "2 of 2 items")
	assert.Contains(t, r.stderr, `warning: `+wl+`: 1 of the --ids are in no good row: ["nope"]`)
	assert.Equal(t, []string{"case-1", "case-3"}, lineIDs(t, r.stdout))

	r = invokeMain(t, "", runArgs(srv, wl, "--db", db, "--limit", "-1")...)
	assert.Equal(t, 2, r.code, r.stderr)
}

// lineIDs are the ids of run's output lines, in order.
func lineIDs(t *testing.T, out string) []string {
	var ids []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		ids = append(ids, m["id"].(string))
	}
	return ids
}
