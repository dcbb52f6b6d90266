package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// Claims lets several run processes (on several machines, one store) share
// one worklist: every item is run by the worker holding its lease, and a
// dead worker's leases expire so that others take its items. A
// *store.Claims satisfies it (SELECT … FOR UPDATE SKIP LOCKED on
// PostgreSQL). Every method may block on the network and must be safe for
// concurrent use.
type Claims interface {
	// Join records ids (the worklist, in order) as the run's items; the
	// workers of one run join with the same list. Joining a run whose
	// every item is done starts a new round of it (running it again is a
	// resume, as for one process).
	Join(ctx context.Context, ids []string) error
	// Claim leases to this worker up to n items that no live lease holds
	// and that are not done, in worklist order (a pending item, or one
	// whose worker's lease expired).
	Claim(ctx context.Context, n int) ([]string, error)
	// Renew extends the leases this worker holds (the heartbeat).
	Renew(ctx context.Context) error
	// Finish marks an item this worker ran as done (its outcome stored,
	// failed or not) and ends its lease.
	Finish(ctx context.Context, id string, failed bool) error
	// Release ends this worker's leases on ids without a result (the
	// worker stops), so that others take them at once.
	Release(ctx context.Context, ids []string) error
	// DoneElsewhere returns up to n items, at or after worklist position
	// from (0-based), that other workers finished, in worklist order.
	DoneElsewhere(ctx context.Context, from, n int) ([]string, error)
	// Progress counts the whole team's work on the run.
	Progress(ctx context.Context) (audit.TeamProgress, error)
}

// SharedOptions tune RunShared.
type SharedOptions struct {
	// Poll is how often the worker renews its leases, looks for items to
	// claim (leases of dead workers expire) and for items others finished;
	// keep it well under the lease (a third of it). 0 means one second.
	Poll time.Duration
	// OnTeam, when set, receives the team's progress at every poll.
	OnTeam func(audit.TeamProgress)
}

