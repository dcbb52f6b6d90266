package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/ollama"
)

// prepWorker takes queued items in rank order, serves their stages from
// the cache or prepares their input (the image read, hashed, decoded and
// made a model input; the draft hashed) and readies their jobs for the
// host slots. It stays a bounded distance ahead of the slots and of the
// store (see prepAllowed), except for focused items.
func (s *Scheduler) prepWorker(ctx context.Context) {
	for {
		s.mu.Lock()
		for !s.stopping && !s.prepAllowedLocked() {
			s.cond.Wait()
		}
		if s.stopping {
			s.mu.Unlock()
			return
		}
		// Both stages take their place in the job queues now, in rank
		// order, before any input is ready (see rankedQueue).
		_, att, gj, dj := s.q.take(time.Now())
		s.emit(audit.Update{ItemID: att.item.ID, Status: audit.StatusRunning})
		s.cond.Broadcast()
		s.mu.Unlock()
		s.prepare(ctx, att, gj, dj)
	}
}

// prepAllowedLocked reports whether a prep worker may take the next item:
// a focused or rerun item always; a batch item only while few jobs wait for
// a slot (so at most a few decoded images are held per grounding slot) and
// few finished stages wait for the store (the store may be slower than the
// hosts: memory stays bounded however long the worklist).
func (s *Scheduler) prepAllowedLocked() bool {
	rank, ok := s.q.front()
	if !ok {
		return false
	}
	if rank < 0 {
		return true // focused or rerun: never held back
	}
	slots := s.slotCountLocked(s.cfg.GroundingModel)
	limit := 2*max(slots, 1) + 2
	return s.q.waiting(audit.StageGrounding) < limit && s.q.waiting(audit.StageDraft) < 4*limit &&
		s.fin.backlog() < maxUnwritten
}

// prepare serves or readies both stages of one attempt: gj and dj are its
// placeholder jobs, each of which it either readies for a slot or
// withdraws (served from the cache, or failed) on every path.
func (s *Scheduler) prepare(ctx context.Context, att *attempt, gj, dj *job) {
	if err := s.unusableModel(ctx); err != nil {
		// One stage cannot run anywhere: the item cannot succeed, so no
		// call is made for the other either; cached records still serve.
		s.withdrawJob(dj)
		s.offlineOrFail(ctx, dj, HashDraft(att.item.Draft), err)
		s.withdrawJob(gj)
		// The grounding record is keyed by the image's hash: without it
		// no stored result could be found.
		ih := ""
		if _, h, rerr := s.readFile(att.item.ImagePath); rerr == nil {
			ih = h
		}
		s.offlineOrFail(ctx, gj, ih, err)
		return
	}
	// The draft first: it needs no decoding, so it can start right away.
	s.prepareDraft(ctx, att, dj)
	s.prepareGrounding(ctx, att, gj)
}

// unusableModel returns the *ModelError of a stage whose model no host
// that answered can serve (missing, or without a capability it needs).
func (s *Scheduler) unusableModel(ctx context.Context) error {
	for _, m := range s.models() {
		if _, err := s.serving(ctx, m); err != nil {
			var me *ollama.ModelError
			if errors.As(err, &me) {
				return me
			}
		}
	}
	return nil
}

func (s *Scheduler) prepareDraft(ctx context.Context, att *attempt, j *job) {
	if s.beforeStage != nil {
		s.beforeStage(ctx, att.item, audit.StageDraft)
	}
	if s.rulesDraft() {
		s.prepareRulesDraft(ctx, att, j)
		return
	}
	dh := HashDraft(att.item.Draft)
	if s.joinFlight(j, dh) {
		return
	}
	prs, err := s.serving(ctx, s.cfg.DraftModel)
	if err != nil {
		s.withdrawJob(j)
		s.offlineOrFail(ctx, j, dh, err)
		return
	}
	if rec, ok := s.cachedUnless(ctx, att.noCache, audit.StageDraft, dh, prs); ok {
		s.withdrawJob(j)
		s.finishJob(completion{job: j, rec: rec, cached: true})
		return
	}
	s.readyJob(j, func(j *job) { j.draft = att.item.Draft })
}

// joinFlight makes j's stage wait for the call already made for its input
// (hash), or take the record of one that ended, and reports true; else j
// leads the flight for its input (before the cache lookup, so an item
// taken while j's record is being stored finds j) and it reports false.
func (s *Scheduler) joinFlight(j *job, hash string) bool {
	s.mu.Lock()
	j.inputHash = hash
	rec, landed := s.q.landed[flightKey{j.stage, hash}]
	landed = landed && !j.att.noCache // a Rerun wants a new call
	switch {
	case landed:
		s.q.withdraw(j)
	case s.q.follow(j):
	default:
		s.q.lead(j, nil)
		s.mu.Unlock()
		return false
	}
	s.cond.Broadcast()
	s.mu.Unlock()
	if landed {
		s.complete(completion{job: j, rec: rec, cached: true})
	}
	return true
}

// finishJob completes a job that needs no call (served from the cache,
// or failed before any call) and hands the same outcome to the jobs that
// followed it: they have the same input.
func (s *Scheduler) finishJob(c completion) {
	s.complete(c)
	s.mu.Lock()
	fs := s.q.land(c.job)
	s.mu.Unlock()
	for _, f := range fs {
		fc := c
		fc.job, fc.cached = f, c.cached || c.rec.Error == ""
		s.complete(fc)
	}
}

func (s *Scheduler) prepareGrounding(ctx context.Context, att *attempt, j *job) {
	if s.beforeStage != nil {
		s.beforeStage(ctx, att.item, audit.StageGrounding)
	}
	fail := func(hash string, err error) {
		s.withdrawJob(j)
		s.failStage(ctx, j, hash, err)
	}
	path := att.item.ImagePath
	data, ih, err := s.readFile(path)
	if err != nil {
		fail("", fmt.Errorf("image %s: %w", path, err))
		return
	}
	if s.joinFlight(j, ih) {
		return // another item's call on the same image serves this one
	}
	prs, err := s.serving(ctx, s.cfg.GroundingModel)
	if err != nil {
		s.withdrawJob(j)
		s.offlineOrFail(ctx, j, ih, err)
		return
	}
	if rec, ok := s.cachedUnless(ctx, att.noCache, audit.StageGrounding, ih, prs); ok {
		s.withdrawJob(j)
		s.finishJob(completion{job: j, rec: rec, cached: true})
		return
	}
	img, err := prepareImage(ctx, path, data, s.cfg.ModelInput)
	if err != nil {
		fail(ih, err)
		return
	}
	s.readyJob(j, func(j *job) { j.img = img })
}

// serving returns the profiles of the pairs serving model, asking the
// hosts again when none does (at most every resolveRetryAfter).
func (s *Scheduler) serving(ctx context.Context, model string) ([]profile, error) {
	if prs, err := s.hosts.serving(model); err == nil {
		return prs, nil
	}
	prs, started, err := s.hosts.resolve(ctx, model, s.logf)
	s.startSlots(started)
	return prs, err
}

func (s *Scheduler) cachedUnless(ctx context.Context, noCache bool, stage audit.Stage, hash string, prs []profile) (audit.StageRecord, bool) {
	if noCache {
		return audit.StageRecord{}, false
	}
	return s.cached(ctx, stage, hash, prs)
}

// cached returns a stored successful record of stage for inputHash under
// one of the profiles.
func (s *Scheduler) cached(ctx context.Context, stage audit.Stage, inputHash string, prs []profile) (audit.StageRecord, bool) {
	if s.cfg.Store == nil {
		return audit.StageRecord{}, false
	}
	for _, pr := range prs {
		key := s.keyFor(stage, inputHash, pr)
		if rec, ok := s.memo.get(key); ok && s.serveable(rec) {
			return rec, true
		}
		rec, ok, err := s.cfg.Store.GetStage(ctx, key)
		if err != nil {
			if ctx.Err() == nil {
				s.logf("cache lookup: %v", err)
			}
			continue
		}
		if ok && s.serveable(rec) {
			s.memo.put(rec)
			return rec, true
		}
	}
	return audit.StageRecord{}, false
}

// serveable reports whether a stored record may stand for a new call: a
// success the server completed (done:true, or a repetition abort, which
// the same call repeats), or a deterministic failure unless
// Config.RetryFailed. A reply salvaged from a cut connection, like any
// transient failure, is worth calling again.
func (s *Scheduler) serveable(rec audit.StageRecord) bool {
	if rec.Error != "" {
		return rec.Deterministic && !s.cfg.RetryFailed
	}
	return rec.Done || rec.Deterministic
}

// offlineOrFail finishes a stage no host can serve now: from the cache
// when the store has a record matching the model's last known profile
// (marked unverified: no host confirmed the digest), else as failed with
// why no host can serve it. A failure never hides a cached result.
func (s *Scheduler) offlineOrFail(ctx context.Context, j *job, hash string, err error) {
	if !j.att.noCache {
		if rec, ok := s.cached(ctx, j.stage, hash, s.lastProfiles(ctx, j.model)); ok {
			s.finishJob(completion{job: j, rec: rec, cached: true, unverified: true})
			return
		}
	}
	s.failStage(ctx, j, hash, err)
}

// lastProfiles returns the profiles a record of model made by the last
// known build would carry: the digest and options the store saw last, with
// every host's options (num_ctx as the store's when it was lowered to the
// model's context length).
func (s *Scheduler) lastProfiles(ctx context.Context, model string) []profile {
	if s.cfg.Store == nil {
		return nil
	}
	digest, options, ok, err := s.cfg.Store.LastModelProfile(ctx, model)
	if err != nil || !ok {
		return nil
	}
	var prs []profile
	for _, r := range s.hosts.runners {
		for _, o := range optionCandidates(s.hosts.optionsOf(r, model), options) {
			prs = appendProfile(prs, profile{digest, o})
		}
	}
	return prs
}

// optionCandidates returns the canonical options a call with opt may have
// recorded: opt's own, and opt with stored's num_ctx when that is lower
// (the model's context length was lower than the num_ctx asked for).
func optionCandidates(opt ollama.Options, stored string) []string {
	out := []string{opt.Canonical()}
	var st struct {
		NumCtx int `json:"num_ctx"`
	}
	if json.Unmarshal([]byte(stored), &st) == nil && st.NumCtx > 0 && st.NumCtx < opt.NumCtx {
		opt.NumCtx = st.NumCtx
		out = append(out, opt.Canonical())
	}
	return out
}

// keyFor is the provenance key of stage on inputHash run with pr.
func (s *Scheduler) keyFor(stage audit.Stage, inputHash string, pr profile) string {
	p := Provenance{Stage: stage, InputHash: inputHash, Model: s.modelOf(stage), ModelDigest: pr.digest,
		PromptDigest: s.promptDigest(stage), Options: pr.options, SchemaVersion: SchemaVersion(),
		System: s.systemDigest(stage), Attempts: s.ladderKey(stage)}
	if stage == audit.StageGrounding {
		p.ModelInput = string(s.cfg.ModelInput)
	}
	return p.Key()
}

// failStage finishes a stage that could not be run at all (unreadable or
// corrupt image, no host serving the model). Cancellation is not a failure:
// the attempt is dropped.
func (s *Scheduler) failStage(ctx context.Context, j *job, hash string, err error) {
	if ctx.Err() != nil {
		return
	}
	rec := audit.StageRecord{Stage: j.stage, ItemID: j.att.item.ID, Model: j.model,
		Error: fmt.Sprintf("%s: %v", j.stage, err), CreatedAt: time.Now().UTC()}
	if j.stage == audit.StageGrounding {
		rec.ImageHash = hash
	} else {
		rec.DraftHash = hash
	}
	s.finishJob(completion{job: j, rec: rec})
}

// readyJob fills in placeholder j's input and lets the slots take it.
func (s *Scheduler) readyJob(j *job, fill func(*job)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fill(j)
	s.q.readyJob(j, time.Now())
	s.cond.Broadcast()
}

// withdrawJob removes placeholder j from its queue (its stage needs no
// call).
func (s *Scheduler) withdrawJob(j *job) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.q.withdraw(j)
	s.cond.Broadcast()
}
