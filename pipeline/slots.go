package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/ollama"
	"github.com/cxr-auditor/cxr-auditor/radiograph"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// startSlots starts Config.Capacity slot workers for each pair that serves
// its model and has none yet, once Run is running. They belong to Run's
// wait group (the prep workers hold it above zero until Run's context
// ends, so Add never races with Wait).
func (s *Scheduler) startSlots(ps []*pair) {
	s.mu.Lock()
	ctx, stopping := s.runCtx, s.stopping
	s.mu.Unlock()
	if ctx == nil || stopping || ctx.Err() != nil {
		return
	}
	for _, p := range ps {
		if !s.hosts.claimSlots(p) {
			continue
		}
		if s.cfg.AutoCapacity {
			s.mu.Lock()
			if s.tuners == nil {
				s.tuners = map[pairKey]*tuner{}
			}
			s.tuners[p.key] = newTuner(s.cfg.Capacity, time.Now())
			s.mu.Unlock()
		}
		for range s.cfg.Capacity {
			s.wg.Add(1)
			go func() { defer s.wg.Done(); s.slotWorker(ctx, p) }()
		}
	}
}

// slotWorker is one call slot of one host for one model: it runs the best
// queued job that host may take, one at a time, until ctx is done. While
// the host is down (health.go) it takes nothing.
func (s *Scheduler) slotWorker(ctx context.Context, p *pair) {
	for {
		if up := s.hosts.downCh(p.key.host); up != nil {
			select {
			case <-up:
			case <-ctx.Done():
				return
			}
		}
		if !s.hosts.serves(p) {
			return // the host came back without the model
		}
		s.mu.Lock()
		var j *job
		tu := s.tuners[p.key]
		for !s.stopping {
			if tu != nil && tu.inflight >= tu.limit {
				// The tuner holds this slot back for now.
			} else if j = s.q.popFor(p.key.model, p.key.host); j != nil {
				break
			}
			s.cond.Wait()
		}
		if s.stopping {
			s.mu.Unlock()
			return
		}
		if tu != nil {
			tu.began(time.Now())
		}
		queued := time.Since(j.readyAt)
		s.emit(audit.Update{ItemID: j.att.item.ID, Stage: j.stage, Status: audit.StatusRunning})
		s.cond.Broadcast() // a prep worker held back by the queue may go on
		s.mu.Unlock()

		start := time.Now()
		rec, err := s.call(ctx, p, j)
		if err != nil && ctx.Err() != nil {
			return // cancelled: not a result
		}
		s.tune(p, start, err, hostLost(rec, err))
		if hostLost(rec, err) {
			if !s.lost(ctx, p, j, rec, err, time.Since(start), queued) {
				return
			}
			continue
		}
		s.hosts.answered(p.key.host)
		busy := errors.Is(err, ollama.ErrBusy)
		failures, other, hosts := s.hosts.outcome(p, busy)
		if busy && !j.retried && other {
			s.mu.Lock()
			s.q.retry(j, p.key.host)
			s.cond.Broadcast()
			s.mu.Unlock()
		} else {
			s.complete(completion{job: j, rec: rec, computed: true, queued: queued})
			s.landFlight(j, rec)
		}
		if busy && hosts > 1 {
			// Let the other hosts take the queue while this one is busy.
			d := min(250*time.Millisecond<<min(failures-1, 8), maxHostBackoff)
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
	}
}

// tune tells p's tuner (AutoCapacity) that a call sent at start ended
// with err: a busy server halves the limit, a lost call teaches nothing,
// any other is measured. The workers are woken when the limit changed,
// and the tuner's first choice is noted.
func (s *Scheduler) tune(p *pair, start time.Time, err error, lost bool) {
	s.mu.Lock()
	tu := s.tuners[p.key]
	if tu == nil {
		s.mu.Unlock()
		return
	}
	now, before, note := time.Now(), tu.limit, ""
	switch {
	case errors.Is(err, ollama.ErrBusy):
		tu.busy(now)
	case lost:
		tu.dropped(now)
	default:
		note = tu.ended(now, now.Sub(start))
	}
	if tu.limit != before {
		s.cond.Broadcast()
	}
	s.mu.Unlock()
	if note != "" {
		s.notef("--jobs auto: %s, %s: %s", p.runner.URL(), p.key.model, note)
	}
}

// slotCountLocked is how many calls of model may be in flight on all the
// hosts that serve it: Capacity each, or with AutoCapacity what each
// host's tuner allows now. s.mu is held.
func (s *Scheduler) slotCountLocked(model string) int {
	if !s.cfg.AutoCapacity {
		return s.hosts.slotCount(model, s.cfg.Capacity)
	}
	n := 0
	for k, tu := range s.tuners {
		if k.model == model {
			n += tu.limit
		}
	}
	return max(n, s.hosts.slotCount(model, 1))
}

// lost handles a call of j on p that failed because its host went away:
// the job waits for a host, unless its calls keep being lost (it then
// fails, up to maxCutCalls calls); the host is marked down and this slot
// probes it or waits for it to be back. It reports whether the slot goes
// on (false: ctx ended).
func (s *Scheduler) lost(ctx context.Context, p *pair, j *job, rec audit.StageRecord, err error, took, queued time.Duration) bool {
	up, first := s.hosts.markDown(p.key.host, err, s.logf)
	if j.cuts, j.cutTime = j.cuts+1, j.cutTime+took; s.givesUp(p, j) {
		rec = cutRecord(rec, j)
		s.complete(completion{job: j, rec: rec, computed: true, queued: queued})
		s.landFlight(j, rec)
	} else {
		s.mu.Lock()
		s.q.requeue(j)
		s.cond.Broadcast()
		s.mu.Unlock()
	}
	if first {
		return s.probe(ctx, p)
	}
	select {
	case <-up:
		return true
	case <-ctx.Done():
		return false
	}
}

// hostLost reports whether a call failed because its host went away: it
// could not be reached (after the host's own retries), or the connection
// closed mid-reply before anything usable arrived. Such a failure says
// nothing about the item.
func hostLost(rec audit.StageRecord, err error) bool {
	return errors.Is(err, ollama.ErrUnreachable) || (errors.Is(err, ollama.ErrIncomplete) && !rec.Deterministic)
}

// maxCutCalls is how many calls of one job may be lost with their host
// (a connection cut before anything usable arrived) before the job fails.
// A host that is down fails the probe and no call is made; a host that
// answers the probe but cuts every call would otherwise take the job for
// ever.
const maxCutCalls = 3

// givesUp reports whether j, whose call was just lost, has used its
// budget: maxCutCalls calls, or the host's timeout in time spent calling.
func (s *Scheduler) givesUp(p *pair, j *job) bool {
	_, opt, _ := s.hosts.snapshot(p)
	return j.cuts >= maxCutCalls || (opt.Timeout > 0 && j.cutTime >= opt.Timeout)
}

// cutRecord is the failure of a job whose calls kept being lost: not
// deterministic, so the next run calls again.
func cutRecord(rec audit.StageRecord, j *job) audit.StageRecord {
	rec.Deterministic = false
	rec.Error = fmt.Sprintf("the host cut the call %d times in %s (last: %s), though it answers other requests: check its log (a crashing runner, out of memory?); the item is called again on the next run",
		j.cuts, j.cutTime.Round(time.Millisecond), rec.Error)
	return rec
}

// call runs j on p and completes the record's provenance: key, item, input
// hash, digest, model input. Padded grounding boxes are mapped back to the
// original image (squashed ones already apply to it).
func (s *Scheduler) call(ctx context.Context, p *pair, j *job) (audit.StageRecord, error) {
	info, opt, options := s.hosts.snapshot(p)
	opt.Prompts, opt.Attempts = s.cfg.Prompts, s.cfg.Attempts
	var rec audit.StageRecord
	var err error
	switch j.stage {
	case audit.StageGrounding:
		rec, err = p.runner.GroundWith(ctx, j.model, opt, j.img.png)
		rec.ImageHash = j.inputHash
	default:
		rec, err = p.runner.ParseDraftWith(ctx, j.model, opt, j.draft, info.Has("thinking"))
		rec.DraftHash = j.inputHash
	}
	pr := profile{info.Digest, options}
	rec.Stage, rec.ItemID, rec.Model = j.stage, j.att.item.ID, j.model
	rec.ModelDigest, rec.PromptDigest, rec.Options = pr.digest, s.promptDigest(j.stage), pr.options
	rec.SystemDigest, rec.Ladder = s.systemDigest(j.stage), s.ladderKey(j.stage)
	if rec.Host == "" {
		rec.Host = p.runner.URL()
	}
	if rec.CreatedAt.IsZero() {
		rec.CreatedAt = time.Now().UTC()
	}
	rec.Key = s.keyFor(j.stage, j.inputHash, pr)
	if err != nil && rec.Error == "" {
		rec.Error = err.Error()
	}
	if j.stage == audit.StageGrounding {
		rec.ModelInput = string(j.img.geo)
	}
	if j.stage == audit.StageGrounding && rec.Error == "" && j.img.geo == radiograph.ModelPad {
		var notes []schema.Diagnostic
		rec.Findings, notes = unpadFindings(rec.Findings, j.img.pad)
		rec.Diagnostics.Notes = append(rec.Diagnostics.Notes, notes...)
	}
	return rec, err
}

// landFlight hands the record of j's call to the jobs that followed it
// (other items with the same input). A record the same call would give
// again (a success, a deterministic failure) serves them all; after a
// transient failure the first follower makes its own call, the others
// following it.
func (s *Scheduler) landFlight(j *job, rec audit.StageRecord) {
	s.mu.Lock()
	fs := s.q.land(j)
	shareable := rec.Error == "" || rec.Deterministic
	if shareable && rec.Key != "" {
		s.q.landed[flightKey{j.stage, j.inputHash}] = rec
	}
	if len(fs) > 0 && !shareable {
		next := fs[0]
		next.draft, next.img = j.draft, j.img
		s.q.lead(next, fs[1:])
		s.q.requeue(next)
		s.q.readyJob(next, time.Now())
		s.cond.Broadcast()
		fs = nil
	}
	s.mu.Unlock()
	for _, f := range fs {
		// As a cache hit: the record names the item its call was made for.
		s.complete(completion{job: f, rec: rec, cached: true})
	}
}
