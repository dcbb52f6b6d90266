package wire

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ollama/ollama/api"
)

// Version is what the server reports on /api/version: the Ollama release
// whose wire format it imitates.
const Version = "0.24.0"

// Messages the server sends in {"error": ...} bodies, verbatim from Ollama.
const (
	// BusyMessage comes with HTTP 503 when Ollama's request queue is full.
	BusyMessage = "server busy, please try again.  maximum pending requests exceeded"
	// ServerErrorMessage comes with HTTP 500 when the runner died.
	ServerErrorMessage = "llama runner process has terminated: exit status 2"
	// ErrorLineMessage is the {"error": ...} NDJSON line sent after HTTP 200
	// when generation fails mid-stream.
	ErrorLineMessage = "an error was encountered while running the model: unexpected EOF"
)

// DefaultContent is the reply of a model whose Respond is nil: valid JSON for
// any "format", and nothing more.
const DefaultContent = "{}"

// Fault is a failure the server simulates for one chat request.
type Fault int

// The faults, each mirroring a failure seen from real Ollama servers.
const (
	// FaultNone serves the reply normally.
	FaultNone Fault = iota
	// FaultNotFound replies HTTP 404 {"error":"model 'X' not found"}.
	FaultNotFound
	// FaultServerError replies HTTP 500 {"error": ServerErrorMessage}.
	FaultServerError
	// FaultBusy replies HTTP 503 {"error": BusyMessage} without queueing.
	FaultBusy
	// FaultStreamCut sends about half of the chunks, then closes the
	// connection without the done line (with "stream": false, it closes
	// the connection before any response).
	FaultStreamCut
	// FaultStall sends the first chunk, then nothing until the client gives
	// up or the server closes (with "stream": false, nothing at all).
	FaultStall
	// FaultMalformedLine sends about half of the chunks, then a line that is
	// not JSON, and ends the response.
	FaultMalformedLine
	// FaultErrorLine sends about half of the chunks after HTTP 200, then an
	// {"error": ErrorLineMessage} NDJSON line, like Ollama when the runner
	// fails mid-generation (with "stream": false, HTTP 500 with that error).
	FaultErrorLine
	// FaultRepetitionAbort is Ollama's runner aborting a generation that
	// repeats one token: the content is followed by its last token repeated
	// until it occurs 31 times in a row, and the stream ends cleanly WITHOUT
	// a done:true line (with "stream": false, one object with "done": false
	// and no metrics).
	FaultRepetitionAbort
	// FaultForbidden replies HTTP 403 with an empty body and no content
	// type, as Ollama refuses a request whose Host or Origin header it does
	// not allow (the server also does that by itself; see guard).
	FaultForbidden
)

var faultNames = [...]string{"none", "not_found", "server_error", "busy", "stream_cut", "stall", "malformed_line", "error_line", "repetition_abort", "forbidden"}

// String returns a short name for the fault, such as "stream_cut".
func (f Fault) String() string {
	if f >= 0 && int(f) < len(faultNames) {
		return faultNames[f]
	}
	return "fault(" + strconv.Itoa(int(f)) + ")"
}

// Model is one model the server has "pulled".
type Model struct {
	// Name as clients use it; "x" and "x:latest" name the same model.
	Name string
	// Digest is the sha256 hex digest /api/tags reports; generated from
	// Name if empty.
	Digest string
	// Capabilities lists what /api/show reports: "completion", "vision",
	// "thinking", ... A model without "thinking" rejects think:true with
	// HTTP 400, like Ollama.
	Capabilities []string
	// Family is reported in details and model_info; "gemma3" if empty.
	Family string
	// ContextLength is the context the model was trained for, reported
	// by /api/show as model_info's "<family>.context_length"; a request's
	// num_ctx above it is cut to it, as Ollama does (/api/ps shows the
	// value used). 0 means 131072, MedGemma's.
	ContextLength int
	// Latency is the simulated generation time of one request, spread over
	// its chunks.
	Latency time.Duration
	// Capacity is how many requests are generated at once; more wait for a
	// free slot, like requests on a GPU. 0 means 1.
	Capacity int
	// Respond scripts the output for an input; it must be safe for
	// concurrent use. nil replies DefaultContent.
	Respond func(req *api.ChatRequest) Reply
}

