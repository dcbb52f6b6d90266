package ollama

import (
	"context"
	"errors"
	"fmt"

	"github.com/ollama/ollama/api"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// The retry ladders (Options.Attempts).
const (
	// AttemptsServed is the served app's ladder: on a reply that holds no
	// usable list, greedy again with the corrective suffix appended, then
	// (grounding only) sampling with the suffix. Three grounding attempts,
	// two draft attempts.
	AttemptsServed = "served"
	// AttemptsOne is the model card's evaluation protocol: the first
	// greedy attempt only.
	AttemptsOne = "1"
)

// The sampling of the ladder's last grounding attempt, as the served app
// has it: enough randomness to leave a deterministic bad reply, little
// enough to keep the list's shape.
const (
	SamplingTemperature = 0.4
	SamplingTopP        = 0.9
)

// Rung is one attempt of a ladder.
type Rung struct {
	// Corrective appends the corrective suffix to the prompt.
	Corrective bool
	// Sampling decodes with SamplingTemperature and SamplingTopP (and
	// the options' seed) instead of greedily.
	Sampling bool
}

// Ladder returns the attempts a stage makes under mode (AttemptsServed,
// else one greedy attempt).
func Ladder(mode string, stage audit.Stage) []Rung {
	if mode != AttemptsServed {
		return []Rung{{}}
	}
	if stage == audit.StageDraft {
		return []Rung{{}, {Corrective: true}}
	}
	return []Rung{{}, {Corrective: true}, {Corrective: true, Sampling: true}}
}

// LadderKey names stage's ladder under mode for provenance keys: "" for
// one attempt (so such keys read as they did before ladders), else the
// mode, the number of attempts, the sampling and the corrective suffix's
// digest, which the retries send.
func LadderKey(mode string, stage audit.Stage, correctiveDigest string) string {
	rungs := Ladder(mode, stage)
	if len(rungs) == 1 {
		return ""
	}
	return fmt.Sprintf("%s/%d/sample=%g,%g/corrective=%s", mode, len(rungs), SamplingTemperature, SamplingTopP, correctiveDigest)
}

// climb runs c on the rungs of opt.Attempts for c.stage: each attempt's
// messages are build(prompt, with the corrective suffix when the rung says
// so). It stops at the first usable reply, at a failure calling again would
// not change (host down, timeout, cut connection, cancellation), or after
// the last rung. The record returned is the last attempt's; when there was
// more than one, it lists every attempt (Attempts), its Wall is their sum,
// and a note says which attempt answered.
func (h *Host) climb(ctx context.Context, opt Options, c stageCall, prompt string, build func(string) []api.Message) (audit.StageRecord, error) {
	suffix := opt.Prompts.CorrectiveTemplate().Text
	var (
		tried []audit.Attempt
		rec   audit.StageRecord
		err   error
	)
	for i, r := range Ladder(opt.Attempts, c.stage) {
		if i > 0 && (err == nil || !worthAnotherRung(rec, err) || ctx.Err() != nil) {
			break
		}
		o := opt
		p := prompt
		if r.Corrective {
			p += suffix
		}
		if r.Sampling {
			o.Temperature, o.TopP = SamplingTemperature, SamplingTopP
		}
		c.messages = build(p)
		rec, err = h.runStage(ctx, o, c)
		tried = append(tried, attemptOf(i+1, r, o, rec))
	}
	if len(tried) > 1 {
		rec.Attempts = tried
		rec.Wall = 0
		for _, a := range tried {
			rec.Wall += a.Wall
		}
		rec.Diagnostics.Notes = append([]schema.Diagnostic{ladderNote(tried, err == nil)}, rec.Diagnostics.Notes...)
	}
	return rec, err
}

// worthAnotherRung reports whether a failed attempt is one the ladder
// climbs past: a reply that arrived complete and held nothing usable (or
// was a flood, or a repetition abort), which the same request repeats.
func worthAnotherRung(rec audit.StageRecord, err error) bool {
	return rec.Deterministic && (errors.Is(err, ErrNoOutput) || errors.Is(err, ErrIncomplete) || errors.Is(err, ErrOutputTooLarge))
}

// attemptOf records one attempt.
func attemptOf(n int, r Rung, o Options, rec audit.StageRecord) audit.Attempt {
	return audit.Attempt{N: n, Corrective: r.Corrective, Temperature: o.Temperature, TopP: o.TopP, Seed: o.Seed,
		Raw: rec.Raw, Thinking: rec.Thinking, Done: rec.Done, DoneReason: rec.DoneReason, EvalCount: rec.EvalCount,
		Wall: rec.Wall, Error: rec.Error}
}

// ladderNote says how the ladder went, for the raw viewer and --explain.
func ladderNote(tried []audit.Attempt, answered bool) schema.Diagnostic {
	last := tried[len(tried)-1]
	how := "greedy"
	switch {
	case last.TopP > 0:
		how = fmt.Sprintf("sampling at temperature %g, top_p %g, seed %d, with the corrective suffix", last.Temperature, last.TopP, last.Seed)
	case last.Corrective:
		how = "greedy with the corrective suffix"
	}
	if answered {
		return schema.Diagnostic{Kind: "ladder", Message: fmt.Sprintf("answered on attempt %d of the retry ladder (%s); the earlier attempts held no usable list", last.N, how)}
	}
	return schema.Diagnostic{Kind: "ladder", Message: fmt.Sprintf("no usable list after %d attempts of the retry ladder (the last %s)", len(tried), how)}
}
