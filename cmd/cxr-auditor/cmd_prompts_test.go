package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/prompts"
)

func TestPromptsWriteAndCheck(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my prompts")
	r := invokeMain(t, "", "prompts", "write", dir)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "wrote "+filepath.Join(dir, "grounding.txt"))
	assert.Contains(t, r.stdout, "pass --prompts "+dir)

	require.NoError(t, os.WriteFile(filepath.Join(dir, "grounding.txt"), []byte("My own grounding prompt."), 0o600))
	r = invokeMain(t, "", "prompts", "write", dir)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "already exists; nothing was written (pass --force to overwrite it)")
	got, err := os.ReadFile(filepath.Join(dir, "grounding.txt"))
	require.NoError(t, err)
	assert.Equal(t, "My own grounding prompt.", string(got), "an edited template is kept")

	r = invokeMain(t, "", "prompts", "check", dir)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "grounding prompt: "+filepath.Join(dir, "grounding.txt")+", "+prompts.Digest([]byte("My own grounding prompt.")))
	assert.Contains(t, r.stdout, "draft prompt: "+filepath.Join(dir, "draft.txt")+", "+prompts.Draft().Digest)

	r = invokeMain(t, "", "prompts", "write", dir, "--force")
	require.Equal(t, 0, r.code, r.stderr)
	got, err = os.ReadFile(filepath.Join(dir, "grounding.txt"))
	require.NoError(t, err)
	assert.Equal(t, prompts.Grounding().Text, string(got))
}

// badPrompts writes a prompts folder whose draft template lost {{DRAFT}}.
func badPrompts(t *testing.T) string {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "draft.txt"), []byte("Read the report below.\n{{BEGIN}}\n{report}\n{{END}}\n"), 0o600))
	return dir
}

func TestRunWithPrompts(t *testing.T) {
	dir := t.TempDir()
	srv := runServer(t)
	wl := runWorklist(t, dir, 2)
	pdir := filepath.Join(dir, "prompts")
	require.NoError(t, os.Mkdir(pdir, 0o700))
	const mine = "Find the six findings; JSON only."
	require.NoError(t, os.WriteFile(filepath.Join(pdir, "grounding.txt"), []byte(mine), 0o600))

	r := invokeMain(t, "", runArgs(srv, wl, "--prompts", pdir)...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "cxr-auditor run: prompts: grounding "+filepath.Join(pdir, "grounding.txt")+" ("+prompts.Digest([]byte(mine))[:19]+"), draft embedded")
	for id, l := range readRunLines(t, r.stdout) {
		prov := l["provenance"].(map[string]any)
		assert.Equal(t, prompts.Digest([]byte(mine)), prov["grounding"].(map[string]any)["prompt_digest"], id)
		assert.Equal(t, prompts.Draft().Digest, prov["draft"].(map[string]any)["prompt_digest"], id)
	}
	sent := false
	for _, req := range srv.Requests() {
		for _, m := range req.Messages {
			sent = sent || m.Content == mine
		}
	}
	assert.True(t, sent, "the user's grounding prompt was sent")

	// A draft template without its placeholder: refused before anything.
	before := len(srv.Requests())
	r = invokeMain(t, "", runArgs(srv, wl, "--prompts", badPrompts(t))...)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "draft.txt: unusable prompt template: it lacks the placeholder {{DRAFT}}")
	assert.Len(t, srv.Requests(), before, "no model call")
	assert.Empty(t, r.stdout)
}

func TestReviewAndDoctorWithPrompts(t *testing.T) {
	srv := doctorServer(t)
	pdir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(pdir, "draft.txt"), []byte("Mine.\n{{BEGIN}}\n{{DRAFT}}\n{{END}}\n"), 0o600))
	r := invokeMain(t, "", "doctor", "--ollama", srv.URL(), "--prompts", pdir)
	require.Equal(t, 0, r.code, r.stdout)
	assert.Contains(t, r.stdout, "✓ grounding prompt: embedded, "+prompts.Grounding().Digest+"\n")
	assert.Contains(t, r.stdout, "✓ draft prompt: "+filepath.Join(pdir, "draft.txt")+", "+prompts.Digest([]byte("Mine.\n{{BEGIN}}\n{{DRAFT}}\n{{END}}\n"))+"\n")

	r = invokeMain(t, "", "doctor", "--ollama", srv.URL(), "--prompts", badPrompts(t))
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stdout, "✗ prompts: ")
	assert.Contains(t, r.stdout, "it lacks the placeholder {{DRAFT}}")

	wl := runWorklist(t, t.TempDir(), 1)
	r = invokeMain(t, "q", "review", wl, "--ollama", srv.URL(), "--graphics", "text", "--prompts", badPrompts(t))
	assert.Equal(t, 1, r.code)
	assert.True(t, strings.Contains(r.stderr, "it lacks the placeholder {{DRAFT}}"), r.stderr)
}
