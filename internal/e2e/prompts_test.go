//go:build e2e && unix

package e2e_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ollama/ollama/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/internal/e2e/realollama"
	"github.com/cxr-auditor/cxr-auditor/prompts"
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

// synthProject is the synthetic model project of the prompts package's
// tests (cxr-auditor's own text, the module structure of a real one).
var synthProject = filepath.Join("..", "..", "prompts", "testdata", "synthproject")

// recorder forwards every request to target and keeps the bodies of the
// chat requests, as sent on the wire.
type recorder struct {
	srv    *httptest.Server
	mu     sync.Mutex
	bodies [][]byte
}

func newRecorder(t *testing.T, target string) *recorder {
	t.Helper()
	u, err := url.Parse(target)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.FlushInterval = -1 // a stream stays a stream
	rec := &recorder{}
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/chat" {
			b, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			rec.mu.Lock()
			rec.bodies = append(rec.bodies, b)
			rec.mu.Unlock()
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(rec.srv.Close)
	return rec
}

// chats decodes the chat requests recorded so far.
func (rec *recorder) chats(t *testing.T) []api.ChatRequest {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var out []api.ChatRequest
	for _, b := range rec.bodies {
		var req api.ChatRequest
		require.NoError(t, json.Unmarshal(b, &req), string(b))
		out = append(out, req)
	}
	return out
}

// TestRunSendsTheImportedPrompts: prompts import, then run --prompts: the
// grounding message the real server receives is the imported
// grounding.txt byte for byte, the draft call sends the imported system
// message before the draft prompt, each stage has its own num_predict,
// and the server takes the findings format (null box, confidence,
// evidence) and answers.
func TestRunSendsTheImportedPrompts(t *testing.T) {
	srv := serverWithModels(t, realollama.Vision, realollama.Text)
	rec := newRecorder(t, srv.URL())
	dir := filepath.Join(t.TempDir(), "imported")
	imp := cxr(t, "prompts", "import", synthProject, dir)
	require.Equal(t, 0, imp.code, imp.stderr)
	grounding, err := os.ReadFile(filepath.Join(dir, "grounding.txt"))
	require.NoError(t, err)
	system, err := os.ReadFile(filepath.Join(dir, "draft-system.txt"))
	require.NoError(t, err)

	wl := worklist(t, 1)
	r := cxr(t, append([]string{"run", wl, "--ollama", rec.srv.URL, "--prompts", dir}, modelFlags(realollama.Vision, realollama.Text)...)...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.NotContains(t, r.stderr, "training prompt", "no warning: the model's own prompt is in use")
	lines := parseRun(t, r.stdout)
	require.Len(t, lines, 1)

	set, err := prompts.Load(dir)
	require.NoError(t, err)
	wantDraft, err := set.Draft.RenderDraft(cases[0].draft)
	require.NoError(t, err)
	var vision, text int
	for _, req := range rec.chats(t) {
		switch {
		case req.Model == realollama.Vision && len(req.Messages) == 1 && len(req.Messages[0].Images) == 1:
			vision++
			if vision == 1 {
				assert.Equal(t, string(grounding), req.Messages[0].Content, "the imported grounding prompt, byte for byte")
			} else {
				assert.Equal(t, string(grounding)+set.Corrective.Text, req.Messages[0].Content, "a retry: the imported corrective suffix appended")
			}
			assert.EqualValues(t, 512, req.Options["num_predict"])
		case req.Model == realollama.Text && len(req.Messages) == 2:
			text++
			assert.Equal(t, api.Message{Role: "system", Content: string(system)}, req.Messages[0])
			assert.True(t, strings.HasPrefix(req.Messages[1].Content, wantDraft), "the imported draft prompt with the draft delimited")
			assert.EqualValues(t, 1024, req.Options["num_predict"])
		}
	}
	assert.Positive(t, vision, "the grounding call reached the server")
	assert.Positive(t, text, "the draft call reached the server")
	// The record lists its attempts when there was more than one.
	assert.Equal(t, max(1, len(lines[0].Provenance.Grounding.Attempts)), vision, "one request per attempt")
}
