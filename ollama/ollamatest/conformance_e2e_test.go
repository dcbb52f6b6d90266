//go:build e2e && unix

package ollamatest_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ollama/ollama/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/internal/e2e/realollama"
	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
)

// The conformance suite (make e2e) sends the same requests to a real
// Ollama server with the project's tiny models and to an ollamatest
// Server with models described like them, and compares what comes back:
// status codes, content types, error messages, the fields of every reply,
// and the effects a client can see (an image dropped by a model that
// cannot see, num_ctx cut to the model's context length, replies cut by
// num_predict, repetition aborts, a Host the server refuses). Generated
// text differs and is not compared.

// stuckReply is what the stuck model does to a draft-like request: a
// span that repeats one letter until the runner aborts it.
var stuckReply = ollamatest.Reply{Content: `[{"label":"no_finding","span":"j`, Fault: ollamatest.FaultRepetitionAbort}

// fakeModels describes the tiny models as the fake serves them.
func fakeModels() []ollamatest.Model {
	return []ollamatest.Model{
		{Name: realollama.Vision, Capabilities: []string{"completion", "vision"}, Family: "gemma3", ContextLength: 8192,
			Respond: func(*api.ChatRequest) ollamatest.Reply {
				return ollamatest.Reply{Content: `[{"label":"cardiomegaly"}]`}
			}},
		{Name: realollama.Text, Capabilities: []string{"completion"}, Family: "llama", ContextLength: 2048,
			Respond: func(*api.ChatRequest) ollamatest.Reply { return ollamatest.Reply{Content: `[]`} }},
		{Name: realollama.Stuck, Capabilities: []string{"completion"}, Family: "llama", ContextLength: 2048,
			Respond: func(*api.ChatRequest) ollamatest.Reply { return stuckReply }},
	}
}

// servers starts the real server (skipping without one) with the tiny
// models, and the fake; it returns their base URLs.
func servers(t *testing.T) (real, fake string) {
	t.Helper()
	srv := realollama.Start(t)
	dir := t.TempDir()
	m, err := realollama.WriteModels(dir)
	require.NoError(t, err)
	srv.CreateModels(t, m, realollama.Vision, realollama.Text, realollama.Stuck)
	f := ollamatest.NewServer(fakeModels()...)
	t.Cleanup(f.Close)
	return srv.URL(), f.URL()
}

// exchange is one request's reply.
type exchange struct {
	status      int
	contentType string
	body        []byte
}

func send(t *testing.T, base, method, path string, body any, header map[string]string) exchange {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		require.NoError(t, err)
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, base+path, r)
	require.NoError(t, err)
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	client := &http.Client{Timeout: 3 * time.Minute}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return exchange{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: b}
}

// shape is what is compared of a reply: status, content type, and the body
// reduced to its structure (field names, recursively), with the values
// that carry meaning (error messages, done, done_reason, capabilities)
// kept and generated values left out.
func shape(ex exchange) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %q\n", ex.status, ex.contentType)
	body := bytes.TrimSpace(ex.body)
	switch {
	case len(body) == 0:
		b.WriteString("(empty body)")
	case !bytes.HasPrefix(body, []byte("{")):
		b.WriteString(string(body))
	case strings.HasPrefix(ex.contentType, "application/x-ndjson"):
		lines := bytes.Split(body, []byte("\n"))
		chunkShapes := map[string]bool{}
		for _, l := range lines[:len(lines)-1] {
			chunkShapes[objShape(l)] = true
		}
		var cs []string
		for s := range chunkShapes {
			cs = append(cs, s)
		}
		sort.Strings(cs)
		fmt.Fprintf(&b, "chunks: %s\nlast: %s", strings.Join(cs, " | "), objShape(lines[len(lines)-1]))
	default:
		b.WriteString(objShape(body))
	}
	return b.String()
}

// objShape reduces one JSON object.
func objShape(line []byte) string {
	var v any
	if err := json.Unmarshal(line, &v); err != nil {
		return "not JSON: " + string(line)
	}
	return valueShape(v, "")
}

// kept are the fields whose values are compared, not only their presence.
var kept = map[string]bool{"error": true, "done": true, "done_reason": true, "capabilities": true, "role": true, "general.architecture": true}

