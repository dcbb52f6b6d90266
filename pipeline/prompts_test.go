package pipeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/prompts"
)

// TestSchedulerSendsTheUsersPrompts: with Config.Prompts the calls carry the
// user's templates, the records their digests, and the embedded prompts'
// cached results are not reused (a prompt-sensitive model needs its own
// prompt; issue 8).
func TestSchedulerSendsTheUsersPrompts(t *testing.T) {
	dir := t.TempDir()
	srv := schedServer(t, testModels(0, 0, 1, "")...)
	st := openStore(t, dir)
	items := makeItems(t, dir, 2)
	host := schedHost(t, srv.URL(), schedOptions())
	runAll(t, baseConfig(st, host), items)
	served := srv.Stats(groundModel).Served

	pdir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(pdir, prompts.GroundingFile), []byte("USER GROUNDING PROMPT: list the findings as JSON."), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(pdir, prompts.DraftFile), []byte("USER DRAFT PROMPT\n{{BEGIN}}\n{{DRAFT}}\n{{END}}\n"), 0o600))
	set, err := prompts.Load(pdir)
	require.NoError(t, err)
	cfg := baseConfig(st, host)
	cfg.Prompts = set
	res, _ := runAll(t, cfg, items)
	assert.Equal(t, served+len(items), srv.Stats(groundModel).Served, "a new prompt is a new provenance key")
	for _, it := range items {
		r := res[it.ID]
		require.NotNil(t, r.Grounding, it.ID)
		assert.False(t, r.Cached)
		assert.Equal(t, set.Grounding.Digest, r.Grounding.PromptDigest)
		assert.Equal(t, set.Draft.Digest, r.Draft.PromptDigest)
	}
	var sawGrounding, sawDraft bool
	for _, req := range srv.Requests() {
		for _, m := range req.Messages {
			sawGrounding = sawGrounding || strings.HasPrefix(m.Content, "USER GROUNDING PROMPT")
			sawDraft = sawDraft || strings.HasPrefix(m.Content, "USER DRAFT PROMPT\n<<<CXR_AUDITOR_DRAFT_BEGIN>>>\n")
		}
	}
	assert.True(t, sawGrounding, "the user's grounding prompt was sent")
	assert.True(t, sawDraft, "the user's draft prompt was sent, the draft between the delimiters")

	// Again with the same prompts: all from the cache.
	res, _ = runAll(t, cfg, items)
	for _, it := range items {
		assert.True(t, res[it.ID].Cached, it.ID)
	}
}
