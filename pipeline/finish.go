package pipeline

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/compare"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// completion is a finished stage on its way to the finisher.
type completion struct {
	job      *job
	rec      audit.StageRecord
	cached   bool
	computed bool          // a model call produced rec (store it)
	queued   time.Duration // how long its job waited for a slot
	// unverified: rec came from the cache matched to the model's last
	// known digest, no host being there to confirm it.
	unverified bool
	// stored, when set, is not a stage: it is an item's outcome whose
	// group commit returned (Config.Batch); job is its item's last job.
	stored *storedOutcome
}

// storedOutcome is an item's finished attempt whose outcome went to the
// batcher: its Result waits for the commit.
type storedOutcome struct {
	outs *[2]*stageOutcome
	res  *audit.Result
	err  error // why the outcome is not on disk, or nil
}

// stageOutcome is one finished stage of an attempt.
type stageOutcome struct {
	rec        audit.StageRecord
	cached     bool
	unverified bool
	queued     time.Duration
	// unstored: a model call produced rec and it is not in the store yet
	// (it is stored with the item's result, in one commit).
	unstored bool
}

// finisher is the one writer to the store. Prep and slot workers hand it
// finished stages (complete); it pairs the two stages of each attempt,
// builds the item's Result, stores the stage records and the result in one
// commit (its own, or a group commit through Config.Batch, whose return
// comes back as a completion too), and emits the Result once stored. Slots
// never wait for the disk.
//
// Invariants kept here:
//
//   - The completion queue is unbounded, so complete never blocks; its
//     length (backlog) is what the prep workers check against maxUnwritten
//     before taking more batch items, which bounds it in practice.
//   - partial holds the finished stages of attempts still missing their
//     other stage. Only the finisher goroutine touches it, so it needs no
//     lock; an attempt leaves it when its Result is built.
//   - After close, no completion arrives from the workers; the finisher
//     drains the queue, flushes the batcher and waits for every outcome
//     it gave it (batched), stores the computed stages left in partial
//     (their other stage was cancelled) and returns.
type finisher struct {
	mu     sync.Mutex
	cond   *sync.Cond
	queue  []completion
	closed bool
	n      atomic.Int64 // len(queue), readable without mu

	partial map[*attempt]*[2]*stageOutcome // finisher goroutine only
	// batched counts the outcomes given to Config.Batch whose commit has
	// not come back (finisher goroutine only): the finisher returns only
	// once it is zero, so no Result is lost.
	batched int

	resMu      sync.Mutex
	memResults map[string]*audit.Result // without a Store: results for Lookup
}

func newFinisher(memory bool) *finisher {
	f := &finisher{partial: map[*attempt]*[2]*stageOutcome{}}
	f.cond = sync.NewCond(&f.mu)
	if memory {
		f.memResults = map[string]*audit.Result{}
	}
	return f
}

// backlog returns the number of completions waiting for the finisher.
func (f *finisher) backlog() int { return int(f.n.Load()) }

// complete hands a finished stage to the finisher.
func (s *Scheduler) complete(c completion) {
	f := s.fin
	f.mu.Lock()
	f.queue = append(f.queue, c)
	f.n.Store(int64(len(f.queue)))
	f.cond.Signal()
	f.mu.Unlock()
}

// closeFinisher tells the finisher that no more completions come (every
// worker has returned).
func (s *Scheduler) closeFinisher() {
	f := s.fin
	f.mu.Lock()
	f.closed = true
	f.cond.Signal()
	f.mu.Unlock()
}

