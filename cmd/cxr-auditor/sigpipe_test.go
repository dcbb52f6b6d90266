package main

import (
	"bufio"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
)

// TestHostileRunPipedToHeadStopsWith141: `run | head` died of SIGPIPE with no
// summary. In a real process whose stdout reader closes after the first
// line, run now stops with exit 141 (128 + SIGPIPE), says why on stderr
// and keeps the finished items.
func TestHostileRunPipedToHeadStopsWith141(t *testing.T) {
	dir := t.TempDir()
	srv := ollamatest.NewServer(
		ollamatest.Model{Name: runGroundModel, Capabilities: []string{"completion", "vision"}, Latency: 50 * time.Millisecond},
		ollamatest.Model{Name: runDraftModel, Capabilities: []string{"completion"}, Latency: 50 * time.Millisecond},
	)
	t.Cleanup(srv.Close)
	wl := runWorklist(t, dir, 12)
	cmd := exec.Command(binary(t), runArgs(srv, wl, "--db", filepath.Join(dir, "x.db"))...)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	assert.Contains(t, line, `"id":"case-0"`)
	require.NoError(t, out.Close()) // head has what it wanted
	err = cmd.Wait()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "stderr: %s", stderr.String())
	assert.Equal(t, 141, ee.ExitCode(), "exited, not killed by the signal; stderr: %s", stderr.String())
	assert.Contains(t, stderr.String(), "the output was closed (broken pipe)")
	assert.Contains(t, stderr.String(), "of 12 items:", "the summary is printed")
	assert.Less(t, srv.Stats(runGroundModel).Served, 12, "stopped early instead of calling for every item")
}
