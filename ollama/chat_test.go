package ollama

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ollama/ollama/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
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
		// wantErr, when set, is where streamChat differs from the client
		// (which returns nil): the error streamChat returns instead.
		wantErr error
	}{
		{"stream", http.StatusOK, token + token + done, 0, nil},
		{"no done", http.StatusOK, token + token, 0, nil},
		{"empty 200", http.StatusOK, "", 0, nil},
		{"no trailing newline", http.StatusOK, token + strings.TrimSuffix(done, "\n"), 0, nil},
		{"CRLF lines", http.StatusOK, strings.ReplaceAll(token+done, "\n", "\r\n"), 0, nil},
		{"404 json", http.StatusNotFound, `{"error":"model 'x' not found"}` + "\n", 0, nil},
		{"500 not json", http.StatusInternalServerError, "upstream exploded\n", 0, nil},
		{"500 json without error", http.StatusInternalServerError, "{}\n", 0, nil},
		{"503 empty body", http.StatusServiceUnavailable, "", 0,
			api.StatusError{StatusCode: http.StatusServiceUnavailable, Status: "503 Service Unavailable"}},
		{"500 empty body", http.StatusInternalServerError, "", 0,
			api.StatusError{StatusCode: http.StatusInternalServerError, Status: "500 Internal Server Error"}},
		{"401", http.StatusUnauthorized, `{"error":"unauthorized","signin_url":"https://ollama.com/connect"}`, 0, nil},
		{"error line after 200", http.StatusOK, token + `{"error":"model runner crashed"}` + "\n" + done, 0, nil},
		{"malformed line", http.StatusOK, token + "{\"message\":\n" + done, 0, nil},
		{"wrong types", http.StatusOK, token + `{"done":"yes"}` + "\n" + done, 0, nil},
		{"blank line", http.StatusOK, token + "\n" + done, 0, nil},
		{"line over 64 KiB", http.StatusOK, token + long + done, 0, nil},
		{"line just under the limit", http.StatusOK, token + atLimit + done, 0, nil},
		{"line over the limit", http.StatusOK, token + tooLong + done, 0, ErrOutputTooLarge},
		{"callback error", http.StatusOK, token + token + done, 2, nil},
	}
	canned := newCannedServer(t)
	h, err := NewHost(canned.srv.URL, hostTestOptions())
	require.NoError(t, err)
	req := h.request(testVision, []api.Message{{Role: "user", Content: "x"}})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			canned.serve(tt.status, []byte(tt.body))
			viaClient, viaHost, errClient, errHost := chatBothWays(t.Context(), h, req, tt.failAt)
			assert.Equal(t, viaClient, viaHost)
			if tt.wantErr == nil {
				assert.Equal(t, errClient, errHost)
				return
			}
			require.NoError(t, errClient, "the client's mistake")
			var se api.StatusError
			if errors.As(tt.wantErr, &se) {
				assert.Equal(t, tt.wantErr, errHost)
				assert.Contains(t, classify(errHost).Error(), strconv.Itoa(se.StatusCode), "the status code is in the message")
				return
			}
			assert.ErrorIs(t, errHost, tt.wantErr)
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
// client reports, except where the client is wrong (see streamChat).
// TestTokenLine: the fast decoding of a token line gives what
// encoding/json gives, and leaves every other line to it.
func TestTokenLine(t *testing.T) {
	const created = `"2026-11-28T08:18:42.945665541Z"`
	line := func(model, created, role, content, tail string) string {
		return `{"model":` + model + `,"created_at":` + created + `,"message":{"role":` + role + `,"content":` + content + tail + `},"done":false}`
	}
	tests := []struct {
		name string
		line string
		fast bool
	}{
		{"token", line(`"m:4b"`, created, `"assistant"`, `"labe"`, ""), true},
		{"thinking", line(`"m"`, created, `"assistant"`, `""`, `,"thinking":"hm"`), true},
		{"role in capitals", line(`"m"`, created, `"ASSISTANT"`, `"x"`, ""), true},
		{"utf-8", line(`"m"`, created, `"assistant"`, `"é ✓"`, ""), true},
		{"created_at with a zone", line(`"m"`, `"2026-11-28T08:18:42+02:00"`, `"assistant"`, `"x"`, ""), true},
		{"escaped content", line(`"m"`, created, `"assistant"`, `"a\"b\n\\\/\t\r\b\f"`, ""), true},
		{"escaped quote alone", line(`"m"`, created, `"assistant"`, `"\""`, ""), true},
		{"unicode escape", line(`"m"`, created, `"assistant"`, `"a\u00e9"`, ""), false},
		{"unknown escape", line(`"m"`, created, `"assistant"`, `"a\x"`, ""), false},
		{"backslash at the end", `{"model":"m\`, false},
		{"invalid utf-8", line(`"m"`, created, `"assistant"`, "\"a\xffb\"", ""), false},
		{"control byte", line(`"m"`, created, `"assistant"`, "\"a\tb\"", ""), false},
		{"bad time", line(`"m"`, `"yesterday"`, `"assistant"`, `"x"`, ""), false},
		{"time not a string", line(`"m"`, `null`, `"assistant"`, `"x"`, ""), false},
		{"images", line(`"m"`, created, `"assistant"`, `"x"`, `,"images":[]`), false},
		{"done", `{"model":"m","created_at":` + created + `,"message":{"role":"assistant","content":""},"done":true,"done_reason":"stop"}`, false},
		{"spaces", `{"model": "m","created_at":` + created + `,"message":{"role":"assistant","content":"x"},"done":false}`, false},
		{"trailing bytes", line(`"m"`, created, `"assistant"`, `"x"`, "") + " ", false},
		{"unterminated", `{"model":"m`, false},
		{"empty", ``, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, fast := tokenLine([]byte(tt.line))
			assert.Equal(t, tt.fast, fast)
			if !fast {
				return
			}
			var want api.ChatResponse
			require.NoError(t, json.Unmarshal([]byte(tt.line), &want))
			assert.Equal(t, want, got)
		})
	}
}

func FuzzTokenLine(f *testing.F) {
	f.Add([]byte(`{"model":"m","created_at":"2026-11-28T08:18:42.945665541Z","message":{"role":"assistant","content":"labe"},"done":false}`))
	f.Add([]byte(`{"model":"m","created_at":"2026-11-28T08:18:42Z","message":{"role":"Assistant","content":"","thinking":"t"},"done":false}`))
	f.Add([]byte(`{"model":"m","created_at":"2026-11-28T08:18:42Z","message":{"role":"assistant","content":"\"a\\b\n"},"done":false}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		got, fast := tokenLine(line)
		if !fast {
			return
		}
		var want api.ChatResponse
		require.NoError(t, json.Unmarshal(line, &want), "the fast path took a line encoding/json refuses")
		require.Equal(t, want, got)
	})
}

func FuzzStreamChatMatchesClient(f *testing.F) {
	statuses := []int{http.StatusOK, http.StatusNotFound, http.StatusInternalServerError, http.StatusServiceUnavailable, http.StatusUnauthorized, http.StatusBadRequest}
	f.Add(0, []byte(`{"model":"m","created_at":"2026-11-28T08:18:42.945665541Z","message":{"role":"assistant","content":"a"},"done":false}`+"\n"+`{"done":true}`+"\n"))
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
		status := statuses[statusIdx%len(statuses)]
		viaClient, viaHost, errClient, errHost := chatBothWays(context.Background(), h, req, 0)
		require.Equal(t, viaClient, viaHost)
		if len(body) == 0 && status >= http.StatusBadRequest {
			// The one difference a canned body can show: an error status
			// without a body is the status, not a quiet nil.
			require.NoError(t, errClient)
			require.Equal(t, api.StatusError{StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status))}, errHost)
			return
		}
		require.Equal(t, errClient, errHost)
	})
}

// BenchmarkChatLine decodes one streamed token line as Ollama sends it
// (a reply is one line per token: 41 for a short draft reply), the hot
// loop of a run with fast replies.
func BenchmarkChatLine(b *testing.B) {
	line := []byte(`{"model":"nemotron-3-nano:4b","created_at":"2026-11-28T08:18:42.945665541Z","message":{"role":"assistant","content":"labe"},"done":false}`)
	resp := &http.Response{StatusCode: http.StatusOK}
	b.Run("chatLine", func(b *testing.B) {
		b.ReportAllocs()
		var scratch chatLineJSON
		for b.Loop() {
			if _, err := chatLine(resp, line, &scratch); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		// A trailing space: not the token line's exact form.
		spaced := append(slices.Clip(line), ' ')
		b.ReportAllocs()
		var scratch chatLineJSON
		for b.Loop() {
			if _, err := chatLine(resp, spaced, &scratch); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("client's two steps", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := chatLineSlow(resp, line); err != nil {
				b.Fatal(err)
			}
		}
	})
}
