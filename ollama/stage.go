package ollama

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ollama/ollama/api"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// stageCall is one model stage call, ready to send.
type stageCall struct {
	stage        audit.Stage
	model        string
	promptDigest string
	messages     []api.Message
	format       json.RawMessage
	think        *api.ThinkValue
	// want names the output in words ("findings list").
	want string
	// parse fills the record's parsed output from raw and returns how many
	// items it kept and the parser's diagnostics; its error means no label
	// list was found at all.
	parse func(rec *audit.StageRecord, raw string) (int, schema.Diagnostics, error)
}

// runStage sends c with the generation options opt and turns the reply
// into a StageRecord: raw output, thinking, done/done_reason, metrics, wall
// time, host, model, prompt digest and options, then the parsed output. A
// reply cut by num_predict (done_reason "length") or ending without
// done:true (repetition abort, connection cut) is parsed with salvage and
// marked Salvaged. The record is returned also on error, with Error set
// (in words that say what to do), Raw kept (its beginning only when the
// reply was too large) and Deterministic set when calling again would give
// the same reply.
func (h *Host) runStage(ctx context.Context, opt Options, c stageCall) (audit.StageRecord, error) {
	rec := audit.StageRecord{
		Stage:        c.stage,
		Model:        c.model,
		PromptDigest: c.promptDigest,
		Options:      opt.Canonical(),
		Host:         h.URL(),
		CreatedAt:    time.Now().UTC(),
	}
	fail := func(err error) (audit.StageRecord, error) {
		err = fmt.Errorf("%s with %s on %s: %w", c.stage, c.model, h.URL(), err)
		rec.Error = err.Error()
		return rec, err
	}
	out, notes, err := h.send(ctx, opt, c)
	rec.Raw = out.content.String()
	rec.Thinking = out.thinking.String()
	rec.Done = out.done
	rec.DoneReason = out.doneReason
	rec.PromptEvalCount = out.metrics.PromptEvalCount
	rec.EvalCount = out.metrics.EvalCount
	rec.TotalDuration = out.metrics.TotalDuration
	rec.LoadDuration = out.metrics.LoadDuration
	rec.EvalDuration = out.metrics.EvalDuration
	rec.Wall = out.wall
	rec.Diagnostics.Notes = notes
	if out.tooLarge {
		// Greedy decoding: the same call streams the same flood.
		rec.Deterministic = true
		rec.Raw, rec.Thinking = truncateBytes(rec.Raw, keptRawBytes), truncateBytes(rec.Thinking, keptRawBytes)
		return fail(fmt.Errorf("%w: the reply passed %d bytes (a findings list is a few KiB), so reading stopped and only its first %d bytes are kept: check that %s is the %s model, or lower --num-predict-%s",
			ErrOutputTooLarge, MaxReplyBytes, keptRawBytes, c.model, c.stage, c.stage))
	}
	if err != nil {
		return fail(err)
	}
	if err := parseReply(&rec, out, notes, opt, c); err != nil {
		return fail(err)
	}
	return rec, nil
}

// send makes the call, once more without thinking when the model turns out
// not to support it (with a note saying so).
func (h *Host) send(ctx context.Context, opt Options, c stageCall) (*chatOutcome, []schema.Diagnostic, error) {
	req := requestWith(opt, c.model, c.messages)
	req.Format = c.format
	req.Think = c.think
	out, err := h.chat(ctx, req)
	var notes []schema.Diagnostic
	if err != nil && c.think.Bool() && thinkingUnsupported(err) {
		notes = append(notes, schema.Diagnostic{Kind: "think_unsupported",
			Message: fmt.Sprintf("model %s does not support thinking; asked again without it", c.model)})
		req.Think = &api.ThinkValue{Value: false}
		wall := out.wall
		out, err = h.chat(ctx, req)
		out.wall += wall
	}
	return out, notes, err
}

