package ollama

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// MaxMetaBytes bounds the body of every reply but a chat stream's
// (/api/show, /api/tags, /api/ps, and errors), and MaxVersionBytes that of
// /api/version. Why: the api client reads a reply whole before decoding
// it, so a host (or anything listening on its port) that sends a 100 MB
// modelfile or 200k tags made run and doctor hold hundreds of MB. A real
// /api/show is tens of KiB; 4 MiB of tags is thousands of models.
const (
	MaxMetaBytes    = 4 << 20
	MaxVersionBytes = 64 << 10
)

// DefaultMetaTimeout is Options.MetaTimeout's default: a metadata call
// answers in milliseconds, so one that takes longer is a host that hangs,
// said at once rather than after a generation's timeout.
const DefaultMetaTimeout = 20 * time.Second

// cappedTransport caps the body of each reply that is not a chat stream
// (chat has its own bound, MaxReplyBytes, counted as it streams).
type cappedTransport struct{ base http.RoundTripper }

func (t cappedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || req.URL.Path == "/api/chat" || req.URL.Path == "/api/generate" {
		return resp, err
	}
	limit := int64(MaxMetaBytes)
	if req.URL.Path == "/api/version" {
		limit = MaxVersionBytes
	}
	if resp.ContentLength > limit {
		resp.Body.Close()
		return nil, metaTooLarge(req.URL.Path, limit, resp.ContentLength)
	}
	resp.Body = &cappedBody{rc: resp.Body, left: limit, limit: limit, path: req.URL.Path}
	return resp, nil
}

// metaTooLarge is the error of a metadata reply over its limit (n < 0:
// found while reading).
func metaTooLarge(path string, limit, n int64) error {
	size := fmt.Sprintf("over %d bytes", limit)
	if n >= 0 {
		size = fmt.Sprintf("%d bytes (limit %d)", n, limit)
	}
	return fmt.Errorf("%w: the %s reply is %s, far more than an Ollama server sends: is this an Ollama server? Reading stopped there",
		ErrOutputTooLarge, path, size)
}

// cappedBody reads at most limit bytes of a reply, then fails.
type cappedBody struct {
	rc          io.ReadCloser
	left, limit int64
	path        string
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a reply of exactly limit bytes from a longer one.
		var one [1]byte
		if n, _ := b.rc.Read(one[:]); n > 0 {
			return 0, metaTooLarge(b.path, b.limit, -1)
		}
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *cappedBody) Close() error { return b.rc.Close() }

// metaTimeout is how long one metadata call may take: Options.MetaTimeout,
// never more than Options.Timeout.
func (h *Host) metaTimeout() time.Duration {
	d := h.opt.MetaTimeout
	if d <= 0 || (h.opt.Timeout > 0 && h.opt.Timeout < d) {
		d = h.opt.Timeout
	}
	return d
}

// metaOnce is once for the metadata call path (GET or POST), under
// metaTimeout, saying which call hung when it times out.
func (h *Host) metaOnce(ctx context.Context, path string, f func(ctx context.Context) (bool, error)) error {
	return h.onceWithin(ctx, h.metaTimeout(), path, f)
}