func valueShape(v any, key string) string {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + valueShape(x[k], k)
		}
		return "{" + strings.Join(parts, ",") + "}"
	case []any:
		if kept[key] {
			j, _ := json.Marshal(x)
			return "=" + string(j)
		}
		if len(x) == 0 {
			return "[]"
		}
		return "[" + valueShape(x[0], "") + "]"
	default:
		if kept[key] {
			j, _ := json.Marshal(x)
			return "=" + string(j)
		}
		return ""
	}
}

// image is a phantom radiograph (synthetic, drawn by code), base64 as
// the wire carries it.
func image(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "phantoms", "phantom-nodule.jpg"))
	require.NoError(t, err)
	return base64.StdEncoding.EncodeToString(b)
}

func chat(model string, stream *bool, extra map[string]any) map[string]any {
	body := map[string]any{
		"model":    model,
		"messages": []map[string]any{{"role": "user", "content": "Locate findings. Output a JSON array."}},
		"options":  map[string]any{"temperature": 0, "seed": 42, "num_ctx": 2048, "num_predict": 64},
		"format":   json.RawMessage(`{"type":"array","items":{"type":"object","properties":{"label":{"type":"string","enum":["no_finding","cardiomegaly"]}},"required":["label"]}}`),
	}
	if stream != nil {
		body["stream"] = *stream
	}
	for k, v := range extra {
		body[k] = v
	}
	return body
}

var (
	yes = func() *bool { b := true; return &b }()
	no  = func() *bool { b := false; return &b }()
)

func TestConformance(t *testing.T) {
	real, fake := servers(t)
	img := image(t)
	draftFormat := json.RawMessage(`{"type":"array","items":{"type":"object","properties":{"label":{"type":"string","enum":["no_finding"]},"span":{"type":"string"}},"required":["label","span"]}}`)
	cases := []struct {
		name, method, path string
		body               any
		header             map[string]string
	}{
		{"version", "GET", "/api/version", nil, nil},
		{"tags", "GET", "/api/tags", nil, nil},
		{"heartbeat", "GET", "/", nil, nil},
		{"show vision", "POST", "/api/show", map[string]any{"model": realollama.Vision}, nil},
		{"show text", "POST", "/api/show", map[string]any{"model": realollama.Text + ":latest"}, nil},
		{"show by the old name field", "POST", "/api/show", map[string]any{"name": realollama.Text}, nil},
		{"show missing", "POST", "/api/show", map[string]any{"model": "nope-missing"}, nil},
		{"show without a model", "POST", "/api/show", map[string]any{}, nil},
		{"show without a body", "POST", "/api/show", nil, nil},
		{"show bad JSON", "POST", "/api/show", `{"model":`, nil},
		{"chat stream", "POST", "/api/chat", chat(realollama.Vision, nil, nil), nil},
		{"chat stream true", "POST", "/api/chat", chat(realollama.Text, yes, nil), nil},
		{"chat no stream", "POST", "/api/chat", chat(realollama.Vision, no, nil), nil},
		{"chat with an image", "POST", "/api/chat", chat(realollama.Vision, no, map[string]any{
			"messages": []map[string]any{{"role": "user", "content": "Locate findings.", "images": []string{img}}}}), nil},
		{"chat cut by num_predict", "POST", "/api/chat", chat(realollama.Text, no, map[string]any{
			"options": map[string]any{"temperature": 0, "num_predict": 1}}), nil},
		{"chat cut by num_predict, streamed", "POST", "/api/chat", chat(realollama.Text, yes, map[string]any{
			"options": map[string]any{"temperature": 0, "num_predict": 1}}), nil},
		{"repetition abort", "POST", "/api/chat", chat(realollama.Stuck, yes, map[string]any{"format": draftFormat}), nil},
		{"repetition abort, not streamed", "POST", "/api/chat", chat(realollama.Stuck, no, map[string]any{"format": draftFormat}), nil},
		{"think on a model without thinking", "POST", "/api/chat", chat(realollama.Text, nil, map[string]any{"think": true}), nil},
		{"think high on a model without thinking", "POST", "/api/chat", chat(realollama.Text+":latest", nil, map[string]any{"think": "high"}), nil},
		{"think false", "POST", "/api/chat", chat(realollama.Text, no, map[string]any{"think": false}), nil},
		{"tools on a model without tools", "POST", "/api/chat", chat(realollama.Text, nil, map[string]any{
			"tools": []map[string]any{{"type": "function", "function": map[string]any{"name": "f", "parameters": map[string]any{"type": "object"}}}}}), nil},
		{"missing model", "POST", "/api/chat", chat("nope-missing", nil, nil), nil},
		{"missing model, not streamed", "POST", "/api/chat", chat("nope-missing", no, nil), nil},
		{"no model", "POST", "/api/chat", map[string]any{"messages": []any{}}, nil},
		{"chat without a body", "POST", "/api/chat", nil, nil},
		{"chat bad JSON", "POST", "/api/chat", `{"model":"tiny-text","messages":[`, nil},
		{"format yaml", "POST", "/api/chat", chat(realollama.Text, nil, map[string]any{"format": "yaml"}), nil},
		{"format yaml, not streamed", "POST", "/api/chat", chat(realollama.Text, no, map[string]any{"format": "yaml"}), nil},
		{"format with a dangling $ref", "POST", "/api/chat", chat(realollama.Text, nil, map[string]any{
			"format": json.RawMessage(`{"$ref":"#/$defs/nope"}`)}), nil},
		{"format json", "POST", "/api/chat", chat(realollama.Text, no, map[string]any{"format": "json"}), nil},
		{"preload", "POST", "/api/chat", map[string]any{"model": realollama.Text, "messages": []any{}, "keep_alive": "10m"}, nil},
		{"preload streamed", "POST", "/api/chat", map[string]any{"model": realollama.Text, "messages": []any{}, "stream": true, "options": map[string]any{"num_ctx": 2048}}, nil},
		{"preload missing model", "POST", "/api/chat", map[string]any{"model": "nope-missing", "messages": []any{}}, nil},
		{"unload", "POST", "/api/chat", map[string]any{"model": realollama.Text, "messages": []any{}, "keep_alive": 0}, nil},
		{"ps", "GET", "/api/ps", nil, nil},
		{"GET on a POST endpoint", "GET", "/api/chat", nil, nil},
		{"unknown endpoint", "POST", "/api/nope", `{}`, nil},
		{"a Host the server does not allow", "GET", "/api/tags", nil, map[string]string{"Host": "gpu1.example.org:11434"}},
		{"a Host it allows", "GET", "/api/version", nil, map[string]string{"Host": "gpu1.local:11434"}},
		{"an Origin it does not allow", "GET", "/api/version", nil, map[string]string{"Origin": "http://evil.example"}},
		{"an Origin it allows", "GET", "/api/version", nil, map[string]string{"Origin": "http://localhost:3000"}},
		{"a preflight it allows", "OPTIONS", "/api/chat", nil, map[string]string{"Origin": "http://127.0.0.1", "Access-Control-Request-Method": "POST"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := send(t, real, tc.method, tc.path, tc.body, tc.header)
			f := send(t, fake, tc.method, tc.path, tc.body, tc.header)
			assert.Equal(t, shape(r), shape(f), "real reply:\n%s", truncate(r.body))
		})
	}
}

