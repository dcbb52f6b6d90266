//go:build e2e && unix

package e2e_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/internal/e2e/realollama"
)

// promptDigests returns the grounding and draft prompt digests of a run's
// lines, failing t unless every line has the same.
func promptDigests(t *testing.T, lines []runLine) (grounding, draft string) {
	t.Helper()
	require.NotEmpty(t, lines)
	for i, l := range lines {
		require.NotNil(t, l.Provenance.Grounding, l.ID)
		require.NotNil(t, l.Provenance.Draft, l.ID)
		if i == 0 {
			grounding, draft = l.Provenance.Grounding.PromptDigest, l.Provenance.Draft.PromptDigest
		}
		assert.Equal(t, grounding, l.Provenance.Grounding.PromptDigest, l.ID)
		assert.Equal(t, draft, l.Provenance.Draft.PromptDigest, l.ID)
	}
	return grounding, draft
}

// TestRunWithTheUsersPrompts: the fine-tune is prompt-sensitive, so the
// user's templates replace the embedded ones (--prompts DIR): their
// digests go into provenance, results made with other prompts are not
// reused, doctor says which prompt is in use, and a draft template without
// its placeholder is refused before any model call.
func TestRunWithTheUsersPrompts(t *testing.T) {
	srv := serverWithModels(t, realollama.Vision, realollama.Text)
	wl := worklist(t, 2)
	dir := filepath.Join(t.TempDir(), "my-prompts")
	r := cxr(t, "prompts", "write", dir)
	require.Equal(t, 0, r.code, r.stderr)

	base := append([]string{"run", wl, "--ollama", srv.URL()}, modelFlags(realollama.Vision, realollama.Text)...)
	embedded := cxr(t, base...)
	require.Equal(t, 0, embedded.code, embedded.stderr)
	eg, ed := promptDigests(t, parseRun(t, embedded.stdout))

	// The user's own grounding prompt; the draft prompt left as written.
	f, err := os.OpenFile(filepath.Join(dir, "grounding.txt"), os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString("Be brief.\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())

	own := cxr(t, append(base, "--prompts", dir)...)
	require.Equal(t, 0, own.code, own.stderr)
	lines := parseRun(t, own.stdout)
	og, od := promptDigests(t, lines)
	assert.NotEqual(t, eg, og, "the edited grounding prompt has its own digest")
	assert.Equal(t, ed, od, "the draft prompt written out unchanged is the embedded one")
	for _, l := range lines {
		assert.False(t, l.Cached, "%s: a result made with another prompt is not reused", l.ID)
	}

	doctor := cxr(t, append([]string{"doctor", "--prompts", dir, "--ollama", srv.URL()}, modelFlags(realollama.Vision, realollama.Text)...)...)
	assert.Equal(t, 0, doctor.code, doctor.stdout)
	assert.Contains(t, doctor.stdout, "grounding prompt: "+filepath.Join(dir, "grounding.txt")+", "+og)

	// A draft template that lost its placeholder line.
	draft := filepath.Join(dir, "draft.txt")
	b, err := os.ReadFile(draft)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(draft, []byte(strings.Replace(string(b), "{{DRAFT}}\n", "", 1)), 0o644))
	chats := srv.Requests("POST", "/api/chat")
	refused := cxr(t, append(base, "--prompts", dir)...)
	assert.Equal(t, 1, refused.code)
	assert.Contains(t, refused.stderr, draft)
	assert.Contains(t, refused.stderr, "lacks the placeholder {{DRAFT}}")
	assert.Equal(t, chats, srv.Requests("POST", "/api/chat"), "refused before any model call")
}
