package pipeline

import (
	"context"
	"errors"
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
		for !s.stopping {
			if j = s.q.popFor(p.key.model, p.key.host); j != nil {
				break
			}
			s.cond.Wait()
		}
		if s.stopping {
			s.mu.Unlock()
			return
		}
		queued := time.Since(j.readyAt)
		s.emit(audit.Update{ItemID: j.att.item.ID, Stage: j.stage, Status: audit.StatusRunning})
		s.cond.Broadcast() // a prep worker held back by the queue may go on
		s.mu.Unlock()

		rec, err := s.call(ctx, p, j)
		if err != nil && ctx.Err() != nil {
			return // cancelled: not a result
		}
		if hostLost(rec, err) {
			// Not the item's failure: the job waits for a host.
			up, first := s.hosts.markDown(p.key.host, err, s.logf)
			s.mu.Lock()
			s.q.requeue(j)
			s.cond.Broadcast()
			s.mu.Unlock()
			if first && !s.probe(ctx, p) {
				return
			}
			if !first {
				select {
				case <-up:
				case <-ctx.Done():
					return
				}
			}
			continue
		}
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

// hostLost reports whether a call failed because its host went away: it
// could not be reached (after the host's own retries), or the connection
// closed mid-reply before anything usable arrived. Such a failure says
// nothing about the item.
func hostLost(rec audit.StageRecord, err error) bool {
	return errors.Is(err, ollama.ErrUnreachable) || (errors.Is(err, ollama.ErrIncomplete) && !rec.Deterministic)
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
