package main

import (
	"bytes"
	"io"
	"path/filepath"
	"testing"

	"github.com/ollama/ollama/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/labeler"
	"github.com/cxr-auditor/cxr-auditor/ollama"
	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
	"github.com/cxr-auditor/cxr-auditor/pipeline"
	"github.com/cxr-auditor/cxr-auditor/session"
)

// invertingServer's draft model reads every "No pneumothorax." as a
// pneumothorax present (an inverted negation); its image shows nothing.
// Synthetic replies.
func invertingServer(t testing.TB) *ollamatest.Server {
	respond := func(req *api.ChatRequest) ollamatest.Reply {
		for _, m := range req.Messages {
			if len(m.Images) > 0 {
				return ollamatest.Reply{Content: `[]`}
			}
		}
		return ollamatest.Reply{Content: `[{"label":"pneumothorax","status":"present","span":"No pneumothorax."}]`}
	}
	srv := ollamatest.NewServer(
		ollamatest.Model{Name: runGroundModel, Capabilities: []string{"completion", "vision"}, Respond: respond},
		ollamatest.Model{Name: runDraftModel, Capabilities: []string{"completion"}, Respond: respond},
	)
	t.Cleanup(srv.Close)
	return srv
}

// TestRunCarriesTheThirdOpinion: run's JSON lines carry the doubt, the
// rules reading and the mark on the disagreement; the summary counts the
// items in doubt.
func TestRunCarriesTheThirdOpinion(t *testing.T) {
	dir := t.TempDir()
	srv := invertingServer(t)
	wl := runWorklist(t, dir, 2)
	r := invokeMain(t, "", runArgs(srv, wl)...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "2 of 2 items: 2 done, 0 failed, 0 salvaged, 0 cached, 0 urgent, 2 draft readings in doubt")
	lines := readRunLines(t, r.stdout)
	require.Len(t, lines, 2)
	l := lines["case-0"]
	assert.Equal(t, true, l["draft_in_doubt"])
	assert.Equal(t, []any{map[string]any{"label": "pneumothorax", "model": "present", "model_spans": []any{"No pneumothorax."},
		"rules": "absent", "rules_spans": []any{"No pneumothorax"}}}, l["draft_doubts"])
	assert.Equal(t, []any{map[string]any{"label": "pneumothorax", "status": "absent", "span": "No pneumothorax"}}, l["rule_labels"])
	dis := l["disagreements"].([]any)
	require.Len(t, dis, 1)
	assert.Equal(t, "unsupported_by_image", dis[0].(map[string]any)["kind"])
	assert.Equal(t, true, dis[0].(map[string]any)["draft_in_doubt"])

	// The export carries the same, from the store.
	r = invokeMain(t, "", "export", "--format", "jsonl", wl)
	require.Equal(t, 0, r.code, r.stderr)
	ex := readRunLines(t, r.stdout)["case-1"]
	assert.Equal(t, true, ex["draft_in_doubt"])
	assert.Equal(t, l["draft_doubts"], ex["draft_doubts"])
	assert.Equal(t, l["rule_labels"], ex["rule_labels"])
	assert.Equal(t, true, ex["disagreements"].([]any)[0].(map[string]any)["draft_in_doubt"])
	r = invokeMain(t, "", "export", "--format", "csv", wl)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, ",draft_in_doubt,disagreement_draft_in_doubt,run_a,run_b,difference_key,preference,preference_note,disagreement_note,study,role\n")
	assert.Contains(t, r.stdout, "unsupported_by_image,false,No pneumothorax.,[],,,,,,false,true,true,,,,,,,,\n")
}

// TestRunRulesDraftModel: run --draft-model rules needs no draft model on
// the host; provenance names the rules and their digest; nothing is in
// doubt (there is no second reading).
func TestRunRulesDraftModel(t *testing.T) {
	dir := t.TempDir()
	srv := invertingServer(t)
	wl := runWorklist(t, dir, 2)
	r := invokeMain(t, "", "run", wl, "--ollama", srv.URL(), "--grounding-model", runGroundModel,
		"--draft-model", pipeline.RulesDraftModel, "--db", filepath.Join(dir, "rules.cxr.db"))
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "0 draft readings in doubt")
	assert.Zero(t, srv.Stats(runDraftModel).Requests, "no draft call")
	rs, err := labeler.Default()
	require.NoError(t, err)
	l := readRunLines(t, r.stdout)["case-1"]
	d := l["provenance"].(map[string]any)["draft"].(map[string]any)
	assert.Equal(t, "rules", d["model"])
	assert.Equal(t, rs.Digest(), d["model_digest"])
	assert.Equal(t, []any{map[string]any{"label": "pneumothorax", "status": "absent", "span": "No pneumothorax"}}, l["draft_labels"])
	assert.Equal(t, false, l["draft_in_doubt"])
	assert.Empty(t, l["disagreements"])
}

// TestReviewShowsTheThirdOpinion: in the workstation, on a fake draft
// model that inverts "No pneumothorax.", the disagreement is marked as
// resting on a reading in doubt. (What the pane draws and the filter are
// pinned by the tui package's tests; this one shows the flag travels from
// the server's reply to the screen. It waits for new text in a blank part
// of the pane: the renderer rewrites only the cells that change, so text
// replacing other text may not arrive in one piece.)
func TestReviewShowsTheThirdOpinion(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	srv := invertingServer(t)
	host, err := ollama.NewHost(srv.URL(), ollama.DefaultOptions())
	require.NoError(t, err)
	cfg := session.WorkstationConfig{
		Config: session.Config{Command: "review", Worklist: runWorklist(t, dir, 1),
			Hosts: []*ollama.Host{host}, GroundingModel: runGroundModel, DraftModel: runDraftModel},
		QueueAll: true, Annotator: "tester", Graphics: "text", Width: 200, Height: 40}

	keys, press := io.Pipe()
	t.Cleanup(func() { press.Close() })
	out := newWatchWriter()
	marked := out.waitFor("rests on a reading in doubt")
	var errOut bytes.Buffer
	e := env{stdin: keys, stdout: out, stderr: &errOut, getenv: func(string) string { return "" }}
	ran := make(chan error, 1)
	go func() { ran <- session.Workstation(ctx, e.session(), cfg) }()
	select {
	case <-marked:
	case err := <-ran:
		t.Fatalf("the workstation quit before showing the mark: %v\n%s", err, errOut.String())
	}
	_, err = press.Write([]byte("q"))
	require.NoError(t, err)
	require.NoError(t, <-ran, errOut.String())
}
