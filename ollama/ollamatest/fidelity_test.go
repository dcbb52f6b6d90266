package ollamatest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/ollama/ollama/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
)

// These tests pin what a real Ollama v0.24.0 server was seen to do (make
// e2e compares the two directly; see conformance_e2e_test.go) and the fake
// did not do before.

// do sends a request with optional headers and returns the raw reply.
func do(t *testing.T, srv *ollamatest.Server, method, path, body string, header map[string]string) rawReply {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, srv.URL()+path, strings.NewReader(body))
	require.NoError(t, err)
	for k, v := range header {
		if k == "Host" {
			req.Host = v
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return rawReply{resp.StatusCode, resp.Header.Get("Content-Type"), string(b)}
}

func TestShowModelInfo(t *testing.T) {
	srv := newServer(t,
		ollamatest.Model{Name: "see", Capabilities: []string{"completion", "vision"}, ContextLength: 8192},
		ollamatest.Model{Name: "read", Capabilities: []string{"completion"}, Family: "llama", ContextLength: 2048},
		ollamatest.Model{Name: "default", Capabilities: []string{"completion", "vision"}},
	)
	show := func(name string) api.ShowResponse {
		var r api.ShowResponse
		require.NoError(t, json.Unmarshal([]byte(post(t, srv, "/api/show", `{"model":"`+name+`"}`).body), &r))
		return r
	}
	tests := []struct {
		model, family string
		context       float64
		vision        bool
	}{
		{"see", "gemma3", 8192, true},
		{"read", "llama", 2048, false},
		{"default", "gemma3", 131072, true},
	}
	for _, tc := range tests {
		t.Run(tc.model, func(t *testing.T) {
			r := show(tc.model)
			assert.Equal(t, tc.family, r.ModelInfo["general.architecture"])
			assert.Equal(t, tc.context, r.ModelInfo[tc.family+".context_length"], "the model's own context length")
			_, hasVision := r.ModelInfo[tc.family+".vision.block_count"]
			assert.Equal(t, tc.vision, hasVision, "vision keys only for a model that sees")
			assert.Contains(t, r.ModelInfo, "tokenizer.ggml.tokens")
			assert.Nil(t, r.ModelInfo["tokenizer.ggml.tokens"], "arrays are null without verbose")
			assert.NotEmpty(t, r.Tensors)
		})
	}
	// The old "name" field still names the model.
	assert.Equal(t, 200, post(t, srv, "/api/show", `{"name":"read"}`).status)
}

func TestNumCtxCutToContextLength(t *testing.T) {
	srv := newServer(t, ollamatest.Model{Name: "read", Capabilities: []string{"completion"}, Family: "llama", ContextLength: 2048})
	c := client(t, srv)
	for _, tc := range []struct {
		numCtx any
		want   int
	}{{8192, 2048}, {1024, 1024}, {nil, 2048}} {
		opts := map[string]any{}
		if tc.numCtx != nil {
			opts["num_ctx"] = tc.numCtx
		}
		_, err := collect(t.Context(), c, &api.ChatRequest{Model: "read", Messages: []api.Message{}, Options: opts})
		require.NoError(t, err)
		ps, err := c.ListRunning(t.Context())
		require.NoError(t, err)
		require.Len(t, ps.Models, 1)
		assert.Equal(t, tc.want, ps.Models[0].ContextLength, "num_ctx %v", tc.numCtx)
	}
}

func TestModelWithoutVisionNeverSeesTheImage(t *testing.T) {
	img := []byte("synthetic image bytes")
	sc := ollamatest.NewScript()
	sc.ByImage(ollamatest.ImageKey(img), ollamatest.Reply{Content: "saw the image"})
	var seen []api.Message
	respond := func(req *api.ChatRequest) ollamatest.Reply {
		seen = req.Messages
		return sc.Respond(req)
	}
	srv := newServer(t,
		ollamatest.Model{Name: "see", Capabilities: []string{"completion", "vision"}, Respond: sc.Respond},
		ollamatest.Model{Name: "read", Capabilities: []string{"completion"}, Respond: respond},
	)
	c := client(t, srv)
	ask := func(model string, images ...api.ImageData) api.ChatResponse {
		got, err := collect(t.Context(), c, &api.ChatRequest{Model: model, Messages: []api.Message{{Role: "user", Content: "Locate findings.", Images: images}}})
		require.NoError(t, err)
		content, _ := joined(got)
		last := got[len(got)-1]
		last.Message.Content = content
		return last
	}

	withImage, without := ask("see", img), ask("see")
	assert.Equal(t, "saw the image", withImage.Message.Content)
	assert.Equal(t, 260, withImage.PromptEvalCount-without.PromptEvalCount, "Gemma 3: 256 image tokens and 4 markers")

	withImage, without = ask("read", img), ask("read")
	assert.Equal(t, ollamatest.DefaultContent, withImage.Message.Content, "the script keyed by the image never matches")
	assert.Less(t, withImage.PromptEvalCount-without.PromptEvalCount, 5, "only the tag is left")
	require.Len(t, seen, 1)
	assert.Equal(t, "Locate findings.", seen[0].Content, "the last request had no image")
	ask("read", img, img)
	assert.Equal(t, "[img-0][img-1]Locate findings.", seen[0].Content, "Ollama's tags, as the model reads them")
	assert.Empty(t, seen[0].Images)
	reqs := srv.Requests()
	assert.Len(t, reqs[len(reqs)-1].Messages[0].Images, 2, "Requests keeps what the client sent")
}

func TestEvalCount(t *testing.T) {
	content := func(s string) func(*api.ChatRequest) ollamatest.Reply {
		return func(*api.ChatRequest) ollamatest.Reply { return ollamatest.Reply{Content: s} }
	}
	srv := newServer(t, ollamatest.Model{Name: "m", Respond: content("[]")}, ollamatest.Model{Name: "empty", Respond: content("")})
	tests := []struct {
		name, body   string
		evals        int
		evalDuration bool
		doneReason   string
	}{
		// "[" "]" and the end-of-text token.
		{"stopped", `{"model":"m","stream":false,"messages":[{"role":"user","content":"hi"}]}`, 3, true, "stop"},
		// Cut: no end-of-text token; one token takes no eval time.
		{"cut at one token", `{"model":"m","stream":false,"messages":[{"role":"user","content":"hi"}],"options":{"num_predict":1}}`, 1, false, "length"},
		{"nothing but the end", `{"model":"empty","stream":false,"messages":[{"role":"user","content":"hi"}]}`, 1, false, "stop"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw := post(t, srv, "/api/chat", tc.body)
			var got map[string]any
			require.NoError(t, json.Unmarshal([]byte(raw.body), &got))
			assert.EqualValues(t, tc.evals, got["eval_count"])
			assert.Equal(t, tc.doneReason, got["done_reason"])
			_, has := got["eval_duration"]
			assert.Equal(t, tc.evalDuration, has, "eval_duration is left out when zero")
		})
	}
}

