package ollama

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
)

// Hostile metadata replies, from a real HTTP server on loopback in front
// of a fake Ollama (synthetic models): the paths in hostile are answered
// by it, the others passed through.
func hostileMeta(t *testing.T, metaTimeout time.Duration, hostile map[string]http.HandlerFunc) *Host {
	t.Helper()
	backend := ollamatest.NewServer(ollamatest.Model{Name: testVision, Capabilities: []string{"completion", "vision"}})
	t.Cleanup(backend.Close)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h, ok := hostile[r.URL.Path]; ok {
			h(w, r)
			return
		}
		req, err := http.NewRequestWithContext(r.Context(), r.Method, backend.URL()+r.URL.Path, r.Body)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	t.Cleanup(srv.Close)
	opt := hostTestOptions()
	opt.Timeout = time.Hour // a generation's; metadata calls have their own
	opt.MetaTimeout = metaTimeout
	h, err := NewHost(srv.URL, opt)
	require.NoError(t, err)
	return h
}

// floodJSON streams a JSON object whose field key holds n bytes, chunked
// (no Content-Length), or declared up front when declare is set.
func floodJSON(key string, n int, declare bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		head, tail := fmt.Sprintf(`{%q:"`, key), `"}`
		if declare {
			w.Header().Set("Content-Length", fmt.Sprint(len(head)+n+len(tail)))
		}
		_, _ = io.WriteString(w, head)
		chunk := strings.Repeat("a", 64<<10)
		for sent := 0; sent < n; sent += len(chunk) {
			if _, err := io.WriteString(w, chunk[:min(len(chunk), n-sent)]); err != nil {
				return // the client stopped reading
			}
		}
		_, _ = io.WriteString(w, tail)
	}
}

