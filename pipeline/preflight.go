package pipeline

import (
	"context"
	"errors"
	"slices"

	"github.com/cxr-auditor/cxr-auditor/ollama"
)

// Preflight asks every host about both models (/api/show, /api/tags)
// before any model call, as Run does when it starts (the answers are kept:
// Run does not ask again). It returns nil when every stage has a host that
// serves its model with the capabilities it needs; a *ModelError (use
// errors.As) when a stage cannot run on any host that answered, which
// callers should treat as fatal (run exits 1 with the fix; review shows it
// and blocks); or a *HostsDownError when no host answered, which callers
// may treat as "offline": cached results are still served. Several
// problems are joined (errors.Join). A host that lacks a model others have
// is only warned about (Config.Logf); so is a num_ctx above a model's
// context length (the model's is used and recorded in provenance).
func (s *Scheduler) Preflight(ctx context.Context) error {
	var errs []error
	for _, m := range s.models() {
		if _, started, err := s.hosts.resolve(ctx, m, s.logf); err != nil {
			errs = append(errs, err)
		} else {
			s.startSlots(started)
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var down *ollama.HostsDownError
	var out []error
	for _, err := range errs {
		if errors.As(err, &down) {
			if !slices.ContainsFunc(out, func(e error) bool { return errors.As(e, new(*ollama.HostsDownError)) }) {
				out = append(out, err)
			}
			continue
		}
		out = append(out, err)
	}
	return errors.Join(out...)
}