func TestToolsOnAModelWithoutTools(t *testing.T) {
	srv := newServer(t, ollamatest.Model{Name: "plain"}, ollamatest.Model{Name: "tooled", Capabilities: []string{"completion", "tools"}})
	tools := `"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]`
	got := post(t, srv, "/api/chat", `{"model":"plain","messages":[{"role":"user","content":"hi"}],`+tools+`}`)
	assert.Equal(t, 400, got.status)
	assert.Equal(t, "application/json; charset=utf-8", got.contentType)
	assert.JSONEq(t, `{"error":"registry.ollama.ai/library/plain:latest does not support tools"}`, got.body)
	got = post(t, srv, "/api/chat", `{"model":"tooled","stream":false,"messages":[{"role":"user","content":"hi"}],`+tools+`}`)
	assert.Equal(t, 200, got.status)
}

func TestAccessChecks(t *testing.T) {
	srv := newServer(t)
	tests := []struct {
		name, method, path string
		header             map[string]string
		status             int
		contentType, body  string
	}{
		{"a Host that is not local", "GET", "/api/tags", map[string]string{"Host": "gpu1.example.org:11434"}, 403, "", ""},
		{"a public address as Host", "GET", "/api/version", map[string]string{"Host": "8.8.8.8"}, 403, "", ""},
		{"a local name", "GET", "/api/version", map[string]string{"Host": "gpu1.local:11434"}, 200, "application/json; charset=utf-8", `{"version":"0.24.0"}`},
		{"localhost", "GET", "/api/version", map[string]string{"Host": "LOCALHOST:11434"}, 200, "application/json; charset=utf-8", `{"version":"0.24.0"}`},
		{"a private address", "GET", "/api/version", map[string]string{"Host": "10.1.2.3:11434"}, 200, "application/json; charset=utf-8", `{"version":"0.24.0"}`},
		{"an Origin not allowed", "GET", "/api/version", map[string]string{"Origin": "http://evil.example"}, 403, "", ""},
		{"a null Origin", "GET", "/api/version", map[string]string{"Origin": "null"}, 403, "", ""},
		{"localhost on any port", "GET", "/api/version", map[string]string{"Origin": "http://localhost:3000"}, 200, "application/json; charset=utf-8", `{"version":"0.24.0"}`},
		{"an app origin", "GET", "/api/version", map[string]string{"Origin": "tauri://localhost"}, 200, "application/json; charset=utf-8", `{"version":"0.24.0"}`},
		{"a preflight from an allowed origin", "OPTIONS", "/api/chat", map[string]string{"Origin": "http://127.0.0.1", "Access-Control-Request-Method": "POST"}, 204, "", ""},
		{"a preflight from another", "OPTIONS", "/api/chat", map[string]string{"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"}, 403, "", ""},
		{"another method", "GET", "/api/chat", nil, 405, "text/plain", "405 method not allowed"},
		{"another path", "POST", "/api/generate", nil, 404, "text/plain", "404 page not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := do(t, srv, tc.method, tc.path, "", tc.header)
			assert.Equal(t, tc.status, got.status)
			assert.Equal(t, tc.contentType, got.contentType)
			assert.Equal(t, tc.body, got.body)
		})
	}
}

func TestFaultForbidden(t *testing.T) {
	srv := newServer(t)
	srv.InjectFault(vision, ollamatest.FaultForbidden, 1)
	got := post(t, srv, "/api/chat", `{"model":"medgemma-test","messages":[{"role":"user","content":"hi"}]}`)
	assert.Equal(t, 403, got.status)
	assert.Empty(t, got.contentType)
	assert.Empty(t, got.body)
	_, err := collect(t.Context(), client(t, srv), chatReq(vision, true))
	require.NoError(t, err, "one request only")
}

func TestListen(t *testing.T) {
	_, err := ollamatest.Listen("127.0.0.1:not-a-port")
	require.ErrorContains(t, err, "listen on 127.0.0.1:not-a-port")

	// Ollama checks the Host header only when it listens on loopback.
	srv, err := ollamatest.Listen("0.0.0.0:0")
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	port := srv.URL()[strings.LastIndex(srv.URL(), ":")+1:]
	req, err := http.NewRequestWithContext(t.Context(), "GET", "http://127.0.0.1:"+port+"/api/version", nil)
	require.NoError(t, err)
	req.Host = "gpu1.example.org:11434"
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}
