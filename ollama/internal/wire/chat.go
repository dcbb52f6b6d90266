package wire

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/ollama/ollama/api"
	"github.com/ollama/ollama/types/model"
)

// repetitionLimit is how many equal tokens in a row make Ollama's runner
// abort a generation.
const repetitionLimit = 31

// handleChat serves /api/chat in the order Ollama's ChatHandler checks
// things: body, model name, model existence, unload, thinking support,
// scheduling (busy), preload, then generation (format, runner errors).
func (s *Server) handleChat(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	var req api.ChatRequest
	if err := decodeBody(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), true)
		return
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.trimRequests()
	s.mu.Unlock()
	m, think, ok := s.admit(w, &req)
	if !ok {
		return
	}

	fault := s.takeFault(m.key)
	reply := Reply{Content: DefaultContent}
	if m.Respond != nil {
		reply = m.Respond(seen(&req, m))
	}
	if fault == FaultNone {
		fault = reply.Fault
	}
	if refused(w, &req, fault) {
		return
	}
	release, ok := s.takeSlot(r, m)
	if !ok {
		return
	}
	defer release()
	loaded := time.Now()
	s.markLoaded(m, &req)
	defer s.running(m)()

	g := &generation{
		s: s, w: w, r: r, req: seen(&req, m), stream: req.Stream == nil || *req.Stream,
		start: start, loaded: loaded,
	}
	if msg, ok := checkFormat(req.Format); !ok {
		g.fail(http.StatusInternalServerError, msg)
		return
	}
	if fault == FaultServerError {
		g.fail(http.StatusInternalServerError, ServerErrorMessage)
		return
	}
	latency := m.Latency
	if reply.Latency > 0 {
		latency = reply.Latency
	}
	g.plan(reply, think, latency)
	g.run(fault)
}

// admit makes the checks Ollama makes before scheduling a chat: the model
// is named and known, and can do what is asked (thinking, tools). It
// answers an unload or a preload itself. It returns the model and whether
// to think, or false when the request got its answer.
func (s *Server) admit(w http.ResponseWriter, req *api.ChatRequest) (*modelState, bool, bool) {
	if strings.TrimSpace(req.Model) == "" {
		writeError(w, http.StatusBadRequest, "model is required", true)
		return nil, false, false
	}
	m := s.lookup(req.Model)
	if m == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("model '%s' not found", req.Model), true)
		return nil, false, false
	}
	s.mu.Lock()
	m.stats.Requests++
	s.mu.Unlock()

	if len(req.Messages) == 0 && req.KeepAlive != nil && req.KeepAlive.Duration == 0 {
		s.mu.Lock()
		m.loadedUntil = time.Time{}
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, api.ChatResponse{
			Model: req.Model, CreatedAt: time.Now().UTC(),
			Message: api.Message{Role: "assistant"}, Done: true, DoneReason: "unload",
		}, true)
		return nil, false, false
	}

	hasThinking := slices.Contains(m.Capabilities, "thinking")
	think := false
	switch {
	case hasThinking && req.Think == nil:
		think = true // Ollama turns thinking on by default for models that have it
	case hasThinking:
		think = req.Think.Bool()
	case req.Think.Bool():
		writeError(w, http.StatusBadRequest, fmt.Sprintf("%q does not support thinking", req.Model), true)
		return nil, false, false
	}
	if len(req.Tools) > 0 && !slices.Contains(m.Capabilities, "tools") {
		// Ollama names the model in full ("registry.ollama.ai/library/x:latest").
		writeError(w, http.StatusBadRequest, model.ParseName(req.Model).String()+" does not support tools", true)
		return nil, false, false
	}

	if len(req.Messages) == 0 {
		s.markLoaded(m, req)
		writeJSON(w, http.StatusOK, api.ChatResponse{
			Model: req.Model, CreatedAt: time.Now().UTC(),
			Message: api.Message{Role: "assistant"}, Done: true, DoneReason: "load",
		}, true)
		return nil, false, false
	}
	return m, think, true
}

// refused answers the faults that come before a request is scheduled, and
// reports whether it did.
func refused(w http.ResponseWriter, req *api.ChatRequest, fault Fault) bool {
	switch fault {
	case FaultNotFound:
		writeError(w, http.StatusNotFound, fmt.Sprintf("model '%s' not found", req.Model), true)
	case FaultBusy:
		writeError(w, http.StatusServiceUnavailable, BusyMessage, true)
	case FaultForbidden:
		w.WriteHeader(http.StatusForbidden)
	default:
		return false
	}
	return true
}

// takeSlot waits for one of m's generation slots, like a request queued on
// a busy GPU, and returns the function that frees it; false when the
// client left or the server closed first.
func (s *Server) takeSlot(r *http.Request, m *modelState) (release func(), ok bool) {
	s.mu.Lock()
	m.stats.Queued++
	s.mu.Unlock()
	var got bool
	select {
	case m.sem <- struct{}{}:
		got = true
	case <-r.Context().Done():
	case <-s.closing:
	}
	s.mu.Lock()
	m.stats.Queued--
	s.mu.Unlock()
	if !got {
		return nil, false
	}
	release = func() { <-m.sem }
	if r.Context().Err() != nil {
		release() // the client left while the slot was being handed over
		return nil, false
	}
	return release, true
}

// running counts a generation of m as served and in flight, and returns
// the function that ends it.
func (s *Server) running(m *modelState) (done func()) {
	s.mu.Lock()
	m.stats.Served++
	m.stats.InFlight++
	m.stats.MaxConcurrent = max(m.stats.MaxConcurrent, m.stats.InFlight)
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		m.stats.InFlight--
		s.mu.Unlock()
	}
}

// seen is req as the model sees it. Ollama puts a tag "[img-N]" before
// the text of a message for each of its images; a model with the "vision"
// capability reads the image there, a model without it reads only the tag
// (Ollama drops the image without an error, so it costs 260 prompt tokens
// fewer). So, for a model without vision, Respond and the metrics get the
// messages with the tags and without the images. req itself, as Requests
// records it, is left as sent.
func seen(req *api.ChatRequest, m *modelState) *api.ChatRequest {
	if slices.Contains(m.Capabilities, "vision") {
		return req
	}
	out := *req
	out.Messages = make([]api.Message, len(req.Messages))
	id := 0
	for i, msg := range req.Messages {
		var tags strings.Builder
		for range msg.Images {
			fmt.Fprintf(&tags, "[img-%d]", id)
			id++
		}
		msg.Content = tags.String() + msg.Content
		msg.Images = nil
		out.Messages[i] = msg
	}
	return &out
}