// manyTags lists n models.
func manyTags(n int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"models":[`)
		for i := range n {
			sep := ","
			if i == 0 {
				sep = ""
			}
			if _, err := fmt.Fprintf(w, `%s{"name":"m%d:latest","model":"m%d:latest","digest":"%064d"}`, sep, i, i, i); err != nil {
				return
			}
		}
		_, _ = io.WriteString(w, `]}`)
	}
}

// roomy is the metadata timeout of the tests that check a size cap: long
// enough that a flood is stopped by the cap, not the clock, even under the
// race detector on a loaded machine.
const roomy = 30 * time.Second

// hang answers nothing until the client gives up (the body is read
// first: until then the server does not watch the connection).
func hang(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	<-r.Context().Done()
}

// allocDuring returns the bytes allocated while f ran.
func allocDuring(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestHostileMetadataRepliesAreCapped: a 100 MB modelfile in /api/show,
// a 50 MB /api/version and 200k tags were read whole (hundreds of MB).
// Each now stops at its cap with an error saying so, and a hanging
// /api/show fails after the metadata timeout, not the generation's.
func TestHostileMetadataRepliesAreCapped(t *testing.T) {
	cases := []struct {
		name string
		path string
		h    http.HandlerFunc
		call func(h *Host) error
		want string
	}{
		{"show with a 100 MB modelfile", "/api/show", floodJSON("modelfile", 100<<20, false),
			func(h *Host) error { _, err := h.ModelInfo(t.Context(), testVision); return err }, "reply is over 4194304 bytes"},
		{"show declaring 100 MB", "/api/show", floodJSON("modelfile", 100<<20, true),
			func(h *Host) error { _, err := h.ModelInfo(t.Context(), testVision); return err }, "limit 4194304"},
		{"50 MB version", "/api/version", floodJSON("version", 50<<20, false),
			func(h *Host) error { _, err := h.Version(t.Context()); return err }, "/api/version reply is over 65536 bytes"},
		{"200k tags (model info)", "/api/tags", manyTags(200_000),
			func(h *Host) error { _, err := h.ModelInfo(t.Context(), testVision); return err }, "/api/tags reply is over"},
		{"200k tags (models)", "/api/tags", manyTags(200_000),
			func(h *Host) error { _, err := h.Models(t.Context()); return err }, "/api/tags reply is over"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := hostileMeta(t, roomy, map[string]http.HandlerFunc{tc.path: tc.h})
			var err error
			alloc := allocDuring(func() { err = tc.call(h) })
			t.Logf("%s: allocated %d bytes", tc.name, alloc)
			require.ErrorIs(t, err, ErrOutputTooLarge)
			assert.Contains(t, err.Error(), tc.want)
			assert.Less(t, alloc, uint64(64<<20), "allocated %d bytes", alloc)
		})
	}
}

// TestHostileMetadataCallsHaveTheirOwnTimeout: a hanging /api/show,
// /api/tags or /api/version kept run silent for the whole --timeout.
func TestHostileMetadataCallsHaveTheirOwnTimeout(t *testing.T) {
	for _, path := range []string{"/api/show", "/api/tags", "/api/version"} {
		t.Run(path, func(t *testing.T) {
			h := hostileMeta(t, 200*time.Millisecond, map[string]http.HandlerFunc{path: hang})
			var err error
			if path == "/api/version" {
				_, err = h.Version(t.Context())
			} else {
				_, err = h.ModelInfo(t.Context(), testVision)
			}
			require.ErrorIs(t, err, ErrTimeout)
			assert.Contains(t, err.Error(), path+" did not answer within 200ms")
		})
	}
}

// TestMetaTimeoutFallsBackToTimeout: MetaTimeout is never longer than
// Timeout, and 0 means Timeout.
func TestMetaTimeoutFallsBackToTimeout(t *testing.T) {
	for _, tc := range []struct{ timeout, meta, want time.Duration }{
		{time.Minute, 0, time.Minute},
		{time.Minute, time.Second, time.Second},
		{time.Second, time.Minute, time.Second},
		{0, time.Second, time.Second},
	} {
		h, err := NewHost("127.0.0.1:1", Options{NumCtx: 1, NumPredict: 1, Timeout: tc.timeout, MetaTimeout: tc.meta})
		require.NoError(t, err)
		assert.Equal(t, tc.want, h.metaTimeout(), "%+v", tc)
	}
}

// chatLines answers /api/chat with HTTP 200 and the given NDJSON lines.
func chatLines(lines ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-ndjson")
		for _, l := range lines {
			_, _ = io.WriteString(w, l+"\n")
		}
	}
}

// TestHostileEmptyOrDoneLessReplyIsTransient: an empty HTTP 200 reply was
// stored as a deterministic failure, so reruns never called again after
// the host recovered. An empty reply, or one that stops without done:true
// and is not Ollama's repetition abort, is now transient.
func TestHostileEmptyOrDoneLessReplyIsTransient(t *testing.T) {
	tok := func(s string) string {
		return fmt.Sprintf(`{"model":%q,"created_at":"2026-01-01T00:00:00Z","message":{"role":"assistant","content":%q},"done":false}`, testVision, s)
	}
	var abort []string
	for range repetitionAbortRun + 1 {
		abort = append(abort, tok("pneumo"))
	}
	cases := []struct {
		name          string
		lines         []string
		want          string
		deterministic bool
	}{
		{"empty body", nil, "HTTP 200 with an empty body", false},
		{"lines without done", []string{tok(`[{"label":`), tok(`"pneumo`)}, "not as Ollama's repetition abort", false},
		{"repetition abort", append([]string{tok(`[{"label":`)}, abort...), "kept repeating one token", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := hostileMeta(t, roomy, map[string]http.HandlerFunc{"/api/chat": chatLines(tc.lines...)})
			h.opt.Attempts = AttemptsOne
			rec, err := h.Ground(t.Context(), testVision, testPNG)
			require.ErrorIs(t, err, ErrIncomplete)
			assert.Contains(t, err.Error(), tc.want)
			assert.Equal(t, tc.deterministic, rec.Deterministic)
		})
	}
}
