package ollama

import (
	"context"
	"fmt"
	"time"

	"github.com/ollama/ollama/api"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Ground sends the (already padded, PNG) image with the pinned grounding
// prompt and schema.FindingsJSONSchema() as format, and returns the stage
// record: Raw, Thinking, Done, DoneReason, metrics, Wall, Host, Model,
// PromptDigest and Options set, and Findings parsed by
// schema.ExtractFindings with boxes still normalized to the PADDED square
// (the caller un-pads). Diagnostics.Salvaged is forced true when
// done_reason is "length" or the reply ended without done:true.
//
// The error is non-nil on transport errors (ErrUnreachable, ErrTimeout),
// HTTP errors (ErrModelNotFound, ErrBusy, ErrServer), an {"error": ...}
// line (ErrServer), cancellation (ErrCanceled) or when nothing usable is in
// the output (ErrIncomplete, ErrNoOutput); the record is still returned,
// with Error set and Raw kept, so that the failure can be shown and stored.
// ModelDigest, Key, ItemID and the input hashes are left to the caller.
func (h *Host) Ground(ctx context.Context, model string, png []byte) (audit.StageRecord, error) {
	return h.GroundWith(ctx, model, h.opt, png)
}

// GroundWith is Ground with the generation options opt in place of the
// host's own: a scheduler that lowers num_ctx to a model's context length
// sends (and records) what it chose, without a second Host.
//
// The grounding stage's own num_predict applies (Options.ForStage), and a
// reply with no usable list climbs opt.Attempts' retry ladder (see
// Ladder): the record lists every attempt when there was more than one.
func (h *Host) GroundWith(ctx context.Context, model string, opt Options, png []byte) (audit.StageRecord, error) {
	opt = opt.ForStage(audit.StageGrounding)
	t := opt.Prompts.GroundingTemplate()
	return h.climb(ctx, opt, stageCall{
		stage:        audit.StageGrounding,
		model:        model,
		promptDigest: t.Digest,
		format:       findingsFormat,
		want:         "findings list",
		parse:        parseFindings,
	}, t.Text, func(prompt string) []api.Message {
		return []api.Message{{Role: "user", Content: prompt, Images: []api.ImageData{png}}}
	})
}

// ParseDraft sends the draft impression in the pinned draft prompt with
// schema.DraftJSONSchema() as format and returns the stage record with
// Labels parsed by schema.ExtractDraftLabels, under the same rules as
// Ground. think is sent explicitly (pass true when the model has the
// "thinking" capability); the thinking text is kept in Thinking. If the
// model turns out not to support thinking (HTTP 400), the call is made again
// without it and a "think_unsupported" note is added. A draft that
// prompts.DraftPrompt rejects (empty, too long) is an error before any call.
func (h *Host) ParseDraft(ctx context.Context, model string, draft string, think bool) (audit.StageRecord, error) {
	return h.ParseDraftWith(ctx, model, h.opt, draft, think)
}

// ParseDraftWith is ParseDraft with the generation options opt in place of
// the host's own (see GroundWith, also for the ladder). The draft system
// message (prompts.Set.DraftSystemTemplate) goes first, as the served app
// sends it.
func (h *Host) ParseDraftWith(ctx context.Context, model string, opt Options, draft string, think bool) (audit.StageRecord, error) {
	opt = opt.ForStage(audit.StageDraft)
	t := opt.Prompts.DraftTemplate()
	text, err := t.RenderDraft(draft)
	if err != nil {
		err = fmt.Errorf("%s with %s: %w", audit.StageDraft, model, err)
		rec := audit.StageRecord{
			Stage: audit.StageDraft, Model: model, PromptDigest: t.Digest, Host: h.URL(),
			Options: opt.Canonical(), Error: err.Error(), CreatedAt: time.Now().UTC(),
			// The draft itself is refused: the same draft always is.
			Deterministic: true,
		}
		return rec, err
	}
	system := opt.Prompts.DraftSystemTemplate().Text
	return h.climb(ctx, opt, stageCall{
		stage:        audit.StageDraft,
		model:        model,
		promptDigest: t.Digest,
		format:       draftFormat,
		think:        &api.ThinkValue{Value: think},
		want:         "draft label list",
		parse:        parseDraftLabels,
	}, text, func(prompt string) []api.Message {
		return []api.Message{{Role: "system", Content: system}, {Role: "user", Content: prompt}}
	})
}

// The formats sent, built once: building one marshals a map, on every
// call otherwise.
var (
	findingsFormat = schema.FindingsJSONSchema()
	draftFormat    = schema.DraftJSONSchema()
)
