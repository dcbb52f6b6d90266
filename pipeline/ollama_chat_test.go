package pipeline

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/ollama/ollama/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/pipeline/ollamatest"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// cannedServer answers every request with a fixed status and body and
// records the raw requests it got. Bodies are synthetic.
type cannedServer struct {
	srv *httptest.Server

	mu     sync.Mutex
	status int
	body   []byte
	got    []rawRequest
}

type rawRequest struct {
	Method, Path                   string
	ContentType, Accept, UserAgent string
	ContentLength                  int64
	Body                           string
}

func newCannedServer(tb testing.TB) *cannedServer {
	tb.Helper()
	c := &cannedServer{status: http.StatusOK}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		c.got = append(c.got, rawRequest{
			Method: r.Method, Path: r.URL.Path,
			ContentType: r.Header.Get("Content-Type"), Accept: r.Header.Get("Accept"), UserAgent: r.Header.Get("User-Agent"),
			ContentLength: r.ContentLength, Body: string(body),
		})
		status, reply := c.status, c.body
		c.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-ndjson")
		w.WriteHeader(status)
		_, _ = w.Write(reply)
	}))
	tb.Cleanup(c.srv.Close)
	return c
}

func (c *cannedServer) serve(status int, body []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.status, c.body = status, body
}

func (c *cannedServer) requests() []rawRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]rawRequest(nil), c.got...)
}

// chatBothWays runs req through the api client and through streamChat and
// returns what each callback saw and each error.
func chatBothWays(ctx context.Context, h *Host, req *api.ChatRequest, failAt int) (viaClient, viaHost []api.ChatResponse, errClient, errHost error) {
	collect := func(into *[]api.ChatResponse) api.ChatResponseFunc {
		return func(r api.ChatResponse) error {
			*into = append(*into, r)
			if len(*into) == failAt {
				return assert.AnError
			}
			return nil
		}
	}
	errClient = h.client.Chat(ctx, req, collect(&viaClient))
	errHost = h.streamChat(ctx, req, collect(&viaHost))
	return viaClient, viaHost, errClient, errHost
}

func groundLikeRequest(h *Host) *api.ChatRequest {
	req := h.request(testVision, []api.Message{{Role: "user", Content: "Locate findings. \u00e9<>&", Images: []api.ImageData{testPNG}}})
	req.Format = schema.FindingsJSONSchema()
	return req
}

func TestStreamChatSendsWhatTheClientSends(t *testing.T) {
	canned := newCannedServer(t)
	canned.serve(http.StatusOK, []byte(`{"model":"m","message":{"role":"assistant","content":"x"},"done":true}`+"\n"))
	h, err := NewHost(canned.srv.URL, hostTestOptions())
	require.NoError(t, err)
	_, _, errClient, errHost := chatBothWays(t.Context(), h, groundLikeRequest(h), 0)
	require.NoError(t, errClient)
	require.NoError(t, errHost)
	got := canned.requests()
	require.Len(t, got, 2)
	assert.Equal(t, "/api/chat", got[0].Path)
	assert.Contains(t, got[0].Body, `"images":[`)
	assert.Equal(t, got[0], got[1], "method, path, headers and body bytes are the api client's")

	// The same through ollamatest, as a server decodes it.
	srv := ollamatest.NewServer(ollamatest.Model{Name: testVision, Capabilities: []string{"completion", "vision"}})
	t.Cleanup(srv.Close)
	h = newHostFor(t, srv, hostTestOptions())
	viaClient, viaHost, errClient, errHost := chatBothWays(t.Context(), h, groundLikeRequest(h), 0)
	require.NoError(t, errClient)
	require.NoError(t, errHost)
	require.NotEmpty(t, viaHost)
	assert.True(t, viaHost[len(viaHost)-1].Done)
	assert.Len(t, viaHost, len(viaClient))
	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, reqs[0], reqs[1])
}

