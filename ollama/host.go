package ollama

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ollama/ollama/api"
	"github.com/ollama/ollama/envconfig"
)

// Host is one Ollama server, reached through the official api client (chat
// streams through streamChat, the same protocol) with an http.Client of its
// own. It is safe for concurrent use; how many calls
// run at once is the scheduler's decision.
type Host struct {
	base   *url.URL
	http   *http.Client
	client *api.Client
	opt    Options
}

// NewHost returns a Host for rawURL with the given options. rawURL follows
// OLLAMA_HOST's conventions ("http://gpu1:11434", "gpu1:11434", "gpu1",
// ":11434", "https://ollama.example.org"); a missing scheme means http and a
// missing port means 11434 (80 or 443 with an explicit scheme). An empty
// rawURL reads OLLAMA_HOST the way the ollama CLI does, defaulting to
// http://127.0.0.1:11434. Nothing is contacted here.
func NewHost(rawURL string, opt Options) (*Host, error) {
	if err := opt.Validate(); err != nil {
		return nil, fmt.Errorf("ollama options: %w", err)
	}
	var base *url.URL
	if strings.TrimSpace(rawURL) == "" {
		base = envconfig.Host()
	} else {
		var err error
		if base, err = parseHostURL(rawURL); err != nil {
			return nil, err
		}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	// Several calls per host run at once (both stages, prefetch).
	tr.MaxIdleConnsPerHost = 64
	// No http.Client timeout: a stream may rightly last minutes; each call
	// has its own context deadline instead (Options.Timeout).
	hc := &http.Client{Transport: cappedTransport{tr}}
	return &Host{base: base, http: hc, client: api.NewClient(base, hc), opt: opt}, nil
}

// parseHostURL reads a host the way OLLAMA_HOST is read, but reports a bad
// port or scheme instead of silently using the default.
func parseHostURL(s string) (*url.URL, error) {
	s = strings.TrimSpace(s)
	defaultPort := "11434"
	scheme, hostport, ok := strings.Cut(s, "://")
	switch {
	case !ok:
		scheme, hostport = "http", s
	case scheme == "http":
		defaultPort = "80"
	case scheme == "https":
		defaultPort = "443"
	default:
		return nil, fmt.Errorf("ollama host %q: scheme %q: want http or https", s, scheme)
	}
	hostport, path, _ := strings.Cut(hostport, "/")
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		host, port = strings.Trim(hostport, "[]"), defaultPort
	}
	if host == "" {
		host = "127.0.0.1"
	}
	if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
		return nil, fmt.Errorf("ollama host %q: port %q: want 1-65535", s, port)
	}
	if _, err := netip.ParseAddr(host); err != nil && !hostName.MatchString(host) {
		return nil, fmt.Errorf("ollama host %q: bad host name %q", s, host)
	}
	u := &url.URL{Scheme: scheme, Host: net.JoinHostPort(host, port), Path: path}
	if _, err := url.Parse(u.String()); err != nil {
		return nil, fmt.Errorf("ollama host %q: %w", s, err)
	}
	return u, nil
}