func truncate(b []byte) string {
	if len(b) > 1500 {
		return string(b[:1500]) + "…"
	}
	return string(b)
}

// TestConformanceEffects compares what a client can observe beyond the
// shape of one reply.
func TestConformanceEffects(t *testing.T) {
	real, fake := servers(t)
	img := image(t)
	both := func(t *testing.T, f func(t *testing.T, base string) int) (r, k int) {
		return f(t, real), f(t, fake)
	}
	promptTokens := func(model string, images bool) func(t *testing.T, base string) int {
		return func(t *testing.T, base string) int {
			msg := map[string]any{"role": "user", "content": "Locate findings."}
			if images {
				msg["images"] = []string{img}
			}
			ex := send(t, base, "POST", "/api/chat", chat(model, no, map[string]any{"messages": []any{msg}}), nil)
			require.Equal(t, http.StatusOK, ex.status, string(ex.body))
			var resp api.ChatResponse
			require.NoError(t, json.Unmarshal(ex.body, &resp))
			return resp.PromptEvalCount
		}
	}

	t.Run("a model without vision drops the image", func(t *testing.T) {
		// What is left of the image is the tag "[img-0]" Ollama puts
		// before the text: a few tokens, not an image's 256.
		rWith, fWith := both(t, promptTokens(realollama.Text, true))
		rWithout, fWithout := both(t, promptTokens(realollama.Text, false))
		assert.Less(t, rWith-rWithout, 20, "real")
		assert.Positive(t, rWith-rWithout, "real: the tag")
		assert.Less(t, fWith-fWithout, 20, "fake")
		assert.Positive(t, fWith-fWithout, "fake: the tag")
	})

	t.Run("a vision model reads the image", func(t *testing.T) {
		rWith, fWith := both(t, promptTokens(realollama.Vision, true))
		rWithout, fWithout := both(t, promptTokens(realollama.Vision, false))
		assert.GreaterOrEqual(t, rWith-rWithout, 256, "real: Gemma 3 spends 256 tokens (and markers) on an image")
		assert.GreaterOrEqual(t, fWith-fWithout, 256, "fake")
	})

	loadedContext := func(model string, numCtx int) func(t *testing.T, base string) int {
		return func(t *testing.T, base string) int {
			body := map[string]any{"model": model, "messages": []any{}, "keep_alive": "5m"}
			if numCtx > 0 {
				body["options"] = map[string]any{"num_ctx": numCtx}
			}
			ex := send(t, base, "POST", "/api/chat", body, nil)
			require.Equal(t, http.StatusOK, ex.status, string(ex.body))
			var ps api.ProcessResponse
			ex = send(t, base, "GET", "/api/ps", nil, nil)
			require.NoError(t, json.Unmarshal(ex.body, &ps))
			for _, m := range ps.Models {
				if strings.HasPrefix(m.Name, model+":") {
					return m.ContextLength
				}
			}
			t.Fatalf("%s not loaded on %s: %s", model, base, ex.body)
			return 0
		}
	}
	for _, tc := range []struct {
		name   string
		model  string
		numCtx int
		want   int
	}{
		{"num_ctx above the context length is cut", realollama.Text, 8192, 2048},
		{"num_ctx within it is kept", realollama.Vision, 3072, 3072},
		{"no num_ctx: the server's default", realollama.Vision, 0, 4096},
		{"no num_ctx: the default, cut", realollama.Text, 0, 2048},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, f := both(t, loadedContext(tc.model, tc.numCtx))
			assert.Equal(t, tc.want, r, "real")
			assert.Equal(t, tc.want, f, "fake")
		})
	}

	t.Run("num_predict cuts the reply", func(t *testing.T) {
		evals := func(t *testing.T, base string) int {
			ex := send(t, base, "POST", "/api/chat", chat(realollama.Vision, no, map[string]any{
				"options": map[string]any{"temperature": 0, "num_predict": 2}}), nil)
			var resp api.ChatResponse
			require.NoError(t, json.Unmarshal(ex.body, &resp))
			assert.Equal(t, "length", resp.DoneReason)
			return resp.EvalCount
		}
		r, f := both(t, evals)
		assert.Equal(t, 2, r)
		assert.Equal(t, 2, f)
	})

	t.Run("eval_count counts the end-of-text token", func(t *testing.T) {
		// lines - evals: 0 when the reply stopped by itself (a token a
		// chunk, and the end token for the done line).
		gap := func(t *testing.T, base string) int {
			ex := send(t, base, "POST", "/api/chat", chat(realollama.Vision, yes, nil), nil)
			lines := bytes.Split(bytes.TrimSpace(ex.body), []byte("\n"))
			var last api.ChatResponse
			require.NoError(t, json.Unmarshal(lines[len(lines)-1], &last))
			require.Equal(t, "stop", last.DoneReason)
			return len(lines) - last.EvalCount
		}
		r, f := both(t, gap)
		assert.Equal(t, 0, r, "real")
		assert.Equal(t, 0, f, "fake")
	})

	t.Run("a stream ends without done after a repetition abort", func(t *testing.T) {
		last := func(t *testing.T, base string) int {
			ex := send(t, base, "POST", "/api/chat", chat(realollama.Stuck, yes, map[string]any{"format": json.RawMessage(
				`{"type":"array","items":{"type":"object","properties":{"label":{"type":"string","enum":["no_finding"]},"span":{"type":"string"}},"required":["label","span"]}}`)}), nil)
			sc := bufio.NewScanner(bytes.NewReader(ex.body))
			var repeats, run int
			var prev string
			for sc.Scan() {
				var resp api.ChatResponse
				require.NoError(t, json.Unmarshal(sc.Bytes(), &resp))
				assert.False(t, resp.Done, "no done line")
				if resp.Message.Content == prev {
					run++
				} else {
					run = 1
				}
				prev = resp.Message.Content
				repeats = max(repeats, run)
			}
			return repeats
		}
		r, f := both(t, last)
		assert.Equal(t, 31, r, "real: the runner stops at 31 equal tokens")
		assert.Equal(t, 31, f, "fake")
	})
}
