//go:build e2e && unix

package e2e_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/internal/e2e/realollama"
)

// TestRunRefusedBeforeAnyCall: a model the run cannot use stops it before
// any model call, with exit status 1 and the command that fixes it.
func TestRunRefusedBeforeAnyCall(t *testing.T) {
	srv := serverWithModels(t, realollama.Vision, realollama.Text)
	wl := worklist(t, 0)
	tests := []struct {
		name, grounding, draft string
		want                   []string
	}{
		// The server would drop every image without an error and the
		// run would "succeed" with findings from a model that never saw
		// the image.
		{"grounding model that cannot see", realollama.Text, realollama.Text,
			[]string{"grounding model " + realollama.Text, `no "vision" capability`}},
		{"missing grounding model", "nope-missing", realollama.Text,
			[]string{"grounding model nope-missing is not on any Ollama host", "ollama create nope-missing"}},
		{"missing draft model", realollama.Vision, "nope-draft",
			[]string{"draft model nope-draft is not on any Ollama host", "ollama create nope-draft"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			chats := srv.Requests("POST", "/api/chat")
			r := cxr(t, append([]string{"run", wl, "--ollama", srv.URL()}, modelFlags(tc.grounding, tc.draft)...)...)
			assert.Equal(t, 1, r.code, r.stderr)
			for _, w := range tc.want {
				assert.Contains(t, r.stderr, w)
			}
			assert.Contains(t, r.stderr, "fix: ")
			assert.Contains(t, r.stderr, "OLLAMA_HOST="+srv.URL(), "the fix names the host, so it runs as pasted")
			assert.Empty(t, r.stdout, "no item is reported")
			assert.Equal(t, chats, srv.Requests("POST", "/api/chat"), "no model call")
		})
	}
}

// TestReviewRefusedBeforeAnyCall: review with a model missing on every
// host opens with a blocking message carrying the fix, sends no model
// call, and quits on q.
func TestReviewRefusedBeforeAnyCall(t *testing.T) {
	srv := serverWithModels(t, realollama.Vision, realollama.Text)
	wl := worklist(t, 0)
	chats := srv.Requests("POST", "/api/chat")
	term := openTerminal(t, 120, 40, append([]string{"review", wl, "--ollama", srv.URL(), "--graphics", "text", "--annotator", "e2e"},
		modelFlags("nope-missing", realollama.Text)...)...)
	term.waitFor("models unavailable · esc reviews cached results · q quits",
		"grounding model nope-missing is not on any Ollama host", "OLLAMA_HOST="+srv.URL()+" ollama create nope-missing", "NO-MODELS")
	term.press("q")
	require.Equal(t, "0", term.exitStatus())
	assert.Equal(t, chats, srv.Requests("POST", "/api/chat"), "no model call")
}

// TestRunOffline: with every host gone, run writes each cached result
// (marked cached and unverified) instead of turning it into an error, and
// review still shows them and takes verdicts.
func TestRunOffline(t *testing.T) {
	srv := serverWithModels(t, realollama.Vision, realollama.Text)
	wl := worklist(t, 0)
	args := append([]string{"run", wl, "--ollama", srv.URL()}, modelFlags(realollama.Vision, realollama.Text)...)
	online := cxr(t, args...)
	require.Equal(t, 0, online.code, online.stderr)
	srv.Stop()

	offline := cxr(t, args...)
	assert.Equal(t, 0, offline.code, offline.stderr)
	assert.Contains(t, offline.stderr, "no Ollama host answered")
	lines := parseRun(t, offline.stdout)
	require.Equal(t, caseIDs(0), ids(lines))
	for _, l := range lines {
		assert.Empty(t, l.Error, l.ID)
		assert.True(t, l.Cached, l.ID)
		assert.True(t, l.Unverified, "%s: no host confirmed the model's digest", l.ID)
		assert.NotNil(t, l.Findings, l.ID)
	}

	t.Run("review", func(t *testing.T) {
		// --embedded-prompt-ok: the prompt badge would make the status
		// bar take its terse form at 120 columns.
		term := openTerminal(t, 120, 40, append([]string{"review", wl, "--ollama", srv.URL(), "--graphics", "text", "--annotator", "e2e",
			"--embedded-prompt-ok"}, modelFlags(realollama.Vision, realollama.Text)...)...)
		term.waitFor("OFFLINE (cached only) · 4/4 done", "verdict: — (i/d/b/u)", "cached results are shown (model digests unverified)")
		term.press("i")
		term.waitFor("saved ✓")
		term.press("q")
		require.Equal(t, "0", term.exitStatus())
		verdicts := 0
		for _, row := range exportCSV(t, wl) {
			assert.Equal(t, "done", row["status"], "%s: no cached result became an error", row["id"])
			if row["annotator"] == "e2e" && row["decision"] == "image_right" {
				verdicts++
			}
		}
		assert.Equal(t, 1, verdicts)
	})
}

