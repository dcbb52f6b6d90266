package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSummaryWall(t *testing.T) {
	tests := []struct {
		stderr string
		want   time.Duration
		ok     bool
	}{
		{"cxr-auditor run: 64 of 64 items: 64 done, 0 failed, 0 salvaged, 0 cached, 64 urgent; wall 25.92s\n", 25920 * time.Millisecond, true},
		{"warning: x\ncxr-auditor run: 3 of 3 items: 3 done, 0 failed, 0 salvaged, 0 cached, 0 urgent; wall 1m2.5s\n", 62500 * time.Millisecond, true},
		{"cxr-auditor run: 1 of 1 items: 1 done, 0 failed, 0 salvaged, 0 cached, 0 urgent; wall 850ms", 850 * time.Millisecond, true},
		{"cxr-auditor run: interrupted", 0, false},
	}
	for _, tt := range tests {
		got, err := summaryWall(tt.stderr)
		if !tt.ok {
			assert.Error(t, err)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tt.want, got)
	}
}

func TestTargets(t *testing.T) {
	assert.Equal(t, runTarget{60 * time.Second, 150}, targetFor(100_000))
	assert.Equal(t, runTarget{10 * time.Minute, 300}, targetFor(1_000_000))
}

func TestWriteWorklist(t *testing.T) {
	dir := t.TempDir()
	wl, err := writeWorklist(dir, 5, false)
	require.NoError(t, err)
	b, err := os.ReadFile(wl)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	require.Len(t, lines, 6)
	assert.Equal(t, "id,image,draft", lines[0])
	for _, l := range lines[1:] {
		assert.Contains(t, l, ",img0.png,", "one image for every row")
	}
	assert.FileExists(t, filepath.Join(dir, "img0.png"))
	assert.NoFileExists(t, filepath.Join(dir, "img1.png"))

	_, err = writeWorklist(filepath.Join(dir, "distinct"), 3, true)
	require.NoError(t, err)
	for _, f := range []string{"img0.png", "img1.png", "img2.png"} {
		assert.FileExists(t, filepath.Join(dir, "distinct", f))
	}
}

func TestFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-hosts", "1,x"}, "-hosts"},
		{[]string{"-hosts", "0"}, "-hosts"},
		{[]string{"-mode", "nope"}, "-mode"},
		{[]string{"-rounds", "0"}, "-rounds"},
		{[]string{"-jobs", "-1"}, "-jobs 0 or more"},
		{[]string{"-bin", filepath.Join(t.TempDir(), "none")}, "make build"},
	}
	for _, tt := range tests {
		_, err := parseFlags(tt.args)
		assert.ErrorContains(t, err, tt.want, tt.args)
	}
}

func TestJobsText(t *testing.T) {
	assert.Equal(t, "run's default flags (--jobs auto), the fake at its default capacity", jobsText(0))
	assert.Equal(t, "--jobs 8, the fake serving 8 at once", jobsText(8))
}

func TestJobsChoices(t *testing.T) {
	stderr := "cxr-auditor run: run x; --jobs auto: Ollama does not report how many\n" +
		"cxr-auditor run: --jobs auto: http://h:1, m: 2 at once (4 at once gave 1.01x the throughput of 2, at 1.98x its latency)\n" +
		"cxr-auditor run: 3 of 3 items\n"
	assert.Equal(t, []string{"--jobs auto chose, http://h:1, m: 2 at once (4 at once gave 1.01x the throughput of 2, at 1.98x its latency)"}, jobsChoices(stderr))
	assert.Empty(t, jobsChoices("cxr-auditor run: 3 of 3 items\n"))
}

func TestLineWriter(t *testing.T) {
	w := newLineWriter(2)
	for _, p := range []string{"http://127.0.0.1:1", "234\nhttp://127.0.0.1:5", "678\n", "more\n"} {
		n, err := w.Write([]byte(p))
		require.NoError(t, err)
		assert.Equal(t, len(p), n)
	}
	select {
	case <-w.ready:
	default:
		t.Fatal("not ready after two lines")
	}
	assert.Equal(t, []string{"http://127.0.0.1:1234", "http://127.0.0.1:5678"}, w.lines())
}

func TestMedian(t *testing.T) {
	assert.Equal(t, 2*time.Second, median([]time.Duration{3 * time.Second, time.Second, 2 * time.Second}))
	assert.Equal(t, time.Second, median([]time.Duration{2 * time.Second, time.Second}))
	m := medianMeasurement([]measurement{{wall: 1, cpu: 9, maxRSS: 5}, {wall: 3, cpu: 1, maxRSS: 4}, {wall: 2, cpu: 5, maxRSS: 6}})
	assert.Equal(t, measurement{wall: 2, cpu: 5, maxRSS: 5}, m)
}

// TestFrameWatchAnswersDA1: the pty answers each device-attributes query
// once, also one split across two writes, and nothing else (the colour
// queries go unanswered), so the workstation's probe ends as it would
// in a terminal that reports the least.
func TestFrameWatchAnswersDA1(t *testing.T) {
	var term bytes.Buffer
	w := &frameWatch{first: []byte("demo-01"), last: []byte(" quit"), start: time.Now(), done: make(chan time.Duration, 1), term: &term}
	for _, p := range []string{"\x1b]11;?\x07\x1b[", "c", "frame \x1b]10;?\x07", "\x1b[c demo-01 … q quit"} {
		_, err := w.Write([]byte(p))
		require.NoError(t, err)
	}
	assert.Equal(t, "\x1b[?1;2c\x1b[?1;2c", term.String())
	assert.Equal(t, 2, w.asked)
	select {
	case <-w.done:
	default:
		t.Fatal("the frame was not seen")
	}
}
