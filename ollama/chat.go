package ollama

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/ollama/ollama/api"
	"github.com/ollama/ollama/envconfig"
	"github.com/ollama/ollama/format"
	"github.com/ollama/ollama/version"
)

const (
	// chatScanStart is the line buffer a chat stream starts with: a
	// streamed line is one token's JSON, a few hundred bytes.
	chatScanStart = 64 << 10
	// chatScanMax is the api client's maxBufferSize: the longest line
	// either path accepts.
	chatScanMax = 8 * format.MegaByte
)

// chatUserAgent is the api client's User-Agent, so a server (or proxy)
// sees the same client either way.
var chatUserAgent = fmt.Sprintf("ollama/%s (%s %s) Go/%s", version.Version, runtime.GOARCH, runtime.GOOS, runtime.Version())

// streamChat is api.Client.Chat (ollama v0.17.4) written out by hand, with
// the same request and the same results and errors, calling fn for each
// streamed line. It exists to read a stream without the client's zeroed
// 8 MB buffer per call and with one decode per line; it differs from the
// client only where the client hides an error (an empty error body, a cut
// connection). The semantics kept and the differences are listed in
// docs/ollama.md; the figures behind it in docs/performance.md.
func (h *Host) streamChat(ctx context.Context, req *api.ChatRequest, fn api.ChatResponseFunc) error {
	if envconfig.UseAuth() || h.base.Hostname() == "ollama.com" {
		return h.client.Chat(ctx, req, fn)
	}
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, h.base.JoinPath("/api/chat").String(), bytes.NewReader(body))
	if err != nil {
		return err
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "application/x-ndjson")
	hreq.Header.Set("User-Agent", chatUserAgent)
	resp, err := h.http.Do(hreq)
	if err != nil {
		return err
	}
	defer resp.Body.Close()

	buf := chatBuffers.Get().(*[]byte)
	defer chatBuffers.Put(buf)
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer((*buf)[:0], chatScanMax)
	var scratch chatLineJSON
	for sc.Scan() {
		r, err := chatLine(resp, sc.Bytes(), &scratch)
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	switch err := sc.Err(); {
	case err == nil:
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, bufio.ErrTooLong):
		return fmt.Errorf("%w: one streamed line is over %d bytes", ErrOutputTooLarge, chatScanMax)
	default:
		return fmt.Errorf("%w: %w", errStreamCut, err)
	}
	if resp.StatusCode >= http.StatusBadRequest {
		// An error status without a body line (a proxy's bare 502, a
		// server's 500 with nothing to say): the status is the error.
		return api.StatusError{StatusCode: resp.StatusCode, Status: resp.Status}
	}
	return nil
}

// chatBuffers holds line buffers of chatScanStart bytes: one per call in
// flight instead of a new one per call, which the collector would have to
// clear after every reply (see docs/performance.md).
var chatBuffers = sync.Pool{New: func() any { b := make([]byte, chatScanStart); return &b }}

// chatLineJSON is a streamed line: a chunk of the reply, or an error.
// Message shadows the response's own: plainMessage has api.Message's
// fields without its UnmarshalJSON, which decodes the message a second
// time (through an alias) only to lower-case its role; chatLine does that.
type chatLineJSON struct {
	api.ChatResponse
	Message   plainMessage `json:"message"`
	Error     string       `json:"error,omitempty"`
	SigninURL string       `json:"signin_url,omitempty"`
}

type plainMessage api.Message

// chatLine decodes one streamed line as the api client does: an error
// line (or any line under an error status) is the error, else the line is
// a chunk of the reply. A token line takes tokenLine; another well-formed
// line is decoded once (the client decodes it twice, as an error and as a
// chunk); any other takes
// the client's two steps, so every error is the client's.
//
// l is scratch space, reused from line to line (it is zeroed first).
func chatLine(resp *http.Response, line []byte, l *chatLineJSON) (api.ChatResponse, error) {
	if resp.StatusCode < http.StatusBadRequest {
		if r, ok := tokenLine(line); ok {
			return r, nil
		}
	}
	*l = chatLineJSON{}
	if err := json.Unmarshal(line, l); err != nil {
		return chatLineSlow(resp, line)
	}
	if err := chatLineError(resp, l.Error, l.SigninURL); err != nil {
		return api.ChatResponse{}, err
	}
	r := l.ChatResponse
	r.Message = api.Message(l.Message)
	r.Message.Role = strings.ToLower(r.Message.Role) // as api.Message.UnmarshalJSON
	return r, nil
}

