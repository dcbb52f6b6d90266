package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ollama/ollama/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
	"github.com/cxr-auditor/cxr-auditor/session"
)

// removeStore deletes the store and its -wal and -shm files from another
// process, as `rm cases.cxr.db*` in another shell does.
func removeStore(t *testing.T, db string) {
	t.Helper()
	out, err := exec.Command("sh", "-c", `rm -f "$1" "$1-wal" "$1-shm"`, "sh", db).CombinedOutput()
	require.NoError(t, err, string(out))
}

// TestReviewStoreDeleted: with review open, another process deletes the
// store. The next verdict is not shown saved, it is kept in the rescue
// file beside the store, and review exits 2 saying so (it once showed
// "saved ✓" and exited 0, with nothing on disk). Being kept, it does not
// hold the quit back.
func TestReviewStoreDeleted(t *testing.T) {
	ctx := t.Context()
	d, err := session.StartDemo(ctx, session.DemoOptions{Dir: smallDemo(t, "demo-12-nodule-hedge"), Fast: true})
	require.NoError(t, err)
	t.Cleanup(d.Close)

	keys, press := io.Pipe()
	t.Cleanup(func() { press.Close() })
	out := newWatchWriter()
	row := out.waitFor("urgent · draft agrees: confirm")
	var errOut syncBuffer
	e := env{stdin: keys, stdout: out, stderr: &errOut, getenv: func(string) string { return "" }}
	cfg := d.Workstation(session.WorkstationConfig{Graphics: "text", Annotator: "tester"})
	cfg.Width, cfg.Height = 160, 40
	ran := make(chan error, 1)
	go func() { ran <- session.Workstation(ctx, e.session(), cfg) }()
	select {
	case <-row:
	case err := <-ran:
		t.Fatalf("the workstation quit: %v\n%s", err, errOut.String())
	}
	pressUntilStored(t, press, out, "i", d.DB, "demo-12-nodule-hedge")

	removeStore(t, d.DB)
	rescue := d.DB + ".rescue.jsonl"
	_, err = press.Write([]byte("u"))
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		data, err := os.ReadFile(rescue)
		return err == nil && strings.Contains(string(data), `"decision":"unsure"`)
	}, 30*time.Second, 20*time.Millisecond, "the refused verdict is kept; screen:\n%s", tail(out.String(), 2000))
	// The refused verdict is kept in the rescue file, so quitting loses
	// nothing: q quits at once (it asked "q again quits now and loses it").
	_, err = press.Write([]byte("q"))
	require.NoError(t, err)
	select {
	case err = <-ran:
	case <-time.After(20 * time.Second):
		t.Fatalf("q did not quit:\n%q", tail(out.String(), 3000))
	}
	var ee session.ExitError
	require.True(t, errors.As(err, &ee), "%v", err)
	assert.Equal(t, 2, ee.Code)
	assert.Contains(t, errOut.String(), "NOT SAVED")
	assert.Contains(t, errOut.String(), "deleted or replaced")
	assert.Contains(t, errOut.String(), "1 write(s) refused since are kept in "+rescue)
	assert.Contains(t, out.String(), "NOT saved")
	assert.NotContains(t, out.String(), "loses it", "nothing would be lost")
	_, err = os.Stat(d.DB)
	assert.True(t, errors.Is(err, os.ErrNotExist), "nothing recreated a store at the path")
}

// TestRunStoreDeleted: `run` whose store another process deletes midway
// stops at the first result refused, keeps the refused results in the
// rescue file and every finished line in --out, and exits 2 saying so (it
// once said "600 done, 0 failed", exit 0, with no store).
func TestRunStoreDeleted(t *testing.T) {
	t.Parallel() // it waits on a process: other tests run meanwhile
	dir := t.TempDir()
	gate := make(chan struct{})
	var once sync.Once
	open := func() { once.Do(func() { close(gate) }) }
	respond := func(req *api.ChatRequest) ollamatest.Reply {
		text := ""
		for _, m := range req.Messages {
			if len(m.Images) > 0 {
				return ollamatest.Reply{Content: `[{"label":"pneumothorax","box_2d":[0.2,0.5,0.6,0.8]}]`}
			}
			text += m.Content
		}
		if !strings.Contains(text, "Case 0.") {
			<-gate // the other drafts wait until the store is gone
		}
		return ollamatest.Reply{Content: `[{"label":"pneumothorax","status":"absent","span":"No pneumothorax."}]`}
	}
	srv := ollamatest.NewServer(
		ollamatest.Model{Name: runGroundModel, Capabilities: []string{"completion", "vision"}, Respond: respond},
		ollamatest.Model{Name: runDraftModel, Capabilities: []string{"completion"}, Respond: respond},
	)
	t.Cleanup(srv.Close)
	t.Cleanup(open) // before srv.Close: its handlers wait on the gate
	wl := runWorklist(t, dir, 6)
	outPath := filepath.Join(dir, "results.jsonl")
	cmd := exec.Command(binary(t), runArgs(srv, wl, "--out", outPath, "--jobs", "1")...)
	var stderr syncBuffer
	first := make(chan struct{})
	var firstOnce sync.Once
	cmd.Stderr = &lineWatcher{buf: &stderr, on: func(line string) {
		if strings.Contains(line, "1/6") {
			firstOnce.Do(func() { close(first) })
		}
	}}
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	select {
	case <-first:
	case <-time.After(time.Minute):
		t.Fatalf("the first item never finished; stderr:\n%s", stderr.String())
	}
	db := filepath.Join(dir, "wl.cxr.db")
	removeStore(t, db)
	open()
	assert.Equal(t, 2, waitExit(t, cmd), stderr.String())
	msg := stderr.String()
	t.Log(msg)
	assert.Contains(t, msg, "NOT SAVED")
	assert.Contains(t, msg, "deleted or replaced")
	assert.Contains(t, msg, "kept in "+db+".rescue.jsonl")
	assert.NotContains(t, msg, "0 failed")
	// The store's error is printed once, however many results it refused
	// (it was printed twice per item), and the others are counted.
	assert.Equal(t, 1, strings.Count(msg, "nothing more is written to it"), "the error once")
	assert.Contains(t, msg, "NOT SAVED: the store file was deleted or replaced while open (above)")
	m := regexp.MustCompile(`(\d+) \((\d+) not stored\) failed`).FindStringSubmatch(msg)
	require.NotNil(t, m, "the summary counts the results not stored")
	if notStored, _ := strconv.Atoi(m[2]); notStored > 1 {
		assert.Contains(t, msg, fmt.Sprintf("%d more item(s) failed with the same error as case-1 (above)", notStored-1))
	}
	data, err := os.ReadFile(db + ".rescue.jsonl")
	require.NoError(t, err)
	assert.Contains(t, string(data), `"kind":"outcome"`)
	lines, err := os.ReadFile(outPath)
	require.NoError(t, err)
	got := readRunLines(t, string(lines))
	assert.Contains(t, got, "case-0")
	assert.GreaterOrEqual(t, len(got), 2, "the refused item's line is in --out")
	_, err = os.Stat(db)
	assert.True(t, errors.Is(err, os.ErrNotExist), "nothing recreated a store at the path")
}
