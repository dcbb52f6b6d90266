package pipeline

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// cuttingServer is a real HTTP server on loopback in front of a fake
// Ollama: it passes every request through except /api/chat, whose
// connection it closes without a reply (as a host whose runner crashes on
// every call does), counting the chats it cut.
func cuttingServer(t *testing.T, backend string) (*httptest.Server, *atomic.Int64) {
	return hostileChatServer(t, backend, func(w http.ResponseWriter) {
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close()
		}
	}, nil)
}

// hostileChatServer passes every request to backend but /api/chat, which
// bad answers while on is nil or true.
func hostileChatServer(t *testing.T, backend string, bad func(http.ResponseWriter), on *atomic.Bool) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	u, err := url.Parse(backend)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(u)
	var cuts atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/chat" || (on != nil && !on.Load()) {
			proxy.ServeHTTP(w, r)
			return
		}
		cuts.Add(1)
		bad(w)
	}))
	t.Cleanup(srv.Close)
	return srv, &cuts
}

// TestHostileHostCutsEveryChat: a host that answers /api/show but cuts
// every /api/chat made run loop for ever (each cut read as "host lost",
// the probe answered at once, the job was requeued without a cap). Now
// each item fails after a bounded number of calls, with the reason, and
// the host is backed off like a dead one.
func TestHostileHostCutsEveryChat(t *testing.T) {
	backend := schedServer(t, testModels(0, 0, 1, "")...)
	srv, cuts := cuttingServer(t, backend.URL())
	opt := schedOptions()
	opt.Retries = 1
	var logs logLines
	cfg := baseConfig(nil, schedHost(t, srv.URL, opt))
	cfg.Logf = logs.logf
	items := makeItems(t, t.TempDir(), 3)
	s, err := NewScheduler(cfg)
	require.NoError(t, err)
	s.hosts.probeFirst, s.hosts.probeMax = time.Millisecond, 20*time.Millisecond
	// A guard only: without the bound the run never ends.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	results := map[string]*audit.Result{}
	require.NoError(t, s.RunAll(ctx, items, func(u audit.Update) {
		if u.Result != nil {
			results[u.ItemID] = u.Result
		}
	}))
	require.NoError(t, ctx.Err(), "the run ended by itself")
	for _, it := range items {
		r := results[it.ID]
		require.NotNil(t, r, it.ID)
		assert.Equal(t, audit.StatusError, r.Status)
		assert.Contains(t, r.Err, "cut the call")
	}
	// Two stages per item, at most maxCutCalls calls each, each with its
	// retries.
	assert.LessOrEqual(t, cuts.Load(), int64(len(items)*2*maxCutCalls*(opt.Retries+1)))
	// Backed off like a dead host: the pause doubles with each lost call,
	// said at each doubling.
	assert.Equal(t, 1, logs.count("cut 2 calls in a row"), "%s", &logs)
	assert.Equal(t, 1, logs.count("cut 4 calls in a row"), "%s", &logs)
	assert.Equal(t, 1, logs.count("answers again"), "%s", &logs)
}

// TestHostileEmptyReplyIsCalledAgain: an empty HTTP 200 reply was stored
// as a deterministic failure, and once the host recovered reruns made no
// call. It is now a transient failure: the next run calls again.
func TestHostileEmptyReplyIsCalledAgain(t *testing.T) {
	backend := schedServer(t, testModels(0, 0, 1, "")...)
	var on atomic.Bool
	on.Store(true)
	srv, empties := hostileChatServer(t, backend.URL(), func(w http.ResponseWriter) {}, &on)
	st := openStore(t, t.TempDir())
	items := makeItems(t, t.TempDir(), 2)
	cfg := baseConfig(st, schedHost(t, srv.URL, schedOptions()))
	first, _ := runAllFast(t, cfg, items)
	for _, it := range items {
		require.Equal(t, audit.StatusError, first[it.ID].Status)
		assert.Contains(t, first[it.ID].Err, "empty body")
	}
	require.Positive(t, empties.Load())
	on.Store(false) // the host recovers
	again, _ := runAllFast(t, cfg, items)
	for _, it := range items {
		assert.Equal(t, audit.StatusDone, again[it.ID].Status, again[it.ID].Err)
	}
	assert.Equal(t, len(items), backend.Stats(groundModel).Served, "the rerun called the model again")
}

// runAllFast is runAll with the probe pauses shortened.
func runAllFast(t *testing.T, cfg Config, items []audit.Item) (map[string]*audit.Result, []audit.Update) {
	t.Helper()
	s, err := NewScheduler(cfg)
	require.NoError(t, err)
	s.hosts.probeFirst, s.hosts.probeMax = time.Millisecond, 20*time.Millisecond
	return runAllWith(t, s, items, func(audit.Update) {})
}