// finisherLoop runs the finisher until closeFinisher and the queue is
// drained. Finished work is kept even when the run is being cancelled.
func (s *Scheduler) finisherLoop(ctx context.Context) {
	wctx := context.WithoutCancel(ctx)
	f := s.fin
	flushed := false
	for {
		f.mu.Lock()
		for len(f.queue) == 0 && !(f.closed && (f.batched == 0 || !flushed)) {
			f.cond.Wait()
		}
		batch := f.queue
		f.queue = nil
		f.n.Store(0)
		closed := f.closed
		f.mu.Unlock()
		if len(batch) == 0 && closed {
			if f.batched > 0 {
				// Commit what waits now rather than at the batcher's
				// deadline; the commit's callbacks queue the Results.
				if err := s.cfg.Batch.Flush(wctx); err != nil {
					s.logf("flush results: %v", err)
				}
				flushed = true
				continue
			}
			s.storePartial(wctx)
			return
		}
		// The prep workers may be waiting for the backlog to shrink.
		s.wake()
		for _, c := range batch {
			s.finish(wctx, c)
		}
		flushed = false // what this batch gave the batcher is not flushed yet
		if f.batched > 0 && s.onlyBatchedActive() {
			// Nothing else is running: the outcomes waiting would wait
			// for the batcher's deadline for nothing (the last items of a
			// run, or an item run alone).
			if err := s.cfg.Batch.Flush(wctx); err != nil {
				s.logf("flush results: %v", err)
			}
		}
	}
}

// onlyBatchedActive reports whether every item taken is one whose outcome
// waits in the batcher, with nothing queued (finisher goroutine only: it
// reads batched).
func (s *Scheduler) onlyBatchedActive() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.q.pending.Len() == 0 && s.q.active == s.fin.batched
}

// storePartial stores the computed stages of attempts whose other stage
// was cancelled, so a resumed run need not compute them again.
func (s *Scheduler) storePartial(ctx context.Context) {
	if s.cfg.Store == nil {
		return
	}
	for _, outs := range s.fin.partial {
		for _, o := range outs {
			if o != nil && o.unstored {
				o.unstored = false
				s.storeStage(ctx, o.rec)
			}
		}
	}
}

// finish records one finished stage; with both stages of the attempt in,
// it builds, stores and emits the item's Result.
func (s *Scheduler) finish(ctx context.Context, c completion) {
	j := c.job
	if o := c.stored; o != nil {
		s.fin.batched--
		if o.err != nil {
			o.res.StoreErr = o.err.Error()
			s.logf(NotStoredLog, j.att.item.ID, o.err)
		}
		s.land(j, o.outs, o.res)
		return
	}
	status := audit.StatusDone
	if c.rec.Error != "" {
		status = audit.StatusError
	}
	s.emit(audit.Update{ItemID: j.att.item.ID, Stage: j.stage, Status: status})
	outs := s.fin.partial[j.att]
	if outs == nil {
		outs = &[2]*stageOutcome{}
		s.fin.partial[j.att] = outs
	}
	outs[stageIndex(j.stage)] = &stageOutcome{rec: c.rec, cached: c.cached, queued: c.queued, unverified: c.unverified,
		unstored: c.computed && s.cfg.Store != nil && c.rec.Key != ""}
	g, d := outs[0], outs[1]
	if g == nil || d == nil {
		return
	}
	delete(s.fin.partial, j.att)
	item := j.att.item
	res := s.buildResult(item, g, d, time.Since(j.att.started))
	res.Queue = max(g.queued, d.queued)
	if s.cfg.Store != nil {
		var recs []audit.StageRecord
		for _, o := range outs {
			if o.unstored {
				recs = append(recs, o.rec)
			}
		}
		if s.cfg.Batch != nil && s.batchOutcome(ctx, j, outs, recs, res) {
			return // the Result lands when its commit returns
		}
		if s.cfg.Batch == nil {
			if err := s.storeOutcome(ctx, recs, res); err != nil {
				res.StoreErr = err.Error()
				s.logf(NotStoredLog, item.ID, err)
			}
		}
	} else {
		s.fin.resMu.Lock()
		s.fin.memResults[item.ID] = res
		s.fin.resMu.Unlock()
	}
	s.land(j, outs, res)
}