// tokenLine decodes the line Ollama streams for each token, exactly as
// encoding/json would (FuzzStreamChatMatchesClient holds it to that):
//
//	{"model":"m","created_at":"…","message":{"role":"assistant","content":"…"[,"thinking":"…"]},"done":false}
//
// in this order (the server's struct order), without spaces, with strings
// of valid UTF-8 and no \u escape. Any other line reports false, for
// encoding/json. A reply is one such line per token, so this is the hot
// loop of a run with fast replies (see docs/performance.md).
func tokenLine(line []byte) (api.ChatResponse, bool) {
	sc := lineScanner{p: line, ok: true}
	sc.literal(`{"model":`)
	model, _ := sc.plainString()
	sc.literal(`,"created_at":`)
	_, created := sc.plainString()
	sc.literal(`,"message":{"role":`)
	role, _ := sc.plainString()
	sc.literal(`,"content":`)
	content, _ := sc.plainString()
	var thinking []byte
	if sc.ok && bytes.HasPrefix(sc.p, []byte(`,"thinking":`)) {
		sc.literal(`,"thinking":`)
		thinking, _ = sc.plainString()
	}
	sc.literal(`},"done":false}`)
	if !sc.ok || len(sc.p) != 0 {
		return api.ChatResponse{}, false
	}
	var r api.ChatResponse
	// time.Time's UnmarshalJSON, given the quoted value as encoding/json
	// gives it.
	if err := r.CreatedAt.UnmarshalJSON(created); err != nil {
		return api.ChatResponse{}, false
	}
	r.Model = string(model)
	r.Message = api.Message{Role: strings.ToLower(string(role)), Content: string(content), Thinking: string(thinking)}
	return r, true
}

// lineScanner reads a line step by step; once a step fails, ok stays
// false and every later step does nothing.
type lineScanner struct {
	p  []byte
	ok bool
}

// literal consumes s.
func (sc *lineScanner) literal(s string) {
	if sc.ok {
		sc.p, sc.ok = bytes.CutPrefix(sc.p, []byte(s))
	}
}

// plainString consumes a JSON string and returns its value and the string
// with its quotes. It takes valid UTF-8 and the one-letter escapes (\" \\
// \/ \b \f \n \r \t: a token of JSON output is often a quote); \u
// escapes and control bytes fail the scan, for encoding/json.
func (sc *lineScanner) plainString() (value, quoted []byte) {
	if !sc.ok || len(sc.p) == 0 || sc.p[0] != '"' {
		sc.ok = false
		return nil, nil
	}
	var unescaped []byte // nil until the first backslash
	for i := 1; i < len(sc.p); i++ {
		c := sc.p[i]
		switch {
		case c == '"':
			value, quoted = sc.p[1:i], sc.p[:i+1]
			if unescaped != nil {
				value = unescaped
			}
			sc.p = sc.p[i+1:]
			if !utf8.Valid(value) {
				sc.ok = false
			}
			return value, quoted
		case c == '\\':
			if unescaped == nil {
				unescaped = append(make([]byte, 0, len(sc.p)), sc.p[1:i]...)
			}
			i++
			var e byte
			var ok bool
			if i < len(sc.p) {
				e, ok = simpleEscapes[sc.p[i]]
			}
			if !ok {
				sc.ok = false
				return nil, nil
			}
			unescaped = append(unescaped, e)
			continue
		case c < 0x20:
			sc.ok = false
			return nil, nil
		}
		if unescaped != nil {
			unescaped = append(unescaped, c)
		}
	}
	sc.ok = false
	return nil, nil
}

// simpleEscapes are JSON's one-letter escapes and what they stand for.
var simpleEscapes = map[byte]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// chatLineSlow is the api client's decoding of a line, step by step.
func chatLineSlow(resp *http.Response, line []byte) (api.ChatResponse, error) {
	var errResp struct {
		Error     string `json:"error,omitempty"`
		SigninURL string `json:"signin_url,omitempty"`
	}
	if err := json.Unmarshal(line, &errResp); err != nil {
		if resp.StatusCode >= http.StatusBadRequest {
			return api.ChatResponse{}, api.StatusError{StatusCode: resp.StatusCode, Status: resp.Status, ErrorMessage: string(line)}
		}
		return api.ChatResponse{}, errors.New(string(line))
	}
	if err := chatLineError(resp, errResp.Error, errResp.SigninURL); err != nil {
		return api.ChatResponse{}, err
	}
	var r api.ChatResponse
	if err := json.Unmarshal(line, &r); err != nil {
		return api.ChatResponse{}, err
	}
	return r, nil
}

// chatLineError is the error a decoded line stands for, if any.
func chatLineError(resp *http.Response, msg, signinURL string) error {
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return api.AuthorizationError{StatusCode: resp.StatusCode, Status: resp.Status, SigninURL: signinURL}
	case resp.StatusCode >= http.StatusBadRequest:
		return api.StatusError{StatusCode: resp.StatusCode, Status: resp.Status, ErrorMessage: msg}
	case msg != "":
		return errors.New(msg)
	}
	return nil
}

// errStreamCut: the connection ended before the server finished the reply
// (a reset, an abrupt close). Unlike a reply the server ended itself
// without done:true (a repetition abort), calling again may succeed.
var errStreamCut = errors.New("the connection closed before the reply was finished")
