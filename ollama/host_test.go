package ollama

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/ollama/ollama/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
)

// All model replies in these tests are synthetic, served by ollamatest.

const (
	testVision = "medgemma-cxr-grounding"
	testDraft  = "medgemma-cxr-draft"
)

// hostTestOptions are DefaultOptions with a fast backoff, so retry tests run in
// milliseconds.
func hostTestOptions() Options {
	o := DefaultOptions()
	o.Backoff = time.Millisecond
	return o
}

func newHostFor(t *testing.T, srv *ollamatest.Server, opt Options) *Host {
	t.Helper()
	h, err := NewHost(srv.URL(), opt)
	require.NoError(t, err)
	return h
}

func TestNewHostURLs(t *testing.T) {
	tests := []struct {
		in, want string
		insecure bool
	}{
		{"http://127.0.0.1:11434", "http://127.0.0.1:11434", false},
		{"127.0.0.1", "http://127.0.0.1:11434", false},
		{":11435", "http://127.0.0.1:11435", false},
		{"localhost:8080", "http://localhost:8080", false},
		{"[::1]:11434", "http://[::1]:11434", false},
		{"gpu1", "http://gpu1:11434", true},
		{"0.0.0.0", "http://0.0.0.0:11434", false},
		{"http://10.0.0.5", "http://10.0.0.5:80", true},
		{"https://ollama.example.org", "https://ollama.example.org:443", false},
		{"https://gpu1:8443/ollama", "https://gpu1:8443/ollama", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			h, err := NewHost(tt.in, DefaultOptions())
			require.NoError(t, err)
			assert.Equal(t, tt.want, h.URL())
			assert.Equal(t, tt.insecure, h.Insecure())
		})
	}
	for _, bad := range []string{"ftp://gpu1", "gpu1:99999", "gpu1:port", "http://us er@gpu1", "a:b:c", "gpu1:0", "http://gpu-:1"} {
		_, err := NewHost(bad, DefaultOptions())
		assert.Error(t, err, bad)
	}
	opt := DefaultOptions()
	opt.NumCtx = 0
	_, err := NewHost("127.0.0.1", opt)
	assert.ErrorContains(t, err, "num_ctx 0")
}

func TestNewHostFromEnvironment(t *testing.T) {
	t.Setenv("OLLAMA_HOST", "gpu7:12345")
	h, err := NewHost("", DefaultOptions())
	require.NoError(t, err)
	assert.Equal(t, "http://gpu7:12345", h.URL())
	t.Setenv("OLLAMA_HOST", "")
	h, err = NewHost("", DefaultOptions())
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:11434", h.URL())
}

func TestWarnInsecure(t *testing.T) {
	local, err := NewHost("127.0.0.1", DefaultOptions())
	require.NoError(t, err)
	remote, err := NewHost("http://10.1.2.3:11434", DefaultOptions())
	require.NoError(t, err)
	tls, err := NewHost("https://gpu.example.org", DefaultOptions())
	require.NoError(t, err)

	var buf bytes.Buffer
	WarnInsecure(&buf, []*Host{local, tls})
	assert.Empty(t, buf.String())
	WarnInsecure(&buf, []*Host{local, remote, tls})
	assert.Equal(t, 1, bytes.Count(buf.Bytes(), []byte("\n")), "one warning")
	assert.Contains(t, buf.String(), "http://10.1.2.3:11434")
	assert.Contains(t, buf.String(), "UNENCRYPTED")
	assert.NotContains(t, buf.String(), "http://127.0.0.1", "loopback hosts are not named")
	assert.NotContains(t, buf.String(), "gpu.example.org", "https hosts are not named")
}

func TestOptionsCanonical(t *testing.T) {
	assert.Equal(t, `{"num_ctx":8192,"num_predict":1024,"seed":42,"temperature":0}`, DefaultOptions().Canonical())
	o := DefaultOptions()
	o.Timeout, o.Retries, o.KeepAlive = time.Second, 0, time.Hour
	assert.Equal(t, DefaultOptions().Canonical(), o.Canonical(), "transport settings are not provenance")
	o.NumCtx = 4096
	assert.NotEqual(t, DefaultOptions().Canonical(), o.Canonical())
}

func TestOptionsValidate(t *testing.T) {
	require.NoError(t, DefaultOptions().Validate())
	o := DefaultOptions()
	o.NumPredict = -1
	require.NoError(t, o.Validate(), "-1 means no cap")
	o.Temperature, o.NumPredict, o.Retries, o.Timeout = -1, 0, -2, -time.Second
	err := o.Validate()
	for _, want := range []string{"temperature", "num_predict", "retries", "timeout"} {
		assert.ErrorContains(t, err, want)
	}
}

func TestVersionAndModelInfo(t *testing.T) {
	srv := ollamatest.NewServer(
		ollamatest.Model{Name: testVision, Capabilities: []string{"completion", "vision"}, Digest: "abc123"},
		ollamatest.Model{Name: testDraft + ":4b", Capabilities: []string{"completion", "thinking"}},
	)
	t.Cleanup(srv.Close)
	h := newHostFor(t, srv, hostTestOptions())
	ctx := t.Context()

	v, err := h.Version(ctx)
	require.NoError(t, err)
	assert.Equal(t, ollamatest.Version, v)

	info, err := h.ModelInfo(ctx, testVision)
	require.NoError(t, err)
	assert.Equal(t, testVision+":latest", info.Name)
	assert.Equal(t, "abc123", info.Digest)
	assert.True(t, info.Has("vision"))
	assert.False(t, info.Has("thinking"))
	assert.Equal(t, "gemma3", info.Family)
	assert.Positive(t, info.ContextLength)

	info, err = h.ModelInfo(ctx, testDraft+":4b")
	require.NoError(t, err)
	assert.True(t, info.Has("thinking"))
	assert.Len(t, info.Digest, 64)

	_, err = h.ModelInfo(ctx, "nope")
	require.ErrorIs(t, err, ErrModelNotFound)
	var se api.StatusError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "model 'nope' not found", se.ErrorMessage)
}

