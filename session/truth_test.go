package session

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/ollama"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Synthetic data only: generated images, drafts and truth.

// truthWorklist writes n items (case-0 ...) and returns the worklist.
func truthWorklist(t *testing.T, dir string, n int) string {
	var b strings.Builder
	b.WriteString("id,image,draft\n")
	for i := range n {
		writeRunImage(t, filepath.Join(dir, fmt.Sprintf("c%d.png", i)), i)
		fmt.Fprintf(&b, "case-%d,c%d.png,No pneumothorax.\n", i, i)
	}
	p := filepath.Join(dir, "wl.csv")
	require.NoError(t, os.WriteFile(p, []byte(b.String()), 0o644))
	return p
}

// runWithTruth runs wl with --truth truth and returns stdout, stderr and
// the error.
func runWithTruth(t *testing.T, wl, truth string) (string, string, error) {
	srv := runServer(t)
	h, err := ollama.NewHost(srv.URL(), ollama.DefaultOptions())
	require.NoError(t, err)
	var stdout, stderr bytes.Buffer
	env := Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }}
	err = Run(context.Background(), env, RunConfig{
		Config: Config{Worklist: wl, Truth: truth, Hosts: []*ollama.Host{h}, GroundingModel: runGroundModel,
			DraftModel: runDraftModel, Capacity: 1, Urgent: schema.DefaultUrgent()},
		Share: "off", Lease: time.Minute,
	})
	return stdout.String(), stderr.String(), err
}

func TestRunTruthFile(t *testing.T) {
	dir := t.TempDir()
	wl := truthWorklist(t, dir, 2)
	truth := filepath.Join(dir, "truth.jsonl")
	// case-0: the model's pneumothorax is right; case-1: the truth has a
	// nodule the model missed and no pneumothorax.
	require.NoError(t, os.WriteFile(truth, []byte(`{"id":"case-0","findings":[{"label":"pneumothorax","box_2d":[0.2,0.5,0.6,0.8]}]}
{"id":"case-1","findings":[{"label":"nodule_mass","box_2d":[0.1,0.1,0.2,0.2]}]}
`), 0o644))
	stdout, stderr, err := runWithTruth(t, wl, truth)
	require.NoError(t, err, stderr)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 2)
	kinds := func(line string) []string {
		var o struct {
			TruthErrors []audit.TruthError `json:"truth_errors"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &o))
		var out []string
		for _, e := range o.TruthErrors {
			k := string(e.Label) + " " + string(e.Kind)
			if e.Urgent {
				k += " urgent"
			}
			out = append(out, k)
		}
		return out
	}
	assert.Equal(t, []string{"pneumothorax matched"}, kinds(lines[0]))
	assert.Equal(t, []string{"pneumothorax spurious", "nodule_mass missed urgent"}, kinds(lines[1]))
	assert.Contains(t, stderr, "against the truth (2 items")
	assert.Contains(t, stderr, "nodule_mass recall 0/1")
}

func TestRunTruthNoMatchingID(t *testing.T) {
	dir := t.TempDir()
	wl := truthWorklist(t, dir, 1)
	truth := filepath.Join(dir, "truth.jsonl")
	require.NoError(t, os.WriteFile(truth, []byte(`{"id":"other","findings":[]}`+"\n"), 0o644))
	stdout, _, err := runWithTruth(t, wl, truth)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `no id of its 1 matches the worklist`)
	assert.Contains(t, err.Error(), `"other"`)
	assert.Empty(t, stdout, "nothing runs")
}

func TestTruthByIDApply(t *testing.T) {
	tb := &truthByID{findings: map[string][]schema.Finding{"a": {{Label: schema.Cardiomegaly}}}, order: []string{"a"}}
	items := []audit.Item{{ID: "a"}, {ID: "b", Truth: []schema.Finding{{Label: schema.NoduleMass}}, HasTruth: true}}
	assert.Equal(t, 1, tb.apply(items))
	assert.True(t, items[0].HasTruth)
	assert.Equal(t, schema.Cardiomegaly, items[0].Truth[0].Label)
	f, ok := tb.lookup(items[1])
	assert.True(t, ok, "the worklist's own truth stands where the file has none")
	assert.Equal(t, schema.NoduleMass, f[0].Label)
	var none *truthByID
	_, ok = none.lookup(audit.Item{ID: "c"})
	assert.False(t, ok)
}

// The demo's disputed truth names the demo worklist's items, so demo
// --truth with it has something on every item.
func TestDemoDisputedTruth(t *testing.T) {
	ctx := context.Background()
	tb, err := readTruthByID(ctx, Env{Stderr: &bytes.Buffer{}}, "demo", filepath.Join("..", "testdata", "demo", "truth-disputed.jsonl"))
	require.NoError(t, err)
	wl, err := readTruthByID(ctx, Env{Stderr: &bytes.Buffer{}}, "demo", filepath.Join("..", "testdata", "demo", "worklist.csv"))
	require.NoError(t, err)
	assert.Equal(t, wl.order, tb.order)
	differ := 0
	for _, id := range wl.order {
		a, _ := json.Marshal(wl.findings[id])
		b, _ := json.Marshal(tb.findings[id])
		if string(a) != string(b) {
			differ++
		}
	}
	assert.Equal(t, 4, differ, "four items with a mistake in their truth")
}
