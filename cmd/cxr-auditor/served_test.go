package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ollama/ollama/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
	"github.com/cxr-auditor/cxr-auditor/prompts"
	"github.com/cxr-auditor/cxr-auditor/session"
)

// servedServer: a grounding model that narrates until the corrective
// suffix asks again, then gives a pneumothorax; a draft model that reports
// it (agrees), or never answers with a list (draftOK false). Synthetic.
func servedServer(t *testing.T, corrective string, draftOK bool) *ollamatest.Server {
	ground := func(req *api.ChatRequest) ollamatest.Reply {
		if strings.HasSuffix(req.Messages[len(req.Messages)-1].Content, corrective) {
			return ollamatest.Reply{Content: `[{"label":"pneumothorax","box_2d":[0.2,0.5,0.6,0.8],"confidence":0.7,"evidence":"pleural line"}]`}
		}
		return ollamatest.Reply{Content: "The radiograph shows a right pneumothorax."}
	}
	draft := func(*api.ChatRequest) ollamatest.Reply {
		if draftOK {
			return ollamatest.Reply{Content: `[{"label":"pneumothorax","status":"present","span":"Right pneumothorax."}]`}
		}
		return ollamatest.Reply{Content: "The draft mentions a pneumothorax."}
	}
	srv := ollamatest.NewServer(
		ollamatest.Model{Name: runGroundModel, Capabilities: []string{"completion", "vision"}, Respond: ground},
		ollamatest.Model{Name: runDraftModel, Capabilities: []string{"completion"}, Respond: draft},
	)
	t.Cleanup(srv.Close)
	return srv
}

func runLines(t *testing.T, stdout string) []session.RunOutput {
	t.Helper()
	var out []session.RunOutput
	for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var o session.RunOutput
		require.NoError(t, json.Unmarshal([]byte(l), &o), l)
		out = append(out, o)
	}
	return out
}

// Prose first, JSON on the corrective retry: run stores the second
// attempt's findings with both attempts in provenance; --attempts 1
// stores the failure of the first.
func TestRunServedLadder(t *testing.T) {
	dir := t.TempDir()
	srv := servedServer(t, prompts.Corrective().Text, true)
	wl := runWorklist(t, dir, 1)
	r := invokeMain(t, "", runArgs(srv, wl, "--embedded-prompt-ok")...)
	require.Equal(t, 0, r.code, r.stderr)
	o := runLines(t, r.stdout)[0]
	require.Len(t, o.Findings, 1)
	assert.Equal(t, "pleural line", o.Findings[0].Evidence, "the model's evidence is kept")
	require.Len(t, o.Provenance.Grounding.Attempts, 2)
	assert.Equal(t, "The radiograph shows a right pneumothorax.", o.Provenance.Grounding.Attempts[0].Raw)
	assert.True(t, o.Provenance.Grounding.Attempts[1].Corrective)
	assert.Contains(t, o.Provenance.Grounding.Ladder, "served/3/")
	assert.Contains(t, o.Provenance.Grounding.Options, `"num_predict":512`)
	assert.Contains(t, o.Provenance.Draft.Options, `"num_predict":1024`)
	assert.True(t, o.Urgent, "an urgent finding the draft agrees with")
	assert.Empty(t, o.Disagreements)
	require.Len(t, o.UrgentFindings, 1)
	assert.True(t, o.UrgentFindings[0].DraftAgrees)

	r = invokeMain(t, "", runArgs(srv, wl, "--embedded-prompt-ok", "--attempts", "1")...)
	require.Equal(t, 2, r.code, r.stderr)
	o = runLines(t, r.stdout)[0]
	assert.Contains(t, o.Error, "no usable findings list")
	assert.Empty(t, o.Provenance.Grounding.Attempts)
	assert.Empty(t, o.Provenance.Grounding.Ladder)

	r = invokeMain(t, "", runArgs(srv, wl, "--attempts", "3")...)
	require.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, `attempts "3": want served or 1`)
}