func TestUnreachableHost(t *testing.T) {
	srv := ollamatest.NewServer()
	url := srv.URL()
	srv.Close() // nothing listens there any more
	opt := hostTestOptions()
	h, err := NewHost(url, opt)
	require.NoError(t, err)
	_, err = h.Version(t.Context())
	require.ErrorIs(t, err, ErrUnreachable)
	_, err = h.ModelInfo(t.Context(), testVision)
	require.ErrorIs(t, err, ErrUnreachable)
}

func TestPreload(t *testing.T) {
	srv := ollamatest.NewServer(ollamatest.Model{Name: testVision})
	t.Cleanup(srv.Close)
	h := newHostFor(t, srv, hostTestOptions())
	require.NoError(t, h.Preload(t.Context(), testVision))
	require.ErrorIs(t, h.Preload(t.Context(), "nope"), ErrModelNotFound)

	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.Empty(t, reqs[0].Messages)
	require.NotNil(t, reqs[0].KeepAlive)
	assert.Equal(t, 30*time.Minute, reqs[0].KeepAlive.Duration)
	assert.Equal(t, map[string]any{"temperature": 0.0, "seed": 42.0, "num_ctx": 8192.0, "num_predict": 1024.0}, reqs[0].Options,
		"preload sends the same options as every call, or Ollama reloads the model")
}

func TestRetryOn503ThenSuccess(t *testing.T) {
	srv := ollamatest.NewServer(ollamatest.Model{Name: testVision})
	t.Cleanup(srv.Close)
	h := newHostFor(t, srv, hostTestOptions())
	srv.InjectFault(testVision, ollamatest.FaultBusy, 2)
	out, err := h.chat(t.Context(), h.request(testVision, []api.Message{{Role: "user", Content: "x"}}))
	require.NoError(t, err)
	assert.True(t, out.done)
	assert.Equal(t, 3, out.attempts)
	assert.Len(t, srv.Requests(), 3)

	// Retries exhausted: ErrBusy with the server's message.
	srv.InjectFault(testVision, ollamatest.FaultBusy, 4)
	_, err = h.chat(t.Context(), h.request(testVision, []api.Message{{Role: "user", Content: "x"}}))
	require.ErrorIs(t, err, ErrBusy)
	assert.ErrorContains(t, err, ollamatest.BusyMessage)
	assert.Len(t, srv.Requests(), 3+4, "1 try + 3 retries")
}

func TestNoRetryOn4xxOr500(t *testing.T) {
	for _, f := range []ollamatest.Fault{ollamatest.FaultNotFound, ollamatest.FaultServerError} {
		t.Run(f.String(), func(t *testing.T) {
			srv := ollamatest.NewServer(ollamatest.Model{Name: testVision})
			t.Cleanup(srv.Close)
			h := newHostFor(t, srv, hostTestOptions())
			srv.InjectFault(testVision, f, 1)
			_, err := h.chat(t.Context(), h.request(testVision, []api.Message{{Role: "user", Content: "x"}}))
			require.Error(t, err)
			assert.Len(t, srv.Requests(), 1)
		})
	}
}

func TestCanceledWhileWaitingToRetry(t *testing.T) {
	srv := ollamatest.NewServer(ollamatest.Model{Name: testVision})
	t.Cleanup(srv.Close)
	opt := hostTestOptions()
	opt.Backoff = time.Hour
	h := newHostFor(t, srv, opt)
	srv.InjectFault(testVision, ollamatest.FaultBusy, 1)
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		for len(srv.Requests()) == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err := h.chat(ctx, h.request(testVision, []api.Message{{Role: "user", Content: "x"}}))
	require.ErrorIs(t, err, ErrCanceled)
	require.ErrorIs(t, err, context.Canceled)
	assert.False(t, errors.Is(err, ErrBusy))
}

func TestHostUsesItsOwnHTTPClient(t *testing.T) {
	h, err := NewHost("127.0.0.1", DefaultOptions())
	require.NoError(t, err)
	assert.NotSame(t, http.DefaultClient, h.http)
	assert.Zero(t, h.http.Timeout, "streams are bounded per call, not by the client")
}

func FuzzParseHostURL(f *testing.F) {
	for _, s := range []string{"", "127.0.0.1", ":11434", "gpu1", "http://gpu1:80/x", "https://[::1]:443", "ftp://x", "a:b:c", "[::1", "http://:0", " host "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := parseHostURL(s)
		if err != nil {
			return
		}
		require.Contains(t, []string{"http", "https"}, u.Scheme)
		back, err := url.Parse(u.String())
		require.NoError(t, err, "%q gave %q", s, u.String())
		require.Equal(t, u.Host, back.Host)
		port, err := strconv.Atoi(back.Port())
		require.NoError(t, err)
		require.True(t, port > 0 && port <= 65535)
	})
}