// parseReply parses a reply that arrived into rec, noting how it ended,
// and returns why it holds nothing usable, if it does not.
func parseReply(rec *audit.StageRecord, out *chatOutcome, notes []schema.Diagnostic, opt Options, c stageCall) error {
	if out.attempts > 1 {
		notes = append(notes, schema.Diagnostic{Kind: "retried",
			Message: fmt.Sprintf("answered on attempt %d, after connection errors or HTTP 503", out.attempts)})
	}
	// A reply the server finished (done:true) or ended as its repetition
	// abort is what the same call gives again; a reply cut by the
	// connection, or one that just stopped (an empty body, a proxy ending
	// the stream), is not.
	rec.Deterministic = out.done || out.repetitionAbort()
	switch {
	case out.cut:
		notes = append(notes, schema.Diagnostic{Kind: "incomplete",
			Message: "the connection closed before done:true (stream cut); parsed what arrived"})
	case out.repetitionAbort():
		notes = append(notes, schema.Diagnostic{Kind: "incomplete",
			Message: "the reply ended without done:true (Ollama's repetition abort); parsed what arrived"})
	case !out.done:
		notes = append(notes, schema.Diagnostic{Kind: "incomplete",
			Message: "the reply ended without done:true and without a connection error (not a repetition abort); parsed what arrived"})
	case out.doneReason == "length":
		notes = append(notes, schema.Diagnostic{Kind: "truncated",
			Message: fmt.Sprintf("done_reason \"length\": the output was cut at num_predict=%d tokens; parsed what arrived", opt.NumPredict)})
	}
	n, diag, perr := c.parse(rec, rec.Raw)
	cut := !out.done || out.doneReason == "length"
	if perr == nil && cut && n == 0 && diag.Salvaged {
		// The list itself was cut before its first complete entry: an empty
		// result here would read as "nothing found", which nobody said.
		perr = errors.New("the output was cut before its first complete entry")
	}
	diag.Notes = append(notes, diag.Notes...)
	if cut {
		diag.Salvaged = true
	}
	rec.Diagnostics = diag
	switch {
	case perr == nil:
		return nil
	case out.cut:
		return fmt.Errorf("%w: the connection closed before the reply was finished and nothing usable had arrived (%v); it is called again on the next run", ErrIncomplete, perr)
	case !out.received:
		return fmt.Errorf("%w: the host replied HTTP 200 with an empty body (no line, no done:true); it is called again on the next run", ErrIncomplete)
	case !out.done && !out.repetitionAbort():
		return fmt.Errorf("%w: the reply ended without done:true before anything usable (%v), and not as Ollama's repetition abort; it is called again on the next run", ErrIncomplete, perr)
	case !out.done:
		return fmt.Errorf("%w: the model kept repeating one token and Ollama stopped it (no done:true) before anything usable (%v); the same input gives the same reply: check the model and its prompt, then rerun the item", ErrIncomplete, perr)
	case out.doneReason == "length":
		return fmt.Errorf("%w: cut at num_predict=%d (done_reason length) before anything usable (%v): raise --num-predict-%s", ErrNoOutput, opt.NumPredict, perr, c.stage)
	default:
		return fmt.Errorf("%w: the reply held no usable %s (%v): check that %s is the %s model and its prompt", ErrNoOutput, c.want, perr, c.model, c.stage)
	}
}

// truncateBytes returns s cut to at most n bytes, on a rune boundary.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// thinkingUnsupported reports Ollama's HTTP 400 `"X" does not support
// thinking`.
func thinkingUnsupported(err error) bool {
	var se api.StatusError
	return errors.As(err, &se) && se.StatusCode == http.StatusBadRequest &&
		strings.Contains(se.ErrorMessage, "does not support thinking")
}

// parseFindings is the grounding stage's parser.
func parseFindings(rec *audit.StageRecord, raw string) (int, schema.Diagnostics, error) {
	f, diag, err := schema.ExtractFindings(raw)
	rec.Findings = f
	return len(f), diag, err
}

// parseDraftLabels is the draft stage's parser.
func parseDraftLabels(rec *audit.StageRecord, raw string) (int, schema.Diagnostics, error) {
	l, diag, err := schema.ExtractDraftLabels(raw)
	rec.Labels = l
	return len(l), diag, err
}
