package wire

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/ollama/ollama/api"
)

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
