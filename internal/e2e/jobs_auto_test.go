//go:build e2e && unix

package e2e_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/internal/e2e/realollama"
	"github.com/cxr-auditor/cxr-auditor/pipeline"
)

// TestRunJobsAutoAgainstARealServer runs `run` with its default --jobs
// auto against a real server. The runner generates one reply at a time
// (Parallel:1 in its log), but the server's own work around each call
// (the template, the tokens, the JSON grammar, the reply) overlaps it, so
// with tiny models a second call in flight does buy throughput: the
// tuner measures, notes its choice for the text model once, within its
// bounds, and every item succeeds. Every row shares one image (one
// grounding call); each has its own draft, enough calls for the tuner
// to go through its first doublings.
func TestRunJobsAutoAgainstARealServer(t *testing.T) {
	srv := serverWithModels(t, realollama.Vision, realollama.Text)
	dir := t.TempDir()
	c := cases[0]
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "phantoms", c.image))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, c.image), data, 0o644))
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	require.NoError(t, w.Write([]string{"id", "image", "draft"}))
	for i := range 80 {
		require.NoError(t, w.Write([]string{fmt.Sprintf("case-%02d", i), c.image, fmt.Sprintf("Case %d. %s", i, c.draft)}))
	}
	w.Flush()
	wl := filepath.Join(dir, "cases.csv")
	require.NoError(t, os.WriteFile(wl, b.Bytes(), 0o644))

	r := cxr(t, append([]string{"run", wl, "--ollama", srv.URL(), "--out", filepath.Join(dir, "out.jsonl")}, modelFlags(realollama.Vision, realollama.Text)...)...)
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stderr, "--jobs auto: Ollama does not report how many calls a server runs at once")
	re := regexp.MustCompile(`--jobs auto: ` + regexp.QuoteMeta(srv.URL()) + `, ` + regexp.QuoteMeta(realollama.Text) +
		`: (\d+) at once \((\d+ at once gave [0-9.]+x the throughput of \d+, at [0-9.]+x its latency|throughput kept rising.*)\)`)
	m := re.FindAllStringSubmatch(r.stderr, -1)
	require.Len(t, m, 1, "one choice for the text model:\n%s", r.stderr)
	n, err := strconv.Atoi(m[0][1])
	require.NoError(t, err)
	assert.GreaterOrEqual(t, n, 1)
	assert.LessOrEqual(t, n, pipeline.MaxAutoCapacity)
	t.Log(m[0][0])
}