// RunKey identifies a shared run: the worklist (its ids, in order) and
// what decides the results (the models, the prompt digests, the model
// input, retrying failures). Workers started with the same worklist and
// settings share one run; different settings make a different run.
func (s *Scheduler) RunKey(items []audit.Item) string {
	h := sha256.New()
	fmt.Fprintf(h, "cxr-auditor run\x00%s\x00%s\x00%s\x00%s\x00%s\x00%v\x00%s\x00",
		s.cfg.GroundingModel, s.cfg.DraftModel, s.promptDigest(audit.StageGrounding), s.promptDigest(audit.StageDraft),
		s.cfg.ModelInput, s.cfg.RetryFailed, SchemaVersion())
	for _, it := range items {
		fmt.Fprintf(h, "%s\x00", it.ID)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// RunShared is RunAll for one worker of a run shared through claims: it
// runs only the items it claims, a window at a time (enough to keep its
// hosts busy), renewing their leases every Poll from a goroutine it owns;
// marks each finished once its outcome is stored (Claims.Finish); claims
// more as they finish, and the items of workers whose leases expired. It
// passes each an update for every item of items: its own as they run, and
// those other workers finished as a Result served from the store (Lookup;
// an item that failed there carries the stored error), so its output is
// the whole worklist. It returns once every item has its Result, which is
// when the whole team is done.
//
// When ctx is done first, RunShared stops the scheduler as RunAll does,
// releases the leases of the items it had not finished (others take them
// at once) and returns an error wrapping ctx.Err(). s must not be running
// yet. Items with duplicate ids count once.
func (s *Scheduler) RunShared(ctx context.Context, items []audit.Item, claims Claims, opt SharedOptions, each func(audit.Update)) error {
	if opt.Poll <= 0 {
		opt.Poll = time.Second
	}
	if each == nil {
		each = func(audit.Update) {}
	}
	w := newSharedRun(items)
	if err := claims.Join(ctx, w.ids); err != nil {
		return fmt.Errorf("shared run: join: %w", err)
	}
	s.drainOnStop = true
	runCtx, cancel := context.WithCancel(ctx)
	runErr := make(chan error, 1)
	go func() { runErr <- s.Run(runCtx) }()

	stopBeat := s.heartbeat(ctx, claims, opt.Poll)
	stopped := false
	defer func() {
		stopBeat()
		cancel()
		for u := range s.Updates() {
			if stopped {
				each(u)
				w.finished(context.WithoutCancel(ctx), claims, u, s.logf)
			}
		}
		s.releaseHeld(ctx, w, claims)
	}()

	claimMore := func() { s.claimMore(ctx, w, claims) }
	poll := func() {
		claimMore()
		s.sweep(ctx, w, claims, each)
		if opt.OnTeam != nil {
			if p, err := claims.Progress(ctx); err == nil {
				opt.OnTeam(p)
			}
		}
	}

	poll()
	ticker := time.NewTicker(opt.Poll)
	defer ticker.Stop()
	for !w.complete() {
		select {
		case <-ctx.Done():
			stopped = true
			return fmt.Errorf("shared run stopped with %d of %d items unfinished: %w", w.left(), len(w.items), ctx.Err())
		case u, ok := <-s.Updates():
			if !ok {
				// The scheduler stopped: by ctx (its updates may close
				// before this loop sees ctx done), or by its own error.
				err := <-runErr
				if ctx.Err() != nil {
					err = ctx.Err()
				} else if err == nil {
					err = errors.New("the scheduler stopped")
				}
				return fmt.Errorf("shared run stopped with %d of %d items unfinished: %w", w.left(), len(w.items), err)
			}
			each(u)
			if w.finished(ctx, claims, u, s.logf) {
				claimMore()
			}
		case <-ticker.C:
			poll()
		}
	}
	return nil
}

// heartbeat renews this worker's leases every poll from a goroutine of
// its own, whatever RunShared's loop is doing (a slow reader of its
// updates must not let them expire). The function it returns stops the
// goroutine and waits for it.
func (s *Scheduler) heartbeat(ctx context.Context, claims Claims, poll time.Duration) (stop func()) {
	var beat sync.WaitGroup
	beatCtx, cancel := context.WithCancel(ctx)
	beat.Go(func() {
		t := time.NewTicker(poll)
		defer t.Stop()
		for {
			select {
			case <-beatCtx.Done():
				return
			case <-t.C:
				if err := claims.Renew(beatCtx); err != nil && beatCtx.Err() == nil {
					s.logf("shared run: renewing leases: %v", err)
				}
			}
		}
	})
	return func() { cancel(); beat.Wait() }
}

// claimMore claims enough items to keep this worker's grounding slots
// busy, counting those it holds, and queues them.
func (s *Scheduler) claimMore(ctx context.Context, w *sharedRun, claims Claims) {
	s.mu.Lock()
	slots := s.slotCountLocked(s.cfg.GroundingModel)
	s.mu.Unlock()
	n := max(2*slots+2, 4) - len(w.held)
	if n <= 0 || ctx.Err() != nil {
		return
	}
	ids, err := claims.Claim(ctx, n)
	if err != nil {
		if ctx.Err() == nil {
			s.logf("shared run: claiming items: %v", err)
		}
		return
	}
	s.Submit(w.take(ids))
}

// sweep passes each a Result, served from the store, for every item other
// workers finished since the last sweep.
func (s *Scheduler) sweep(ctx context.Context, w *sharedRun, claims Claims, each func(audit.Update)) {
	for _, it := range w.doneElsewhere(ctx, claims, s.logf) {
		res, ok := s.Lookup(ctx, it)
		if !ok {
			res = s.storedFailure(ctx, it)
		}
		each(audit.Update{ItemID: it.ID, Status: res.Status, Result: res})
		w.result(it.ID)
	}
}

// releaseHeld ends the leases of the items this worker still holds, so
// that others take them at once; it runs after ctx may have ended, so it
// has a bound of its own.
func (s *Scheduler) releaseHeld(ctx context.Context, w *sharedRun, claims Claims) {
	held := w.heldIDs()
	if len(held) == 0 {
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := claims.Release(rctx, held); err != nil {
		s.logf("shared run: releasing %d leases (others take them when they expire): %v", len(held), err)
	}
}

// storedFailure is the Result of an item another worker finished whose
// result cannot be served here: the stored error, or why not.
func (s *Scheduler) storedFailure(ctx context.Context, it audit.Item) *audit.Result {
	res := &audit.Result{ItemID: it.ID, Status: audit.StatusError, Cached: true}
	if s.cfg.Store != nil {
		if rr, ok, err := s.cfg.Store.GetResult(ctx, it.ID); err == nil && ok && rr.Error != "" {
			res.Err = rr.Error
			return res
		}
	}
	res.Err = "another worker of the shared run finished this item, but no result current for this worker's settings is stored"
	return res
}

// sharedRun is one worker's view of a shared run. Only RunShared's loop
// (and its deferred drain, after the loop) touches it.
type sharedRun struct {
	items   []audit.Item
	ids     []string
	pos     map[string]int
	covered []bool          // submitted here, or served as done elsewhere
	got     []bool          // has its Result
	held    map[string]bool // claimed here, not yet finished
	front   int             // first position not covered
	results int
}

func newSharedRun(items []audit.Item) *sharedRun {
	w := &sharedRun{pos: make(map[string]int, len(items)), held: map[string]bool{}}
	for _, it := range items {
		if _, dup := w.pos[it.ID]; dup {
			continue
		}
		w.pos[it.ID] = len(w.items)
		w.items = append(w.items, it)
		w.ids = append(w.ids, it.ID)
	}
	w.covered = make([]bool, len(w.items))
	w.got = make([]bool, len(w.items))
	return w
}

// take marks claimed ids held and covered and returns their items (ids
// this worklist does not have are ignored: the run key makes that rare).
func (w *sharedRun) take(ids []string) []audit.Item {
	var out []audit.Item
	for _, id := range ids {
		i, ok := w.pos[id]
		if !ok || w.got[i] {
			continue
		}
		w.held[id] = true
		w.cover(i)
		out = append(out, w.items[i])
	}
	return out
}

func (w *sharedRun) cover(i int) {
	w.covered[i] = true
	for w.front < len(w.covered) && w.covered[w.front] {
		w.front++
	}
}

// doneElsewhere returns the items other workers finished that are not
// covered here yet, from the first uncovered position on.
func (w *sharedRun) doneElsewhere(ctx context.Context, claims Claims, logf func(string, ...any)) []audit.Item {
	var out []audit.Item
	for w.front < len(w.items) {
		ids, err := claims.DoneElsewhere(ctx, w.front, 512)
		if err != nil {
			if ctx.Err() == nil {
				logf("shared run: items done by others: %v", err)
			}
			return out
		}
		front := w.front
		for _, id := range ids {
			if i, ok := w.pos[id]; ok && !w.covered[i] {
				w.cover(i)
				out = append(out, w.items[i])
			}
		}
		if len(ids) < 512 || w.front == front {
			return out
		}
	}
	return out
}

// result notes that item id has its Result.
func (w *sharedRun) result(id string) {
	if i, ok := w.pos[id]; ok && !w.got[i] {
		w.got[i] = true
		w.results++
	}
}

// finished handles an update of this worker's scheduler: a Result of an
// item it holds is marked done in the claims (failed when the item failed
// or its result could not be stored: a later round runs it again). It
// reports whether a held item finished.
func (w *sharedRun) finished(ctx context.Context, claims Claims, u audit.Update, logf func(string, ...any)) bool {
	if u.Result == nil {
		return false
	}
	w.result(u.ItemID)
	if !w.held[u.ItemID] {
		return false
	}
	delete(w.held, u.ItemID)
	failed := u.Result.Status != audit.StatusDone || u.Result.StoreErr != ""
	if err := claims.Finish(ctx, u.ItemID, failed); err != nil {
		// Its outcome is stored: when the lease expires, another worker
		// takes it and serves it from the cache.
		logf("shared run: item %s: marking it done: %v", u.ItemID, err)
	}
	return true
}

func (w *sharedRun) heldIDs() []string {
	out := make([]string, 0, len(w.held))
	for id := range w.held {
		out = append(out, id)
	}
	return out
}

func (w *sharedRun) complete() bool { return w.results == len(w.items) }
func (w *sharedRun) left() int      { return len(w.items) - w.results }
