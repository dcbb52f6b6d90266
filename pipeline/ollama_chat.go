package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime"

	"github.com/ollama/ollama/api"
	"github.com/ollama/ollama/envconfig"
	"github.com/ollama/ollama/format"
	"github.com/ollama/ollama/version"
)

const (
	// chatScanStart is the line buffer a chat stream starts with: a
	// streamed line is one token's JSON, a few hundred bytes.
	chatScanStart = 64 << 10
	// chatScanMax is the api client's maxBufferSize (8 MB, decimal): the
	// longest line either path accepts.
	chatScanMax = 8 * format.MegaByte
)

// chatUserAgent is the api client's User-Agent, so a server (or proxy)
// sees the same client either way.
var chatUserAgent = fmt.Sprintf("ollama/%s (%s %s) Go/%s", version.Version, runtime.GOARCH, runtime.GOOS, runtime.Version())

// streamChat is api.Client.Chat (ollama v0.17.4) written out by hand, with
// the same request (body, URL, headers) and the same results and errors,
// calling fn for each streamed line.
//
// Why hand-written: the v0.17.4 client's stream allocates its 8 MB line
// buffer up front, zeroed, on every call. In BenchmarkHostGround/image=1KiB
// clearing it took ~1.5 ms of the ~3.4 ms per call and 8.2 MB of the
// allocations per call; it drove `cxr-auditor run`'s peak RSS to 579 MiB
// at 100k items and kept BenchmarkSchedulerOneHost at 1.08x its bound.
// Here the buffer starts at 64 KiB and grows only for a long line, up to
// the client's same 8 MB limit.
//
// The client's semantics, kept exactly because the Host's classification
// relies on them:
//   - a transport error from http.Client.Do is returned as it is (*url.Error);
//   - a status >= 400 becomes api.StatusError{StatusCode, Status,
//     ErrorMessage} with the body's first line's "error" field, or the line
//     itself when it is not JSON (401: api.AuthorizationError);
//   - after a 2xx, an {"error": "..."} line, or a line that is not JSON,
//     becomes errors.New of the message (the line);
//   - a stream that ends cleanly before done:true returns nil: the Host
//     treats a reply without done as incomplete.
//
// Where the client is wrong, streamChat differs (the differential tests
// name each difference):
//   - an HTTP error status with an empty body is an api.StatusError (the
//     client returns nil, which read as an incomplete reply, hiding the
//     status);
//   - a read that fails returns an error wrapping errStreamCut, or
//     ErrOutputTooLarge for a line over the limit (the client returns nil,
//     so a cut connection looked like a reply the server ended, such as a
//     repetition abort); a read that failed because ctx ended returns
//     ctx.Err().
//
// Requests that need Ollama's signed authorization (OLLAMA_AUTH, or
// ollama.com) go through the api client, which alone holds the signing.
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

	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, chatScanStart), chatScanMax)
	for sc.Scan() {
		line := sc.Bytes()
		var errResp struct {
			Error     string `json:"error,omitempty"`
			SigninURL string `json:"signin_url,omitempty"`
		}
		if err := json.Unmarshal(line, &errResp); err != nil {
			if resp.StatusCode >= http.StatusBadRequest {
				return api.StatusError{StatusCode: resp.StatusCode, Status: resp.Status, ErrorMessage: string(line)}
			}
			return errors.New(string(line))
		}
		switch {
		case resp.StatusCode == http.StatusUnauthorized:
			return api.AuthorizationError{StatusCode: resp.StatusCode, Status: resp.Status, SigninURL: errResp.SigninURL}
		case resp.StatusCode >= http.StatusBadRequest:
			return api.StatusError{StatusCode: resp.StatusCode, Status: resp.Status, ErrorMessage: errResp.Error}
		case errResp.Error != "":
			return errors.New(errResp.Error)
		}
		var r api.ChatResponse
		if err := json.Unmarshal(line, &r); err != nil {
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

// errStreamCut: the connection ended before the server finished the reply
// (a reset, an abrupt close). Unlike a reply the server ended itself
// without done:true (a repetition abort), calling again may succeed.
var errStreamCut = errors.New("the connection closed before the reply was finished")
