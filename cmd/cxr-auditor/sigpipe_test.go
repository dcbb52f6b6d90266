package main

import (
	"bufio"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ollama/ollama/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
)

// TestHostileRunPipedToHeadStopsWith141: `run | head` died of SIGPIPE with no
// summary. In a real process whose stdout reader closes after the first
// line, run now stops with exit 141 (128 + SIGPIPE), says why on stderr
// and keeps the finished items.
//
// The draft calls wait on what the test has done, never on time: the test
// once let the run race ahead, and on a loaded machine all twelve lines
// could be in the pipe's buffer before the close, so nothing met the
// broken pipe (exit 0), or every item had been called. Now case-1's draft
// waits until the reader has closed, so its line meets the broken pipe,
// and later drafts wait until the test ends, so no item after case-2 can
// be called (--jobs 1: one draft call at a time).
func TestHostileRunPipedToHeadStopsWith141(t *testing.T) {
	dir := t.TempDir()
	closed, ended := make(chan struct{}), make(chan struct{})
	var once, endOnce sync.Once
	open := func() { once.Do(func() { close(closed) }) }
	respond := func(req *api.ChatRequest) ollamatest.Reply {
		text := ""
		for _, m := range req.Messages {
			if len(m.Images) > 0 {
				return ollamatest.Reply{Content: `[{"label":"pneumothorax","box_2d":[0.2,0.5,0.6,0.8]}]`}
			}
			text += m.Content
		}
		switch {
		case strings.Contains(text, "Case 1."):
			<-closed
		case !strings.Contains(text, "Case 0."):
			<-ended
		}
		return ollamatest.Reply{Content: `[{"label":"pneumothorax","status":"absent","span":"No pneumothorax."}]`}
	}
	srv := ollamatest.NewServer(
		ollamatest.Model{Name: runGroundModel, Capabilities: []string{"completion", "vision"}, Respond: respond},
		ollamatest.Model{Name: runDraftModel, Capabilities: []string{"completion"}, Respond: respond},
	)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { open(); endOnce.Do(func() { close(ended) }) }) // before srv.Close: its handlers wait
	wl := runWorklist(t, dir, 12)
	cmd := exec.Command(binary(t), runArgs(srv, wl, "--db", filepath.Join(dir, "x.db"), "--jobs", "1")...)
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
	open()                          // only now can case-1's line be written
	err = cmd.Wait()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "stderr: %s", stderr.String())
	assert.Equal(t, 141, ee.ExitCode(), "exited, not killed by the signal; stderr: %s", stderr.String())
	assert.Contains(t, stderr.String(), "the output was closed (broken pipe)")
	assert.Contains(t, stderr.String(), "of 12 items:", "the summary is printed")
	assert.LessOrEqual(t, srv.Stats(runDraftModel).Served, 3, "stopped at the broken pipe instead of calling for every item")
}