// hostName is what a DNS (or /etc/hosts, or container) name may look like.
var hostName = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$`)

// URL returns the host's base URL, such as "http://127.0.0.1:11434".
func (h *Host) URL() string { return h.base.String() }

// String returns URL, so that a Host prints as its address.
func (h *Host) String() string { return h.URL() }

// Options returns the options every call to this host uses.
func (h *Host) Options() Options { return h.opt }

// Insecure reports whether images sent to this host travel unencrypted
// beyond this machine: true when the host is neither a loopback address
// (127.0.0.0/8, ::1, "localhost", or 0.0.0.0, which connects locally) nor
// reached over https. Images are
// patient data; callers should warn once (WarnInsecure).
func (h *Host) Insecure() bool {
	if h.base.Scheme == "https" {
		return false
	}
	name := h.base.Hostname()
	if strings.EqualFold(name, "localhost") {
		return false
	}
	ip := net.ParseIP(name)
	// 0.0.0.0 (a common OLLAMA_HOST, copied from the server's bind
	// address) connects to this machine.
	return ip == nil || !(ip.IsLoopback() || ip.IsUnspecified())
}

// WarnInsecure writes one warning to w naming every host for which Insecure
// is true, and nothing when there is none.
func WarnInsecure(w io.Writer, hosts []*Host) {
	var names []string
	for _, h := range hosts {
		if h != nil && h.Insecure() {
			names = append(names, h.URL())
		}
	}
	if len(names) == 0 {
		return
	}
	fmt.Fprintf(w, "warning: images (patient data) will be sent UNENCRYPTED over plain http to %s; "+
		"use https (a TLS reverse proxy) or an SSH tunnel to 127.0.0.1 (ssh -L 11434:127.0.0.1:11434 gpu-host)\n",
		strings.Join(names, ", "))
}

// Version returns the host's Ollama version (GET /api/version), in one
// attempt (no retries), bounded by Options.MetaTimeout. A refused
// connection wraps ErrUnreachable.
func (h *Host) Version(ctx context.Context) (string, error) {
	var v string
	err := h.metaOnce(ctx, "/api/version", func(ctx context.Context) (bool, error) {
		var err error
		v, err = h.client.Version(ctx)
		return false, err
	})
	if err != nil {
		return "", fmt.Errorf("%s: version: %w", h.URL(), err)
	}
	return v, nil
}

// ModelInfo describes one model as a host has it.
type ModelInfo struct {
	// Name is the model's full name as /api/tags lists it ("x:latest").
	Name string
	// Digest is the sha256 hex digest of the model's manifest, from
	// /api/tags: it changes whenever the model is re-created or re-pulled,
	// so it goes into provenance.
	Digest string
	// Capabilities are /api/show's: "completion", "vision", "thinking", ...
	Capabilities []string
	// Family, ParameterSize and QuantizationLevel are /api/show's details.
	Family            string
	ParameterSize     string
	QuantizationLevel string
	// ContextLength is the model's trained context length, 0 if unknown.
	ContextLength int
}

// Has reports whether the model has capability c (such as "vision").
func (m ModelInfo) Has(c string) bool { return slices.Contains(m.Capabilities, c) }

// ModelInfo asks the host about model (POST /api/show) and finds its digest
// (GET /api/tags), with retries on connection errors and 503, each call
// bounded by Options.MetaTimeout. A model the host does not have wraps
// ErrModelNotFound.
func (h *Host) ModelInfo(ctx context.Context, model string) (ModelInfo, error) {
	var show *api.ShowResponse
	err := h.retryWithin(ctx, h.metaTimeout(), "/api/show", func(ctx context.Context) (bool, error) {
		var err error
		show, err = h.client.Show(ctx, &api.ShowRequest{Model: model})
		return false, err
	})
	if err != nil {
		return ModelInfo{}, fmt.Errorf("%s: model %q: %w", h.URL(), model, err)
	}
	var tags *api.ListResponse
	err = h.retryWithin(ctx, h.metaTimeout(), "/api/tags", func(ctx context.Context) (bool, error) {
		var err error
		tags, err = h.client.List(ctx)
		return false, err
	})
	if err != nil {
		return ModelInfo{}, fmt.Errorf("%s: list models: %w", h.URL(), err)
	}
	info := ModelInfo{
		Family:            show.Details.Family,
		ParameterSize:     show.Details.ParameterSize,
		QuantizationLevel: show.Details.QuantizationLevel,
	}
	for _, c := range show.Capabilities {
		info.Capabilities = append(info.Capabilities, string(c))
	}
	if arch, ok := show.ModelInfo["general.architecture"].(string); ok {
		if n, ok := show.ModelInfo[arch+".context_length"].(float64); ok {
			info.ContextLength = int(n)
		}
	}
	want := fullModelName(model)
	for _, m := range tags.Models {
		if strings.EqualFold(fullModelName(m.Name), want) || strings.EqualFold(fullModelName(m.Model), want) {
			info.Name, info.Digest = m.Name, m.Digest
			break
		}
	}
	if info.Digest == "" {
		return info, fmt.Errorf("%s: model %q: shown by /api/show but missing from /api/tags, so its digest is unknown", h.URL(), model)
	}
	return info, nil
}

// fullModelName adds Ollama's implicit ":latest" tag.
func fullModelName(name string) string {
	name = strings.TrimSpace(name)
	if base := name[strings.LastIndex(name, "/")+1:]; name != "" && !strings.Contains(base, ":") {
		name += ":latest"
	}
	return name
}

// Preload loads model into the host's memory (a chat with no messages) with
// the same options as every call, so the first real call does not pay for
// loading and no call triggers a reload. A missing model wraps
// ErrModelNotFound.
func (h *Host) Preload(ctx context.Context, model string) error {
	req := h.request(model, []api.Message{})
	out, err := h.chat(ctx, req)
	if err != nil {
		return fmt.Errorf("%s: preload %q: %w", h.URL(), model, err)
	}
	if !out.done {
		return fmt.Errorf("%s: preload %q: %w: no done reply", h.URL(), model, ErrIncomplete)
	}
	return nil
}

// request builds a chat request with this host's options and keep-alive.
func (h *Host) request(model string, msgs []api.Message) *api.ChatRequest {
	return requestWith(h.opt, model, msgs)
}

// requestWith builds a chat request with opt's generation options and
// keep-alive.
func requestWith(opt Options, model string, msgs []api.Message) *api.ChatRequest {
	stream := true
	req := &api.ChatRequest{
		Model:    model,
		Messages: msgs,
		Stream:   &stream,
		Options:  opt.ollama(),
	}
	if opt.KeepAlive != 0 {
		req.KeepAlive = &api.Duration{Duration: opt.KeepAlive}
	}
	return req
}

// chatOutcome is what one chat call received.
type chatOutcome struct {
	content    strings.Builder
	thinking   strings.Builder
	received   bool // at least one line arrived
	cut        bool // the connection closed before the reply ended
	tooLarge   bool // the reply went past MaxReplyBytes
	done       bool
	doneReason string
	metrics    api.Metrics
	wall       time.Duration
	attempts   int
	// lastTok and repeat track the run of identical chunks the reply
	// ended with (trimmed, as Ollama compares them), to tell its
	// repetition abort from a reply that just stopped.
	lastTok string
	repeat  int
}

// repetitionAbortRun is the run of identical chunks a reply ends with when
// Ollama's runner stops it for repeating one token (it stops once the
// token has repeated 30 times, not sending the 31st repeat).
const repetitionAbortRun = 30

// repetitionAbort reports whether a reply that ended without done:true
// ended as Ollama's repetition abort: the one done-less ending the same
// call gives again.
func (o *chatOutcome) repetitionAbort() bool {
	return !o.done && !o.cut && o.repeat >= repetitionAbortRun
}

// chat runs one streamed chat with retries and collects the reply, at
// most MaxReplyBytes of it (ErrOutputTooLarge beyond). The outcome is
// returned even with an error, holding what arrived. A connection cut
// mid-reply is not an error here: the outcome says so (cut) and the caller
// salvages what arrived.
func (h *Host) chat(ctx context.Context, req *api.ChatRequest) (*chatOutcome, error) {
	start := time.Now()
	out := &chatOutcome{}
	err := h.retry(ctx, func(ctx context.Context) (bool, error) {
		attempts := out.attempts + 1
		*out = chatOutcome{attempts: attempts}
		err := h.streamChat(ctx, req, func(r api.ChatResponse) error {
			out.received = true
			if out.content.Len()+out.thinking.Len()+len(r.Message.Content)+len(r.Message.Thinking) > MaxReplyBytes {
				out.tooLarge = true
				return fmt.Errorf("%w: over %d bytes of output (content and thinking): stopped reading", ErrOutputTooLarge, MaxReplyBytes)
			}
			out.content.WriteString(r.Message.Content)
			out.thinking.WriteString(r.Message.Thinking)
			if tok := strings.TrimSpace(r.Message.Content + r.Message.Thinking); !r.Done && tok == out.lastTok {
				out.repeat++
			} else if !r.Done {
				out.lastTok, out.repeat = tok, 0
			}
			if r.Done {
				out.done, out.doneReason, out.metrics = true, r.DoneReason, r.Metrics
			}
			return nil
		})
		switch {
		case errors.Is(err, ErrOutputTooLarge):
			out.tooLarge = true
			return true, err
		case errors.Is(err, errStreamCut) && out.received:
			out.cut = true
			err = nil
		}
		if err == nil && !out.done && ctx.Err() != nil {
			// A stream cut short by its context may end quietly (as the
			// v0.17 client's does); the caller's context or the timeout
			// decides below.
			err = ctx.Err()
		}
		return out.received, err
	})
	out.wall = time.Since(start)
	return out, err
}

// retry runs f with Options.Retries retries and exponential backoff, only
// after connection errors and HTTP 503 and only while nothing was received.
func (h *Host) retry(ctx context.Context, f func(ctx context.Context) (received bool, err error)) error {
	return h.retryWithin(ctx, h.opt.Timeout, "", f)
}

// retryWithin is retry with each attempt bounded by timeout; what names
// the call in a timeout's error ("" for a model call).
func (h *Host) retryWithin(ctx context.Context, timeout time.Duration, what string, f func(ctx context.Context) (received bool, err error)) error {
	delay := h.opt.Backoff
	for attempt := 0; ; attempt++ {
		var received bool
		err := h.onceWithin(ctx, timeout, what, func(ctx context.Context) (bool, error) {
			var err error
			received, err = f(ctx)
			return received, err
		})
		if err == nil || received || attempt >= h.opt.Retries ||
			!(errors.Is(err, ErrUnreachable) || errors.Is(err, ErrBusy)) {
			return err
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w: %w (while waiting to retry after: %v)", ErrCanceled, ctx.Err(), err)
		case <-t.C:
		}
		delay *= 2
	}
}

// onceWithin runs f one time under timeout (0: none) and classifies its
// error; what names the call in a timeout's error ("" for a model call).
func (h *Host) onceWithin(ctx context.Context, timeout time.Duration, what string, f func(ctx context.Context) (bool, error)) error {
	callCtx, cancel := ctx, context.CancelFunc(func() {})
	if timeout > 0 {
		callCtx, cancel = context.WithTimeout(ctx, timeout)
	}
	defer cancel()
	_, err := f(callCtx)
	if err == nil {
		return nil
	}
	// The caller's context first: a cancelled call is a cancellation,
	// whatever error the transport made of it.
	if ctx.Err() != nil {
		return fmt.Errorf("%w: %w", ErrCanceled, ctx.Err())
	}
	if callCtx.Err() != nil {
		if what != "" {
			return fmt.Errorf("%w: %s did not answer within %v, though it answers in milliseconds on a working host: the host accepts connections but hangs; check it (ollama ps, its log) or restart it: %w",
				ErrTimeout, what, timeout, context.DeadlineExceeded)
		}
		return fmt.Errorf("%w after %v: %w", ErrTimeout, timeout, context.DeadlineExceeded)
	}
	return classify(err)
}

// classify maps an api client error to the package's sentinels, keeping the
// original (an api.StatusError stays reachable with errors.As).
func classify(err error) error {
	var se api.StatusError
	var ue *url.Error
	switch {
	case errors.Is(err, ErrOutputTooLarge):
		return err
	case errors.Is(err, errStreamCut):
		// Cut before the first line: nothing to salvage.
		return fmt.Errorf("%w: %w", ErrIncomplete, err)
	case errors.As(err, &se):
		switch se.StatusCode {
		case http.StatusNotFound:
			return fmt.Errorf("%w: %w", ErrModelNotFound, se)
		case http.StatusServiceUnavailable:
			return fmt.Errorf("%w: %w", ErrBusy, se)
		default:
			return fmt.Errorf("%w: %w", ErrServer, se)
		}
	case errors.As(err, &ue):
		// The api client returns http.Client.Do's errors as they are: the
		// request did not get a response.
		return fmt.Errorf("%w: %w", ErrUnreachable, err)
	default:
		// An {"error": ...} line after HTTP 200, or a line that is not JSON
		// (the client returns its text as the error).
		return fmt.Errorf("%w: %w", ErrServer, err)
	}
}
