package wire

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

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

	if strings.TrimSpace(req.Model) == "" {
		writeError(w, http.StatusBadRequest, "model is required", true)
		return
	}
	m := s.lookup(req.Model)
	if m == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("model '%s' not found", req.Model), true)
		return
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
		return
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
		return
	}
	if len(req.Tools) > 0 && !slices.Contains(m.Capabilities, "tools") {
		// Ollama names the model in full ("registry.ollama.ai/library/x:latest").
		writeError(w, http.StatusBadRequest, model.ParseName(req.Model).String()+" does not support tools", true)
		return
	}

	if len(req.Messages) == 0 {
		s.markLoaded(m, &req)
		writeJSON(w, http.StatusOK, api.ChatResponse{
			Model: req.Model, CreatedAt: time.Now().UTC(),
			Message: api.Message{Role: "assistant"}, Done: true, DoneReason: "load",
		}, true)
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
	stream := req.Stream == nil || *req.Stream

	switch fault {
	case FaultNotFound:
		writeError(w, http.StatusNotFound, fmt.Sprintf("model '%s' not found", req.Model), true)
		return
	case FaultBusy:
		writeError(w, http.StatusServiceUnavailable, BusyMessage, true)
		return
	case FaultForbidden:
		w.WriteHeader(http.StatusForbidden)
		return
	}

	// Wait for a slot, like a request queued on a busy GPU.
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
		return
	}
	defer func() { <-m.sem }()
	if r.Context().Err() != nil {
		return // the client left while the slot was being handed over
	}
	loaded := time.Now()
	s.markLoaded(m, &req)
	s.mu.Lock()
	m.stats.Served++
	m.stats.InFlight++
	m.stats.MaxConcurrent = max(m.stats.MaxConcurrent, m.stats.InFlight)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		m.stats.InFlight--
		s.mu.Unlock()
	}()

	g := &generation{
		s: s, w: w, r: r, req: seen(&req, m), stream: stream,
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

// generation is one chat generation in progress.
type generation struct {
	s      *Server
	w      http.ResponseWriter
	r      *http.Request
	req    *api.ChatRequest
	stream bool
	start  time.Time
	loaded time.Time

	chunks     []api.Message // one token each, thinking first
	doneReason string
	step       time.Duration // generation time of each chunk
	promptEval time.Duration
	planned    time.Time // when the slot was taken; chunks are due on a schedule from it
	sent       int       // chunks sent (or accumulated) so far
	firstToken time.Time
	headerSent bool
	content    strings.Builder
	thinking   strings.Builder
}

// plan splits the reply into token chunks, applies num_predict and spreads
// the latency: a tenth for prompt evaluation, the rest over the tokens.
func (g *generation) plan(reply Reply, think bool, latency time.Duration) {
	if think {
		for _, t := range tokenize(reply.Thinking) {
			g.chunks = append(g.chunks, api.Message{Role: "assistant", Thinking: t})
		}
	}
	for _, t := range tokenize(reply.Content) {
		g.chunks = append(g.chunks, api.Message{Role: "assistant", Content: t})
	}
	g.doneReason = reply.DoneReason
	if g.doneReason == "" {
		g.doneReason = "stop"
	}
	if n, ok := optionInt(g.req.Options, "num_predict"); ok && n > 0 && len(g.chunks) > n {
		g.chunks = g.chunks[:n]
		g.doneReason = "length"
	}
	// The simulated time runs from when the request got its slot, like a
	// GPU's: the server's own decoding and scripting is part of it.
	g.planned = g.loaded
	g.promptEval = latency / 10
	if len(g.chunks) > 0 {
		g.step = (latency - g.promptEval) / time.Duration(len(g.chunks))
	}
}

func (g *generation) run(fault Fault) {
	chunks := g.chunks
	half := (len(chunks) + 1) / 2
	switch fault {
	case FaultStreamCut:
		if !g.stream {
			g.s.sleep(g.r, g.promptEval)
			panic(http.ErrAbortHandler) // connection closed before any reply
		}
		if !g.send(chunks[:half]) {
			return
		}
		g.header()
		g.flush()
		panic(http.ErrAbortHandler) // net/http closes the connection mid-stream
	case FaultStall:
		if g.stream {
			if !g.send(chunks[:min(1, len(chunks))]) {
				return
			}
		}
		g.s.sleep(g.r, 1<<62) // until the client or the server gives up
		return
	case FaultMalformedLine:
		if g.stream && !g.send(chunks[:half]) {
			return
		}
		g.header()
		_, _ = g.w.Write([]byte(`{"model":"` + g.req.Model + `","created_at":` + "\n"))
		g.flush()
		return
	case FaultErrorLine:
		if !g.stream {
			g.s.sleep(g.r, g.promptEval)
			writeError(g.w, http.StatusInternalServerError, ErrorLineMessage, true)
			return
		}
		if !g.send(chunks[:half]) {
			return
		}
		g.header()
		g.line(map[string]string{"error": ErrorLineMessage})
		return
	case FaultRepetitionAbort:
		if last := lastContent(chunks); last != "" {
			for range repetitionLimit - 1 {
				chunks = append(chunks, api.Message{Role: "assistant", Content: last})
			}
		}
		if !g.send(chunks) {
			return
		}
		if !g.stream {
			writeJSON(g.w, http.StatusOK, g.response(false), true)
		}
		return // no done line: the stream just ends
	}
	if !g.send(chunks) {
		return
	}
	final := g.response(true)
	if g.stream {
		final.Message.Content, final.Message.Thinking = "", ""
		g.line(final)
		return
	}
	writeJSON(g.w, http.StatusOK, final, true)
}

// send streams chunks (or accumulates them when not streaming), pacing them
// by the model's latency. It returns false when the client went away or
// the server is closing.
//
// Chunk k is due at planned + promptEval + (k+1)*step: sleeping until each
// chunk's due time (rather than a step after the previous one) keeps the
// timer and write overheads from adding up, so a reply takes its latency.
func (g *generation) send(chunks []api.Message) bool {
	for _, c := range chunks {
		g.sent++
		due := g.planned.Add(g.promptEval + time.Duration(g.sent)*g.step)
		if !g.s.sleep(g.r, time.Until(due)) {
			return false
		}
		if g.firstToken.IsZero() {
			g.firstToken = time.Now()
		}
		g.content.WriteString(c.Content)
		g.thinking.WriteString(c.Thinking)
		if g.stream {
			g.header()
			g.line(api.ChatResponse{Model: g.req.Model, CreatedAt: time.Now().UTC(), Message: c})
		}
	}
	return true
}

// response is the final object: the done line when streaming (content
// cleared by the caller), or the whole reply with "stream": false. A reply
// that is not done carries no metrics, like Ollama's.
func (g *generation) response(done bool) api.ChatResponse {
	resp := api.ChatResponse{
		Model:     g.req.Model,
		CreatedAt: time.Now().UTC(),
		Message:   api.Message{Role: "assistant", Content: g.content.String(), Thinking: g.thinking.String()},
		Done:      done,
	}
	if !done {
		return resp
	}
	// Ollama counts the end-of-text token of a reply that stopped by
	// itself; its first token comes out of the prompt's evaluation, so
	// eval_duration (left out when zero) covers the tokens after it.
	evals := len(g.chunks)
	if g.doneReason == "stop" {
		evals++
	}
	var evalDuration time.Duration
	if evals > 1 && !g.firstToken.IsZero() {
		evalDuration = max(time.Since(g.firstToken), time.Microsecond)
	}
	resp.DoneReason = g.doneReason
	resp.Metrics = api.Metrics{
		TotalDuration:      time.Since(g.start),
		LoadDuration:       g.loaded.Sub(g.start),
		PromptEvalCount:    promptTokens(g.req),
		PromptEvalDuration: max(g.promptEval, time.Microsecond),
		EvalCount:          evals,
		EvalDuration:       evalDuration,
	}
	return resp
}

// fail reports an error raised during generation: before anything was
// streamed it is a plain error response ("application/json" without
// charset on the streaming path, as Ollama's streamResponse does).
func (g *generation) fail(status int, msg string) {
	writeError(g.w, status, msg, !g.stream)
}

func (g *generation) header() {
	if g.headerSent {
		return
	}
	g.headerSent = true
	ct := contentNDJSON
	if !g.stream {
		ct = contentJSON
	}
	g.w.Header().Set("Content-Type", ct)
	g.w.WriteHeader(http.StatusOK)
}

func (g *generation) line(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	_, _ = g.w.Write(append(b, '\n'))
	g.flush()
}

func (g *generation) flush() { _ = http.NewResponseController(g.w).Flush() }

func lastContent(chunks []api.Message) string {
	for i := len(chunks) - 1; i >= 0; i-- {
		if chunks[i].Content != "" {
			return chunks[i].Content
		}
	}
	return ""
}

// imageTokens is what Gemma 3 spends on an image: 256 soft tokens and
// four markers ("\n\n", start and end of image, "\n\n"). A real server
// counted 281 prompt tokens for a short prompt with an image, 21 without.
const imageTokens = 260

// promptTokens estimates the prompt's token count: about four bytes a token
// for text and imageTokens an image (req as the model sees it: a model
// without vision never gets the images).
func promptTokens(req *api.ChatRequest) int {
	n := 0
	for _, m := range req.Messages {
		n += len(m.Content)/4 + 4 + imageTokens*len(m.Images)
	}
	return n
}

// tokenize splits s into token-like chunks the way a streaming server
// delivers them: words of at most four letters or digits, runs of spaces,
// and single punctuation marks. Concatenating the chunks gives s back.
func tokenize(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		j := i + size
		switch {
		case isWord(r):
			for n := 1; j < len(s) && n < 4; n++ {
				r2, sz := utf8.DecodeRuneInString(s[j:])
				if !isWord(r2) {
					break
				}
				j += sz
			}
		case unicode.IsSpace(r):
			for j < len(s) {
				r2, sz := utf8.DecodeRuneInString(s[j:])
				if !unicode.IsSpace(r2) {
					break
				}
				j += sz
			}
		}
		out = append(out, s[i:j])
		i = j
	}
	return out
}

func isWord(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }
