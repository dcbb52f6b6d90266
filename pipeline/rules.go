package pipeline

import (
	"context"
	"encoding/json"
	"time"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/compare"
	"github.com/cxr-auditor/cxr-auditor/labeler"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// RulesDraftModel, as Config.DraftModel, reads drafts with the rule
// labeler (Config.Rules) instead of a model: no host is asked, nothing is
// sent, the stage takes microseconds. Its records carry the model name
// "rules" and the rule set's digest (as model and prompt digest), so a
// changed rule set reads every draft again.
const RulesDraftModel = "rules"

// rulesDraft reports whether the draft stage is read by the rules.
func (s *Scheduler) rulesDraft() bool { return s.cfg.DraftModel == RulesDraftModel }

// rulesProfile is the one profile the rules draft stage runs under.
func (s *Scheduler) rulesProfile() profile { return profile{digest: s.rules.Digest()} }

// prepareRulesDraft serves the rules draft stage from the cache or reads
// the draft now; no call, no slot.
func (s *Scheduler) prepareRulesDraft(ctx context.Context, att *attempt, j *job) {
	dh := HashDraft(att.item.Draft)
	j.inputHash = dh
	s.withdrawJob(j)
	pr := s.rulesProfile()
	if rec, ok := s.cachedUnless(ctx, att.noCache, audit.StageDraft, dh, []profile{pr}); ok {
		s.complete(completion{job: j, rec: rec, cached: true})
		return
	}
	s.complete(completion{job: j, rec: s.rulesRecord(att.item, dh, pr), computed: true})
}

// rulesRecord reads one draft with the rules, as a draft stage record.
func (s *Scheduler) rulesRecord(it audit.Item, dh string, pr profile) audit.StageRecord {
	start := time.Now()
	labels := s.rules.Label(it.Draft)
	raw, _ := json.Marshal(labels) // plain strings: cannot fail
	return audit.StageRecord{
		Key: s.keyFor(audit.StageDraft, dh, pr), Stage: audit.StageDraft, ItemID: it.ID, DraftHash: dh,
		Model: RulesDraftModel, ModelDigest: pr.digest, PromptDigest: s.rules.Digest(), Options: pr.options,
		Raw: string(raw), Labels: labels, Done: true, Deterministic: true,
		Wall: time.Since(start), CreatedAt: time.Now().UTC(),
	}
}

// thirdOpinion reads the draft with the rules beside the draft model's
// reading and records where they differ in rep (compare.ThirdOpinion).
// With the rules as the draft stage there is no second opinion to give.
func (s *Scheduler) thirdOpinion(rep *audit.Report, draft string, findings []schema.Finding, model []schema.DraftLabel) {
	if s.rulesDraft() {
		return
	}
	compare.ThirdOpinion(rep, findings, model, s.rules.Label(draft), s.urgent)
}

// defaultRules returns the embedded rule set when cfg names none.
func defaultRules(rs *labeler.RuleSet) (*labeler.RuleSet, error) {
	if rs != nil {
		return rs, nil
	}
	return labeler.Default()
}