// TestRunHostDiesAndComesBack kills the only host after the first item and
// starts it again: the run waits instead of failing item after item, says
// so once, and finishes every item when the host is back.
func TestRunHostDiesAndComesBack(t *testing.T) {
	srv := serverWithModels(t, realollama.Vision, realollama.Text)
	wl := worklist(t, 0)
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, append([]string{"run", wl, "--ollama", srv.URL()}, modelFlags(realollama.Vision, realollama.Text)...)...)
	cmd.Env = cleanEnv(t)
	var stdout strings.Builder
	cmd.Stdout = &stdout
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	start := time.Now()

	var log strings.Builder
	sc := bufio.NewScanner(stderr)
	killed, restarted := false, false
	for sc.Scan() {
		line := sc.Text()
		log.WriteString(line + "\n")
		switch {
		case !killed && strings.Contains(line, "1/4"):
			srv.Kill()
			killed = true
			t.Logf("killed the host after %v", time.Since(start).Round(time.Millisecond))
		case killed && !restarted && strings.Contains(line, "no host can serve"):
			srv.Restart(t)
			restarted = true
			t.Logf("host back after %v", time.Since(start).Round(time.Millisecond))
		}
	}
	err = cmd.Wait()
	t.Logf("run finished in %v:\n%s", time.Since(start).Round(time.Millisecond), log.String())
	require.True(t, killed, "the run never reported its first item")
	require.True(t, restarted, "the run never said that no host could serve a model")
	require.NoError(t, err)
	assert.Contains(t, log.String(), "4 of 4 items: 4 done, 0 failed")
	assert.Equal(t, 1, strings.Count(log.String(), "host "+srv.URL()+" stopped answering"), "one line when the host drops out")
	assert.Equal(t, 1, strings.Count(log.String(), "host "+srv.URL()+" answers again"), "one line when it comes back")
	assert.Equal(t, caseIDs(0), ids(parseRun(t, stdout.String())))
}

// TestRunRepeatedFailureKept: a reply Ollama aborts for repetition is a
// deterministic failure; it is stored with its provenance, explained, and
// not asked for again when the run resumes.
func TestRunRepeatedFailureKept(t *testing.T) {
	srv := serverWithModels(t, realollama.Vision, realollama.Stuck)
	wl := worklist(t, 0)
	args := append([]string{"run", wl, "--ollama", srv.URL()}, modelFlags(realollama.Vision, realollama.Stuck)...)
	first := cxr(t, args...)
	// As the served app: a draft that cannot be read after its two
	// attempts leaves the item audited on the image alone, not failed.
	assert.Equal(t, 0, first.code, first.stderr)
	for _, l := range parseRun(t, first.stdout) {
		assert.Empty(t, l.Error, l.ID)
		assert.True(t, l.ImageOnly, l.ID)
		assert.Contains(t, l.Note, "kept repeating one token", l.ID)
		require.NotNil(t, l.Provenance.Draft, l.ID)
		assert.Contains(t, l.Provenance.Draft.Error, "kept repeating one token", l.ID)
		assert.Len(t, l.Provenance.Draft.Attempts, 2, "%s: both draft attempts", l.ID)
		assert.NotEmpty(t, l.Provenance.Draft.ModelDigest, "%s: the failure is stored with its provenance", l.ID)
	}

	chats := srv.Requests("POST", "/api/chat")
	again := cxr(t, args...)
	assert.Equal(t, 0, again.code)
	lines := parseRun(t, again.stdout)
	require.Equal(t, caseIDs(0), ids(lines))
	for _, l := range lines {
		assert.Contains(t, l.Note, "kept repeating one token", l.ID)
	}
	assert.Equal(t, chats, srv.Requests("POST", "/api/chat"), "a resumed run does not ask again")
}

// TestRunCutAtNumPredict: an error caused by --num-predict says so, in
// words a user can act on.
func TestRunCutAtNumPredict(t *testing.T) {
	srv := serverWithModels(t, realollama.Vision, realollama.Text)
	wl := worklist(t, 1)
	r := cxr(t, append([]string{"run", wl, "--ollama", srv.URL(), "--num-predict", "1"}, modelFlags(realollama.Vision, realollama.Text)...)...)
	assert.Equal(t, 2, r.code)
	lines := parseRun(t, r.stdout)
	require.Len(t, lines, 1)
	assert.Contains(t, lines[0].Error, "cut at num_predict=1 (done_reason length)")
	assert.Contains(t, lines[0].Error, "raise --num-predict-grounding")
}

// TestRunNumCtxAboveModel: num_ctx above a model's context length (which
// the server would silently cut) is replaced by the model's own, with one
// warning, and the value used is what provenance records.
func TestRunNumCtxAboveModel(t *testing.T) {
	srv := serverWithModels(t, realollama.Vision, realollama.Text)
	wl := worklist(t, 2)
	r := cxr(t, "run", wl, "--ollama", srv.URL(), "--grounding-model", realollama.Vision, "--draft-model", realollama.Text, "--num-ctx", "4096")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, 1, strings.Count(r.stderr, "num_ctx 4096 is more than the context length of "+realollama.Text), r.stderr)
	for _, l := range parseRun(t, r.stdout) {
		assert.Equal(t, 2048, numCtx(t, l.Provenance.Draft.Options), "%s: the text model's own context length", l.ID)
		assert.Equal(t, 4096, numCtx(t, l.Provenance.Grounding.Options), "%s: within the vision model's 8192", l.ID)
	}
}

// numCtx reads num_ctx from a provenance options string.
func numCtx(t *testing.T, options string) int {
	t.Helper()
	var o struct {
		NumCtx int `json:"num_ctx"`
	}
	require.NoError(t, json.Unmarshal([]byte(options), &o), options)
	return o.NumCtx
}