func TestStreamChatMatchesClient(t *testing.T) {
	token := `{"model":"m","created_at":"2026-01-02T03:04:05Z","message":{"role":"assistant","content":"tok"},"done":false}` + "\n"
	done := `{"model":"m","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","eval_count":3}` + "\n"
	long := `{"model":"m","message":{"role":"assistant","content":"` + strings.Repeat("a", 200<<10) + `"},"done":false}` + "\n"
	// 8_000_000 is the api client's maxBufferSize, the longest line.
	atLimit := `{"model":"m","message":{"role":"assistant","content":"` + strings.Repeat("a", 8_000_000-200) + `"},"done":false}` + "\n"
	tooLong := `{"model":"m","message":{"role":"assistant","content":"` + strings.Repeat("a", 8_000_000) + `"},"done":false}` + "\n"
	tests := []struct {
		name   string
		status int
		body   string
		failAt int // the callback fails on this response (1-based), 0 never
	}{
		{"stream", http.StatusOK, token + token + done, 0},
		{"no done", http.StatusOK, token + token, 0},
		{"empty 200", http.StatusOK, "", 0},
		{"no trailing newline", http.StatusOK, token + strings.TrimSuffix(done, "\n"), 0},
		{"CRLF lines", http.StatusOK, strings.ReplaceAll(token+done, "\n", "\r\n"), 0},
		{"404 json", http.StatusNotFound, `{"error":"model 'x' not found"}` + "\n", 0},
		{"500 not json", http.StatusInternalServerError, "upstream exploded\n", 0},
		{"500 json without error", http.StatusInternalServerError, "{}\n", 0},
		{"503 empty body", http.StatusServiceUnavailable, "", 0},
		{"401", http.StatusUnauthorized, `{"error":"unauthorized","signin_url":"https://ollama.com/connect"}`, 0},
		{"error line after 200", http.StatusOK, token + `{"error":"model runner crashed"}` + "\n" + done, 0},
		{"malformed line", http.StatusOK, token + "{\"message\":\n" + done, 0},
		{"wrong types", http.StatusOK, token + `{"done":"yes"}` + "\n" + done, 0},
		{"blank line", http.StatusOK, token + "\n" + done, 0},
		{"line over 64 KiB", http.StatusOK, token + long + done, 0},
		{"line just under the limit", http.StatusOK, token + atLimit + done, 0},
		{"line over the limit", http.StatusOK, token + tooLong + done, 0},
		{"callback error", http.StatusOK, token + token + done, 2},
	}
	canned := newCannedServer(t)
	h, err := NewHost(canned.srv.URL, hostTestOptions())
	require.NoError(t, err)
	req := h.request(testVision, []api.Message{{Role: "user", Content: "x"}})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			canned.serve(tt.status, []byte(tt.body))
			viaClient, viaHost, errClient, errHost := chatBothWays(t.Context(), h, req, tt.failAt)
			assert.Equal(t, errClient, errHost)
			assert.Equal(t, viaClient, viaHost)
		})
	}
}

func TestStreamChatReturnsContextErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"message":{"role":"assistant","content":"tok"},"done":false}`+"\n")
		_ = http.NewResponseController(w).Flush()
		<-r.Context().Done() // a stalled stream
	}))
	t.Cleanup(srv.Close)
	h, err := NewHost(srv.URL, hostTestOptions())
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var n int
	err = h.streamChat(ctx, h.request(testVision, nil), func(api.ChatResponse) error {
		n++
		cancel()
		return nil
	})
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, n)

	// Cancelled before the request: http.Client.Do's error, as the client.
	err = h.streamChat(ctx, h.request(testVision, nil), func(api.ChatResponse) error { return nil })
	require.ErrorIs(t, err, context.Canceled)
}

// FuzzStreamChatMatchesClient serves arbitrary (synthetic) bodies with a
// few statuses and checks that streamChat reports exactly what the api
// client reports.
func FuzzStreamChatMatchesClient(f *testing.F) {
	statuses := []int{http.StatusOK, http.StatusNotFound, http.StatusInternalServerError, http.StatusServiceUnavailable, http.StatusUnauthorized, http.StatusBadRequest}
	f.Add(0, []byte(`{"message":{"content":"a"}}`+"\n"+`{"done":true}`+"\n"))
	f.Add(0, []byte(`{"error":"boom"}`))
	f.Add(0, []byte("not json\n{\"done\":true}\n"))
	f.Add(1, []byte(`{"error":"model not found"}`))
	f.Add(2, []byte("\n\n"))
	f.Add(4, []byte(`{"signin_url":"u"}`))
	f.Add(0, []byte(`{"done":1}`))
	canned := newCannedServer(f)
	h, err := NewHost(canned.srv.URL, hostTestOptions())
	require.NoError(f, err)
	req := h.request(testVision, []api.Message{{Role: "user", Content: "x"}})
	f.Fuzz(func(t *testing.T, statusIdx int, body []byte) {
		if statusIdx < 0 {
			statusIdx = -(statusIdx + 1)
		}
		canned.serve(statuses[statusIdx%len(statuses)], body)
		viaClient, viaHost, errClient, errHost := chatBothWays(context.Background(), h, req, 0)
		require.Equal(t, errClient, errHost)
		require.Equal(t, viaClient, viaHost)
	})
}