// land ends an item's attempt once its outcome is stored (or could not
// be): the store now serves its computed records, so the records kept for
// items sharing their inputs go; the item is done (or queued again for a
// Rerun asked meanwhile); its Result is emitted.
func (s *Scheduler) land(j *job, outs *[2]*stageOutcome, res *audit.Result) {
	s.mu.Lock()
	// The computed records are stored now: the store serves their inputs.
	// (Without a store, landed records are the run's only cache: kept.)
	for _, o := range outs {
		if !o.unstored {
			continue
		}
		k := flightKey{o.rec.Stage, o.rec.ImageHash}
		if o.rec.Stage == audit.StageDraft {
			k.hash = o.rec.DraftHash
		}
		if l, ok := s.q.landed[k]; ok && l.Key == o.rec.Key {
			delete(s.q.landed, k)
		}
		if res.StoreErr == "" && (o.rec.Error == "" || o.rec.Deterministic) {
			// What GetStage now returns for its key: the newest record.
			s.memo.put(o.rec)
		}
	}
	if s.q.finish(j.it, !s.stopping) {
		s.cond.Broadcast()
	}
	s.emit(audit.Update{ItemID: res.ItemID, Status: res.Status, Result: res})
	s.mu.Unlock()
}

// buildResult assembles an item's Result from its two stage outcomes, with
// the rules' third opinion on the draft model's reading.
func (s *Scheduler) buildResult(item audit.Item, g, d *stageOutcome, wall time.Duration) *audit.Result {
	gr, dr := g.rec, d.rec
	res := &audit.Result{
		ItemID:      item.ID,
		Status:      audit.StatusDone,
		Grounding:   &gr,
		Draft:       &dr,
		Findings:    gr.Findings,
		DraftLabels: dr.Labels,
		Salvaged:    gr.Diagnostics.Salvaged || dr.Diagnostics.Salvaged,
		Cached:      g.cached && d.cached,
		Unverified:  g.unverified || d.unverified,
		Wall:        wall,
	}
	if res.Findings == nil {
		res.Findings = []schema.Finding{}
	}
	if res.DraftLabels == nil {
		res.DraftLabels = []schema.DraftLabel{}
	}
	if imageOnly(gr, dr) {
		// As the served app: a draft that cannot be read does not fail the
		// audit; the image's findings and urgent flags stand.
		rep := compare.CompareImageOnly(res.Findings, s.urgent)
		res.Report, res.Note = &rep, DraftUnreadNote+": "+dr.Error
		return res
	}
	var errs []string
	for _, r := range []audit.StageRecord{gr, dr} {
		if r.Error != "" {
			errs = append(errs, r.Error)
		}
	}
	if len(errs) > 0 {
		res.Status, res.Err = audit.StatusError, joinStageErrors(errs)
		return res
	}
	rep := compare.Compare(res.Findings, res.DraftLabels, s.urgent)
	s.thirdOpinion(&rep, item.Draft, res.Findings, res.DraftLabels)
	res.Report = &rep
	return res
}

// DraftUnreadNote opens the Note of an item audited on the image alone.
const DraftUnreadNote = "the draft could not be read; image findings only"

// imageOnly reports whether an item is audited on the image alone: the
// image was read, and the draft failed in a way calling again repeats (no
// usable list after the ladder, or a draft refused as empty or too long).
// A draft stage that failed for a passing reason (host down, cut
// connection) fails the item instead, so that a later run reads it.
func imageOnly(g, d audit.StageRecord) bool {
	return g.Error == "" && d.Error != "" && d.Deterministic
}

// joinStageErrors joins the stages' errors, saying once an error both
// stages share ("grounding and draft: no Ollama host answered ..."):
// offline, each stage fails with the same long text.
func joinStageErrors(errs []string) string {
	if len(errs) == 2 {
		g, okG := strings.CutPrefix(errs[0], string(audit.StageGrounding)+": ")
		d, okD := strings.CutPrefix(errs[1], string(audit.StageDraft)+": ")
		if okG && okD && g == d {
			return string(audit.StageGrounding) + " and " + string(audit.StageDraft) + ": " + g
		}
	}
	return strings.Join(errs, "; ")
}