// Reply is the scripted outcome of one chat request.
type Reply struct {
	// Content is the assistant message, streamed in token-sized chunks.
	Content string
	// Thinking is streamed as message.thinking chunks before Content, only
	// when the request enables thinking on a model that has it.
	Thinking string
	// DoneReason is the final line's done_reason: "stop" (the default) or
	// "length". The server also ends with "length" on its own when the
	// request's num_predict is smaller than the reply's token count, cutting
	// the reply there.
	DoneReason string
	// Fault, if not FaultNone, replaces the normal reply (an injected fault
	// takes precedence).
	Fault Fault
	// Latency, when positive, replaces the model's Latency for this reply
	// only, so scripted replies can take different times (as generations of
	// different lengths do). Zero or negative uses Model.Latency.
	Latency time.Duration
}

// Stats counts what the server did for one model.
type Stats struct {
	// Requests counts /api/chat requests naming the model, including
	// preloads and failures.
	Requests int
	// Served counts generations that got a slot (including those that then
	// failed by an injected fault).
	Served int
	// Queued is the number of requests waiting for a free slot now.
	Queued int
	// InFlight is the number of generations running now.
	InFlight int
	// MaxConcurrent is the most generations that ran at the same time.
	MaxConcurrent int
}

type modelState struct {
	Model
	key         string // canonical name, lower case
	sem         chan struct{}
	stats       Stats
	loadedUntil time.Time
	numCtx      int
}

// Server is an Ollama imitation listening on 127.0.0.1. It is safe for
// concurrent use.
type Server struct {
	url       string
	srv       *http.Server
	closing   chan struct{}
	serveDone chan struct{}
	started   time.Time
	handlers  sync.WaitGroup

	mu       sync.Mutex
	closed   bool
	models   map[string]*modelState
	order    []*modelState
	faults   map[string][]Fault
	requests []api.ChatRequest
	// recordLimit caps requests: < 0 unlimited (the default), 0 none.
	recordLimit int
}

// Listen starts a server with the given models on addr
// ("127.0.0.1:11434"; port 0 picks a free one). The caller must call Close
// when done. A later model with the same name replaces an earlier one. As
// Ollama does, a server listening on a loopback address refuses Host
// headers that are not local (see the package doc); one listening on
// another address does not.
func Listen(addr string, models ...Model) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	s := &Server{
		url:         "http://" + ln.Addr().String(),
		closing:     make(chan struct{}),
		serveDone:   make(chan struct{}),
		started:     time.Now().UTC(),
		models:      map[string]*modelState{},
		faults:      map[string][]Fault{},
		recordLimit: -1,
	}
	for _, m := range models {
		s.addModel(m)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.track(handleRoot))
	mux.HandleFunc("HEAD /{$}", s.track(handleRoot))
	mux.HandleFunc("GET /api/version", s.track(handleVersion))
	mux.HandleFunc("GET /api/tags", s.track(s.handleTags))
	mux.HandleFunc("POST /api/show", s.track(s.handleShow))
	mux.HandleFunc("GET /api/ps", s.track(s.handlePS))
	mux.HandleFunc("POST /api/chat", s.track(s.handleChat))
	mux.HandleFunc("/", s.track(handleUnrouted))
	loopback := false
	if ap, err := netip.ParseAddrPort(ln.Addr().String()); err == nil {
		loopback = ap.Addr().IsLoopback()
	}
	s.srv = &http.Server{
		Handler:           guard(mux, loopback),
		ReadHeaderTimeout: 10 * time.Second,
		// Aborted streams and client disconnects are the point of this
		// server; they are not worth a log line.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	go func() {
		defer close(s.serveDone)
		_ = s.srv.Serve(ln) // returns http.ErrServerClosed after Close
	}()
	return s, nil
}

