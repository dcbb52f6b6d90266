package pipeline

import (
	"context"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/radiograph"
)

// RunConfig returns the configuration this scheduler runs, as a named run
// records it: both models with the digest and options of the first host
// serving each (call it after Preflight; a model no host serves takes the
// digest and options the store saw last, or none), the prompt digests,
// the model input and the retry ladder.
func (s *Scheduler) RunConfig(ctx context.Context) audit.RunConfig {
	profileOf := func(model string) profile {
		if ps, err := s.hosts.serving(model); err == nil && len(ps) > 0 {
			return ps[0]
		}
		if ps := s.lastProfiles(ctx, model); len(ps) > 0 {
			return ps[0]
		}
		return profile{}
	}
	g, d := profileOf(s.cfg.GroundingModel), profile{}
	if !s.rulesDraft() {
		d = profileOf(s.cfg.DraftModel)
	}
	input := s.cfg.ModelInput
	if input == "" {
		input = radiograph.ModelSquash
	}
	return audit.RunConfig{
		GroundingModel: s.cfg.GroundingModel, GroundingDigest: g.digest, GroundingOptions: g.options,
		DraftModel: s.cfg.DraftModel, DraftDigest: d.digest, DraftOptions: d.options,
		GroundingPrompt: s.promptDigest(audit.StageGrounding), DraftPrompt: s.promptDigest(audit.StageDraft),
		ModelInput: string(input), Attempts: s.cfg.Attempts,
	}
}
