//go:build e2e && unix

package e2e_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/internal/e2e/realollama"
)

// runLine is one line of `run` output (the fields the tests read).
type runLine struct {
	ID            string            `json:"id"`
	Findings      []json.RawMessage `json:"findings"`
	DraftLabels   []json.RawMessage `json:"draft_labels"`
	Disagreements []struct {
		Label string `json:"label"`
		Kind  string `json:"kind"`
	} `json:"disagreements"`
	Provenance struct {
		Grounding *stageProv `json:"grounding"`
		Draft     *stageProv `json:"draft"`
	} `json:"provenance"`
	Timings struct {
		GroundingMS int64 `json:"grounding_ms"`
		DraftMS     int64 `json:"draft_ms"`
		QueueMS     int64 `json:"queue_ms"`
		WallMS      int64 `json:"wall_ms"`
	} `json:"timings"`
	Cached     bool   `json:"cached"`
	Unverified bool   `json:"unverified"`
	Error      string `json:"error"`
	ImageOnly  bool   `json:"image_only"`
	Note       string `json:"note"`
}

type stageProv struct {
	Model        string `json:"model"`
	PromptDigest string `json:"prompt_digest"`
	ModelDigest  string `json:"model_digest"`
	Options      string `json:"options"`
	Host         string `json:"host"`
	DoneReason   string `json:"done_reason"`
	Error        string `json:"error"`
	Attempts     []struct {
		N   int    `json:"n"`
		Raw string `json:"raw"`
	} `json:"attempts"`
}

// parseRun reads `run` output, one JSON object a line.
func parseRun(t *testing.T, out string) []runLine {
	t.Helper()
	var lines []runLine
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var l runLine
		require.NoError(t, json.Unmarshal(sc.Bytes(), &l), sc.Text())
		lines = append(lines, l)
	}
	require.NoError(t, sc.Err())
	return lines
}

// ids returns the lines' item ids in order.
func ids(lines []runLine) []string {
	var out []string
	for _, l := range lines {
		out = append(out, l.ID)
	}
	return out
}

// caseIDs returns the ids of the first n cases (all when n is 0).
func caseIDs(n int) []string {
	if n == 0 || n > len(cases) {
		n = len(cases)
	}
	var out []string
	for _, c := range cases[:n] {
		out = append(out, c.id)
	}
	return out
}

func TestRun(t *testing.T) {
	srv := serverWithModels(t, realollama.Vision, realollama.Text)
	wl := worklist(t, 0)
	args := append([]string{"run", wl, "--ollama", srv.URL()}, modelFlags(realollama.Vision, realollama.Text)...)
	visionDigest, err := srv.Digest(realollama.Vision)
	require.NoError(t, err)
	textDigest, err := srv.Digest(realollama.Text)
	require.NoError(t, err)

	first := cxr(t, args...)
	require.Equal(t, 0, first.code, "every item should succeed; stderr:\n%s", first.stderr)
	lines := parseRun(t, first.stdout)
	require.Equal(t, caseIDs(0), ids(lines), "lines in worklist order")
	for _, l := range lines {
		assert.Empty(t, l.Error, l.ID)
		assert.False(t, l.Cached, l.ID)
		assert.NotNil(t, l.Findings, "%s: a grounding that succeeded has findings (maybe none)", l.ID)
		g, d := l.Provenance.Grounding, l.Provenance.Draft
		require.NotNil(t, g, l.ID)
		require.NotNil(t, d, l.ID)
		assert.Equal(t, visionDigest, g.ModelDigest, "%s: provenance holds the served model's digest", l.ID)
		assert.Equal(t, textDigest, d.ModelDigest, l.ID)
		assert.Equal(t, srv.URL(), g.Host, l.ID)
		assert.Equal(t, "stop", g.DoneReason, l.ID)
		assert.GreaterOrEqual(t, l.Timings.WallMS, l.Timings.QueueMS, l.ID)
	}
	// One call per model at a time: the last item waited for the others,
	// and that wait is reported apart from its stages' times.
	last := lines[len(lines)-1].Timings
	assert.Positive(t, last.QueueMS, "queue time of the last item")
	assert.Less(t, max(last.GroundingMS, last.DraftMS), last.WallMS-last.QueueMS/2, "stage times leave the queue out")
	// The tidy tiny models write short valid arrays, usually with a
	// finding: at least one item should disagree with its draft, or the
	// review test below has nothing to adjudicate.
	n := 0
	for _, l := range lines {
		n += len(l.Disagreements)
	}
	assert.Positive(t, n, "no disagreement in any item")

	t.Run("second run is served from the cache", func(t *testing.T) {
		chats := srv.Requests("POST", "/api/chat")
		again := cxr(t, args...)
		require.Equal(t, 0, again.code, again.stderr)
		lines := parseRun(t, again.stdout)
		require.Equal(t, caseIDs(0), ids(lines), "cached lines in worklist order too")
		for _, l := range lines {
			assert.True(t, l.Cached, l.ID)
			assert.Empty(t, l.Error, l.ID)
		}
		assert.Equal(t, chats, srv.Requests("POST", "/api/chat"), "a cached run sends no chat")
	})
}

// TestRunFailover kills one of two hosts while a run is under way: the
// other host finishes every item.
func TestRunFailover(t *testing.T) {
	a := serverWithModels(t, realollama.Vision, realollama.Text)
	b := secondServer(t, a)
	wl := worklist(t, 0)

	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, append([]string{"run", wl, "--ollama", a.URL(), "--ollama", b.URL(),
		"--out", filepath.Join(t.TempDir(), "out.jsonl")}, modelFlags(realollama.Vision, realollama.Text)...)...)
	cmd.Env = cleanEnv(t)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	start := time.Now()

	// Kill host a as soon as the first item is finished (its progress
	// line), with more items to go.
	var log strings.Builder
	sc := bufio.NewScanner(stderr)
	killed := false
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
		if !killed && strings.Contains(sc.Text(), "1/4") {
			a.Kill()
			killed = true
			t.Logf("killed %s after %v", a.URL(), time.Since(start).Round(time.Millisecond))
		}
	}
	err = cmd.Wait()
	t.Logf("run finished in %v:\n%s", time.Since(start).Round(time.Millisecond), log.String())
	require.True(t, killed, "the run never reported its first item")
	require.NoError(t, err, "every item should finish on the host left")
	assert.Contains(t, log.String(), "4 of 4 items: 4 done, 0 failed")
	assert.NotContains(t, log.String(), "different builds", "hosts sharing a store serve the same digests")
	assert.Equal(t, 1, strings.Count(log.String(), "host "+a.URL()+" stopped answering"), "one line when a host drops out")
}
