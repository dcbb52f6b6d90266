package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

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
	// parse fills the record's parsed output from raw and returns how many
	// items it kept and the parser's diagnostics; its error means no label
	// list was found at all.
	parse func(rec *audit.StageRecord, raw string) (int, schema.Diagnostics, error)
}

// runStage sends c and turns the reply into a StageRecord: raw output,
// thinking, done/done_reason, metrics, wall time, host, model, prompt digest
// and options, then the parsed output. A reply cut by num_predict
// (done_reason "length") or ending without done:true (stream cut,
// repetition abort) is parsed with salvage and marked Salvaged. The record
// is returned also on error, with Error set and Raw kept.
func (h *Host) runStage(ctx context.Context, c stageCall) (audit.StageRecord, error) {
	rec := audit.StageRecord{
		Stage:        c.stage,
		Model:        c.model,
		PromptDigest: c.promptDigest,
		Options:      h.opt.Canonical(),
		Host:         h.URL(),
		CreatedAt:    time.Now().UTC(),
	}
	fail := func(err error) (audit.StageRecord, error) {
		err = fmt.Errorf("%s with %s on %s: %w", c.stage, c.model, h.URL(), err)
		rec.Error = err.Error()
		return rec, err
	}

	req := h.request(c.model, c.messages)
	req.Format = c.format
	req.Think = c.think
	out, err := h.chat(ctx, req)
	var notes []schema.Diagnostic
	if err != nil && c.think.Bool() && thinkingUnsupported(err) {
		// Asked to think, but the model cannot: ask again without.
		notes = append(notes, schema.Diagnostic{Kind: "think_unsupported",
			Message: fmt.Sprintf("model %s does not support thinking; asked again without it", c.model)})
		req.Think = &api.ThinkValue{Value: false}
		wall := out.wall
		out, err = h.chat(ctx, req)
		out.wall += wall
	}
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
	if err != nil {
		return fail(err)
	}

	if out.attempts > 1 {
		notes = append(notes, schema.Diagnostic{Kind: "retried",
			Message: fmt.Sprintf("answered on attempt %d, after connection errors or HTTP 503", out.attempts)})
	}
	switch {
	case !out.done:
		notes = append(notes, schema.Diagnostic{Kind: "incomplete",
			Message: "the reply ended without done:true (stream cut or repetition abort); parsed what arrived"})
	case out.doneReason == "length":
		notes = append(notes, schema.Diagnostic{Kind: "truncated",
			Message: fmt.Sprintf("done_reason \"length\": the output was cut at num_predict=%d tokens; parsed what arrived", h.opt.NumPredict)})
	}
	n, diag, perr := c.parse(&rec, rec.Raw)
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
	if perr != nil {
		if !out.done {
			return fail(fmt.Errorf("%w: %w", ErrIncomplete, perr))
		}
		return fail(fmt.Errorf("%w: %w", ErrNoOutput, perr))
	}
	return rec, nil
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
