package pipeline

import (
	"context"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// Lookup returns the item's latest complete result if the store has one
// that still holds for the current configuration, without running
// anything and without contacting any host. The result is marked Cached.
//
// It is the fast path the TUI uses when an item opens: it reads the item's
// latest ResultRecord (store.GetResult), then the two stage records it
// points to, and checks that the draft text hashes to the stored draft hash
// and that both records were made with the current prompts, schema version
// and options, and (once Run has asked the hosts) a current model digest.
// Trade-off: the image file is NOT read again, so an image replaced under
// the same path and id is served its old result until Rerun (Run itself
// always hashes the image). When no host has been asked yet (Run not
// started, hosts offline) the stored model digest is trusted, so cached
// results stay reviewable offline (marked Unverified). Without a Store, Lookup serves the
// results of this Scheduler's runs kept in memory.
func (s *Scheduler) Lookup(ctx context.Context, item audit.Item) (*audit.Result, bool) {
	dh := HashDraft(item.Draft)
	if s.cfg.Store == nil {
		s.fin.resMu.Lock()
		r := s.fin.memResults[item.ID]
		s.fin.resMu.Unlock()
		if r == nil || r.Status != audit.StatusDone || r.Draft == nil || r.Draft.DraftHash != dh {
			return nil, false
		}
		cp := *r
		return &cp, true
	}
	rr, ok, err := s.cfg.Store.GetResult(ctx, item.ID)
	if err != nil || !ok || rr.Error != "" || rr.Report == nil || rr.GroundingKey == "" || rr.DraftKey == "" {
		return nil, false
	}
	g, ok, err := s.cfg.Store.GetStage(ctx, rr.GroundingKey)
	if err != nil || !ok {
		return nil, false
	}
	d, ok, err := s.cfg.Store.GetStage(ctx, rr.DraftKey)
	if err != nil || !ok || d.DraftHash != dh {
		return nil, false
	}
	gok, gu := s.current(g)
	dok, du := s.current(d)
	if !gok || !dok {
		return nil, false
	}
	res := s.buildResult(item, &stageOutcome{rec: g, cached: true, unverified: gu}, &stageOutcome{rec: d, cached: true, unverified: du}, 0)
	return res, res.Status == audit.StatusDone
}

// current reports whether rec was made under the current configuration:
// its key must be the one a call with the current prompt digest, schema
// version and a current host profile would get.
// unverified is true when no host has confirmed the model's digest (the
// stored one was trusted).
func (s *Scheduler) current(rec audit.StageRecord) (ok, unverified bool) {
	if rec.Model != s.modelOf(rec.Stage) {
		return false, false
	}
	input := rec.ImageHash
	if rec.Stage == audit.StageDraft {
		input = rec.DraftHash
	}
	if rec.Stage == audit.StageDraft && s.rulesDraft() {
		return s.keyFor(rec.Stage, input, s.rulesProfile()) == rec.Key, false
	}
	resolved, profiles := s.hosts.profiles(rec.Model, rec.ModelDigest, rec.Options)
	for _, pr := range profiles {
		if s.keyFor(rec.Stage, input, pr) == rec.Key {
			return true, !resolved
		}
	}
	return false, false
}
