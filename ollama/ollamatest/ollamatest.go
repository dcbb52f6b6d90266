package ollamatest

import "github.com/cxr-auditor/cxr-auditor/ollama/internal/wire"

// The server's types are the shared server's (ollama/internal/wire); see
// there for what each field promises.
type (
	// Server is an Ollama imitation listening on 127.0.0.1. It is safe for
	// concurrent use.
	Server = wire.Server
	// Model is one model the server has "pulled".
	Model = wire.Model
	// Reply is the scripted outcome of one chat request.
	Reply = wire.Reply
	// Fault is a failure the server simulates for one chat request.
	Fault = wire.Fault
	// Stats counts what the server did for one model.
	Stats = wire.Stats
	// Script maps inputs to scripted replies, for Model.Respond.
	Script = wire.Script
)

// The faults, each mirroring a failure seen from real Ollama servers
// (see wire.Fault's constants).
const (
	FaultNone            = wire.FaultNone
	FaultNotFound        = wire.FaultNotFound
	FaultServerError     = wire.FaultServerError
	FaultBusy            = wire.FaultBusy
	FaultStreamCut       = wire.FaultStreamCut
	FaultStall           = wire.FaultStall
	FaultMalformedLine   = wire.FaultMalformedLine
	FaultErrorLine       = wire.FaultErrorLine
	FaultRepetitionAbort = wire.FaultRepetitionAbort
	FaultForbidden       = wire.FaultForbidden
)

// What the server says, verbatim from Ollama.
const (
	// Version is what /api/version reports.
	Version = wire.Version
	// BusyMessage comes with HTTP 503 when Ollama's request queue is full.
	BusyMessage = wire.BusyMessage
	// ServerErrorMessage comes with HTTP 500 when the runner died.
	ServerErrorMessage = wire.ServerErrorMessage
	// ErrorLineMessage is the {"error": ...} line sent after HTTP 200 when
	// generation fails mid-stream.
	ErrorLineMessage = wire.ErrorLineMessage
	// DefaultContent is the reply of a model whose Respond is nil.
	DefaultContent = wire.DefaultContent
)

// NewServer starts a server with the given models on 127.0.0.1 and a free
// port. The caller must call Close when done (in tests,
// t.Cleanup(srv.Close)). A later model with the same name replaces an
// earlier one. Like httptest.NewServer, it panics if it cannot listen.
func NewServer(models ...Model) *Server {
	s, err := wire.Listen("127.0.0.1:0", models...)
	if err != nil {
		panic("ollamatest: " + err.Error())
	}
	return s
}

// Listen is NewServer on addr ("127.0.0.1:11434"; port 0 picks a free
// one), returning an error instead of panicking when it cannot listen: for
// a long-running fake (cmd/fakeollama). A server on a loopback address
// refuses Host headers that are not local, as Ollama does.
func Listen(addr string, models ...Model) (*Server, error) { return wire.Listen(addr, models...) }

// NewScript returns an empty script: every request gets DefaultContent
// until rules are added.
func NewScript() *Script { return wire.NewScript() }

// ImageKey returns the key Script.ByImage matches: the sha256 hex digest
// of the image bytes exactly as sent in the chat request.
func ImageKey(png []byte) string { return wire.ImageKey(png) }