func (s *Server) addModel(m Model) {
	if m.Capacity <= 0 {
		m.Capacity = 1
	}
	if m.Digest == "" {
		sum := sha256.Sum256([]byte("ollamatest:" + canonicalName(m.Name)))
		m.Digest = hex.EncodeToString(sum[:])
	}
	if m.Family == "" {
		m.Family = "gemma3"
	}
	if m.ContextLength <= 0 {
		m.ContextLength = defaultModelContext
	}
	m.Capabilities = slices.Clone(m.Capabilities)
	st := &modelState{Model: m, key: modelKey(m.Name), sem: make(chan struct{}, m.Capacity)}
	if old, ok := s.models[st.key]; ok {
		s.order = slices.DeleteFunc(s.order, func(o *modelState) bool { return o == old })
	}
	s.models[st.key] = st
	s.order = append(s.order, st)
}

// URL returns the server's base URL, such as "http://127.0.0.1:40123", for
// ollama.NewHost or api.NewClient.
func (s *Server) URL() string { return s.url }

// Close stops the server: it releases stalled and queued requests, closes
// every connection and blocks until all handlers have returned. It is safe
// to call more than once.
func (s *Server) Close() {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.closing)
	}
	s.mu.Unlock()
	_ = s.srv.Close()
	s.handlers.Wait()
	<-s.serveDone
}

// InjectFault makes the next `times` generation requests (chats with
// messages) for model fail with f, before any scripted reply. Faults queue
// in the order injected. Preloads and unloads are not affected.
func (s *Server) InjectFault(model string, f Fault, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := modelKey(model)
	for range times {
		s.faults[k] = append(s.faults[k], f)
	}
}

// SetRecordLimit bounds how many chat requests Requests keeps: the n most
// recent for n > 0, none for n == 0, all (the default) for n < 0. Requests
// hold their images, so a long-running server (the demo) should keep few.
func (s *Server) SetRecordLimit(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recordLimit = n
	s.trimRequests()
}

// trimRequests applies recordLimit; s.mu must be held.
func (s *Server) trimRequests() {
	if s.recordLimit >= 0 && len(s.requests) > s.recordLimit {
		drop := len(s.requests) - s.recordLimit
		clear(s.requests[:drop]) // let the images go
		s.requests = append(s.requests[:0], s.requests[drop:]...)
	}
}

// Requests returns the /api/chat requests received so far (see
// SetRecordLimit), in arrival order, including those that failed. The slice is a copy; the messages in
// it are shared and must not be modified.
func (s *Server) Requests() []api.ChatRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Stats returns the counters for model (zero for an unknown model).
func (s *Server) Stats(model string) Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.models[modelKey(model)]; ok {
		return st.stats
	}
	return Stats{}
}

// track counts a handler so that Close can wait for it.
func (s *Server) track(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			writeError(w, http.StatusServiceUnavailable, "server closed", true)
			return
		}
		s.handlers.Add(1)
		s.mu.Unlock()
		defer s.handlers.Done()
		h(w, r)
	}
}

func (s *Server) lookup(name string) *modelState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.models[modelKey(name)]
}

func (s *Server) takeFault(key string) Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.faults[key]
	if len(q) == 0 {
		return FaultNone
	}
	s.faults[key] = q[1:]
	return q[0]
}

// sleep waits d, returning false early if the request or the server ends.
func (s *Server) sleep(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		select {
		case <-r.Context().Done():
			return false
		case <-s.closing:
			return false
		default:
			return true
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	case <-s.closing:
		return false
	}
}

// canonicalName adds Ollama's implicit ":latest" tag.
func canonicalName(name string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		return ""
	}
	base := name[strings.LastIndex(name, "/")+1:]
	if !strings.Contains(base, ":") {
		name += ":latest"
	}
	return name
}

// modelKey is the lookup key: Ollama matches names case-insensitively.
func modelKey(name string) string { return strings.ToLower(canonicalName(name)) }

var errMissingBody = errors.New("missing request body")
