package replay

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/cxr-auditor/cxr-auditor/ollama/internal/wire"
)

// The stages a recording line may name (store.StageGrounding and
// store.StageDraft).
const (
	StageGrounding = "grounding"
	StageDraft     = "draft"
)

// SecondGroundingModel is the name of the replay's second grounding
// "model": synthetic, as the first, its outputs written by hand to
// differ from the first's on some items, so two runs can be compared
// with no GPU. A recording line names it in "model"; items it has no
// line for answer as the first model does.
const SecondGroundingModel = "synthetic-grounding-b"

// maxLineBytes bounds one recording line: recorded outputs are at most a
// few thousand tokens.
const maxLineBytes = 4 << 20

// Record is one line of a recording: what one stage of one item answered.
type Record struct {
	// ID is the worklist item's id.
	ID string `json:"id"`
	// Stage is StageGrounding or StageDraft.
	Stage string `json:"stage"`
	// Content is the assistant message, verbatim.
	Content string `json:"content"`
	// Thinking is the model's thinking text (draft stage), streamed before
	// Content when the request asks for thinking.
	Thinking string `json:"thinking,omitempty"`
	// DoneReason is "stop" (the default when empty) or "length".
	DoneReason string `json:"done_reason,omitempty"`
	// Fault names a fault of the replay server ("stream_cut", "busy", ...) to
	// simulate instead of, or on top of, the reply; empty for none.
	Fault string `json:"fault,omitempty"`
	// Model is "" for the recorded models, or SecondGroundingModel for a
	// grounding line of the second grounding model.
	Model string `json:"model,omitempty"`
	// Line is the 1-based line of the record in its file (not serialized).
	Line int `json:"-"`
}

// reply turns the record into the scripted reply; the fault name was
// checked when the record was read.
func (r Record) reply() wire.Reply {
	f, _ := parseFault(r.Fault)
	return wire.Reply{Content: r.Content, Thinking: r.Thinking, DoneReason: r.DoneReason, Fault: f}
}

// LineError is a problem with one line of a recording or worklist file.
type LineError struct {
	File string
	Line int // 1-based; 0 when the problem is not on one line
	Err  error
}

// Error formats the problem as "file:line: msg" (no line when it is 0).
func (e *LineError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

// Unwrap returns the underlying error.
func (e *LineError) Unwrap() error { return e.Err }

// ReadRecording reads and checks the recording at path. Every line must be
// a JSON object with a non-empty id, a known stage, done_reason "", "stop"
// or "length", and a known fault name; an (id, stage) pair may appear only
// once; blank lines are skipped. The first bad line stops the read with a
// *LineError naming the file and line.
func ReadRecording(ctx context.Context, path string) ([]Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	defer f.Close()
	return parseRecording(ctx, f, path)
}

// parseRecording reads a recording from r; name is used in errors.
func parseRecording(ctx context.Context, r io.Reader, name string) ([]Record, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLineBytes)
	var out []Record
	seen := map[[3]string]int{}
	line := 0
	for sc.Scan() {
		line++
		if err := ctx.Err(); err != nil {
			return nil, &LineError{name, line, err}
		}
		b := bytes.TrimSpace(sc.Bytes())
		if line == 1 {
			b = bytes.TrimPrefix(b, []byte("\ufeff"))
		}
		if len(b) == 0 {
			continue
		}
		rec, err := decodeRecord(b)
		if err != nil {
			return nil, &LineError{name, line, err}
		}
		k := [3]string{rec.ID, rec.Stage, rec.Model}
		if first, dup := seen[k]; dup {
			return nil, &LineError{name, line, fmt.Errorf("%s: %s stage%s recorded twice (first on line %d)", rec.ID, rec.Stage, ofModel(rec.Model), first)}
		}
		seen[k] = line
		rec.Line = line
		out = append(out, rec)
	}
	if err := sc.Err(); err != nil {
		return nil, &LineError{name, line + 1, err}
	}
	return out, nil
}

// decodeRecord decodes and checks one line.
func decodeRecord(b []byte) (Record, error) {
	var rec Record
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rec); err != nil {
		return Record{}, fmt.Errorf("not a recording object: %w", err)
	}
	if dec.More() {
		return Record{}, errors.New("trailing data after the object")
	}
	rec.ID = strings.TrimSpace(rec.ID)
	if rec.ID == "" {
		return Record{}, errors.New(`empty "id"`)
	}
	switch rec.Stage {
	case StageGrounding, StageDraft:
	default:
		return Record{}, fmt.Errorf("%s: unknown stage %q (want %q or %q)", rec.ID, rec.Stage, StageGrounding, StageDraft)
	}
	switch {
	case rec.Model == "":
	case rec.Model != SecondGroundingModel:
		return Record{}, fmt.Errorf("%s: unknown model %q (want none, or %q)", rec.ID, rec.Model, SecondGroundingModel)
	case rec.Stage != StageGrounding:
		return Record{}, fmt.Errorf("%s: model %q has only a grounding stage", rec.ID, rec.Model)
	}
	switch rec.DoneReason {
	case "", "stop", "length":
	default:
		return Record{}, fmt.Errorf("%s: %s: unknown done_reason %q (want \"stop\" or \"length\")", rec.ID, rec.Stage, rec.DoneReason)
	}
	if _, ok := parseFault(rec.Fault); !ok {
		return Record{}, fmt.Errorf("%s: %s: unknown fault %q", rec.ID, rec.Stage, rec.Fault)
	}
	return rec, nil
}

// ofModel is " of model m" for messages, "" for the recorded models.
func ofModel(m string) string {
	if m == "" {
		return ""
	}
	return " of model " + m
}

// parseFault maps a fault name (wire.Fault.String) to the fault; ""
// and "none" are FaultNone.
func parseFault(name string) (wire.Fault, bool) {
	if name == "" {
		return wire.FaultNone, true
	}
	for f := wire.FaultNone; f <= wire.FaultRepetitionAbort; f++ {
		if f.String() == name {
			return f, true
		}
	}
	return wire.FaultNone, false
}

// WriteRecording writes recs as a recording, one JSON object a line, in
// order. Line is ignored. HTML characters are not escaped, so the file reads
// like what the models emit.
func WriteRecording(w io.Writer, recs []Record) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i, r := range recs {
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("recording record %d (%s %s): %w", i+1, r.ID, r.Stage, err)
		}
	}
	return nil
}