// A draft that never parses leaves the item image-only and urgent.
func TestRunDraftNeverParses(t *testing.T) {
	dir := t.TempDir()
	srv := servedServer(t, prompts.Corrective().Text, false)
	r := invokeMain(t, "", runArgs(srv, runWorklist(t, dir, 1), "--embedded-prompt-ok")...)
	require.Equal(t, 0, r.code, "not a failure: %s", r.stderr)
	o := runLines(t, r.stdout)[0]
	assert.Empty(t, o.Error)
	assert.True(t, o.ImageOnly)
	assert.True(t, o.Urgent)
	assert.Contains(t, o.Note, "the draft could not be read; image findings only")
	require.Len(t, o.Provenance.Draft.Attempts, 2)
	assert.Equal(t, 2, srv.Stats(runDraftModel).Requests)
}

func TestRunEmbeddedPromptWarning(t *testing.T) {
	dir := t.TempDir()
	srv := runServer(t)
	wl := runWorklist(t, dir, 1)
	r := invokeMain(t, "", runArgs(srv, wl)...)
	require.Equal(t, 0, r.code, r.stderr)
	first, _, _ := strings.Cut(r.stderr, "\n")
	assert.Equal(t, "cxr-auditor run: warning: "+session.EmbeddedPromptWarning, first, "one line at the start")
	assert.Equal(t, 1, strings.Count(r.stderr, "not your model's training prompt"))

	for _, silence := range [][]string{{"--embedded-prompt-ok"}, nil} {
		env := map[string]string{}
		if silence == nil {
			env[session.EnvEmbeddedPromptOK] = "1"
		}
		r = invokeMainEnv(t, env, runArgs(srv, wl, silence...)...)
		require.Equal(t, 0, r.code, r.stderr)
		assert.NotContains(t, r.stderr, "training prompt", "silenced by %v %v", silence, env)
	}

	// With the model's own prompts imported there is nothing to say.
	imported := filepath.Join(dir, "imported")
	_, err := prompts.Import("../../prompts/testdata/synthproject", imported, prompts.ImportOptions{})
	require.NoError(t, err)
	r = invokeMain(t, "", runArgs(srv, wl, "--prompts", imported)...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.NotContains(t, r.stderr, "training prompt")
	assert.Contains(t, r.stderr, "prompts: grounding "+filepath.Join(imported, prompts.GroundingFile))
}

func TestDoctorEmbeddedPromptWarning(t *testing.T) {
	srv := doctorServer(t)
	r := invokeMain(t, "", "doctor", "--ollama", srv.URL())
	require.Equal(t, 0, r.code, "a warning, not a problem: %s", r.stdout)
	assert.Contains(t, r.stdout, "! "+session.EmbeddedPromptWarning)
	r = invokeMain(t, "", "doctor", "--ollama", srv.URL(), "--embedded-prompt-ok")
	assert.NotContains(t, r.stdout, "training prompt")
	assert.Contains(t, r.stdout, "✓ grounding prompt: embedded")
}

func TestPromptsImportCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mine")
	r := invokeMain(t, "", "prompts", "import", "../../prompts/testdata/synthproject", dir, "--draft", "faithful")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "wrote "+filepath.Join(dir, "grounding.txt")+" from IMAGE_GROUNDING_PROMPT (line 31)")
	assert.Contains(t, r.stdout, "draft template: faithful")
	want, err := os.ReadFile("../../prompts/testdata/TestImportGolden/faithful/grounding.txt.golden")
	require.NoError(t, err)
	got, err := os.ReadFile(filepath.Join(dir, "grounding.txt"))
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))

	r = invokeMain(t, "", "prompts", "import", "../../prompts/testdata/synthproject", dir)
	assert.Equal(t, 2, r.code, "an earlier import is not overwritten without --force")
	assert.Contains(t, r.stderr, "already exists; nothing was written (pass --force")

	r = invokeMain(t, "", "prompts", "check", dir)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "draft template: faithful")
	assert.Contains(t, r.stdout, "imported from ")

	bad := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(bad, "prompts.py"), []byte("IMAGE_GROUNDING_PROMPT = f'{x}'\nDRAFT_PARSING_PROMPT = '{draft_report}'\n"), 0o600))
	r = invokeMain(t, "", "prompts", "import", bad, filepath.Join(bad, "out"))
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "prompts.py:1: IMAGE_GROUNDING_PROMPT holds a string with the prefix \"f\"")
}
