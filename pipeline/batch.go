package pipeline

import (
	"context"
	"fmt"
	"iter"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// RunAll runs items (batch mode) on s, which must not be running yet: it
// starts Run, submits the items in order, calls each (if not nil) for every
// update in the order they arrive, and returns once every item has its
// Result (an update with Result set). Items with duplicate ids count once.
//
// When ctx is done first, RunAll stops the scheduler (calls in flight are
// cancelled and not stored; finished work is stored and its updates still
// passed to each) and returns an error wrapping ctx.Err(); the count in the
// message is of items unfinished when the stop began. each runs on RunAll's goroutine; it may be slow
// without stalling the workers.
func (s *Scheduler) RunAll(ctx context.Context, items []audit.Item, each func(audit.Update)) error {
	// Repeated ids are found once, before, and never queued.
	repeated := repeatedPositions(items)
	distinct := len(items) - len(repeated)
	src := func(yield func(audit.Item, error) bool) {
		for i, it := range items {
			if len(repeated) > 0 && repeated[0] == i {
				repeated = repeated[1:]
				continue
			}
			if !yield(it, nil) {
				return
			}
		}
	}
	return s.runBatch(ctx, src, len(items), distinct, each)
}

// RunStream is RunAll for a worklist read as the run goes (worklist.Scan):
// it takes items from src a window at a time, as the workers need them,
// so neither the worklist nor its results are ever held whole. The ids src
// yields must be distinct (worklist.Scan's are). total is how many items src
// is expected to yield; it is used only in the message of a stopped run.
//
// An error src yields stops the reading: the items already queued are
// finished (their updates passed to each) and RunStream returns that
// error. Stops by ctx are as for RunAll.
func (s *Scheduler) RunStream(ctx context.Context, src iter.Seq2[audit.Item, error], total int, each func(audit.Update)) error {
	return s.runBatch(ctx, src, total, total, each)
}

// runBatch runs the items src yields; listed and distinct are how many
// items it is expected to yield, counted with and without repeated ids
// (for messages only).
func (s *Scheduler) runBatch(ctx context.Context, src iter.Seq2[audit.Item, error], listed, distinct int, each func(audit.Update)) error {
	s.drainOnStop = true
	s.mu.Lock()
	// Nothing focuses a batch item: finished ones need not be remembered.
	s.q.forgetDone = true
	s.mu.Unlock()
	runCtx, cancel := context.WithCancel(ctx)
	runErr := make(chan error, 1)
	go func() { runErr <- s.Run(runCtx) }()
	stopped := false
	next, stopSrc := iter.Pull2(src)
	defer func() {
		stopSrc()
		cancel()
		for u := range s.Updates() {
			// Updates finished before the stop (results of calls that
			// completed) are still reported.
			if stopped && each != nil {
				each(u)
			}
		}
	}()
	f := &batchFeed{s: s, next: next, distinct: distinct}
	f.feed()
	for f.left > 0 || !f.exhausted {
		if f.left == 0 {
			// Nothing to wait for (the items read were done before the
			// run): then the queue is empty and feed reads on.
			f.feed()
			continue
		}
		select {
		case <-ctx.Done():
			stopped = true
			return fmt.Errorf("run stopped with %d of %d items unfinished: %w", f.unfinished(), listed, ctx.Err())
		case u, ok := <-s.Updates():
			if !ok {
				// Run returned early (for example called twice).
				return fmt.Errorf("run stopped with %d items unfinished: %w", f.unfinished(), <-runErr)
			}
			if each != nil {
				each(u)
			}
			if u.Result != nil {
				f.left--
				f.ahead.finish(u.ItemID)
				f.feed()
			}
		}
	}
	return f.srcErr
}

// batchFeed queues a batch's items a window at a time, in order, as the
// workers take them, so the queue knows only the items around the ones
// running (with forgetDone, a long worklist costs the queue nothing).
// Every item queued has exactly one Result to come (nothing else queues or
// reruns an item of a batch run): left counts them, not a set of ids. Only
// runBatch's goroutine uses it.
type batchFeed struct {
	s        *Scheduler
	next     func() (audit.Item, error, bool)
	distinct int // items expected, without repeated ids

	queued, left int // items queued; their Results to come
	exhausted    bool
	srcErr       error
	buf          []audit.Item
	ahead        aheadTracker
}

// feed tops the queue up from the source when there is room for half a
// window.
func (f *batchFeed) feed() {
	s := f.s
	s.mu.Lock()
	room := runAllWindow - s.q.pending.Len()
	s.mu.Unlock()
	// Results go on in worklist order (InOrder): one slow item holds
	// back every result after it, so the queue stops growing once the
	// oldest unfinished item is runAllAhead behind.
	room = min(room, runAllAhead-f.ahead.len())
	if f.exhausted || room < runAllWindow/2 {
		return
	}
	// The source is read without the lock: it may read files and the store.
	f.buf = f.buf[:0]
	for len(f.buf) < room {
		it, err, ok := f.next()
		switch {
		case !ok:
			f.exhausted = true
		case err != nil:
			f.exhausted, f.srcErr = true, err
		default:
			f.buf = append(f.buf, it)
			continue
		}
		break
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range f.buf {
		s.q.submit(f.buf[i : i+1])
		f.queued++
		if st, ok := s.q.items[f.buf[i].ID]; ok && st.phase != phaseDone {
			f.left++ // its Result is to come (also when it was queued before RunAll)
			f.ahead.queue(f.buf[i].ID)
		}
	}
	s.cond.Broadcast()
}

// unfinished is how many items have no Result yet, read or not.
func (f *batchFeed) unfinished() int {
	if f.exhausted && f.srcErr == nil {
		return f.left
	}
	return f.left + max(f.distinct-f.queued, 0)
}

// runAllWindow is how many items RunAll keeps queued ahead of the workers
// (it tops the queue up when half have been taken): enough that the prep
// workers never wait for it.
const runAllWindow = 1024

// runAllAhead is how far the newest queued item may be ahead of the oldest
// unfinished one (see aheadTracker).
const runAllAhead = 8 * runAllWindow

// aheadTracker follows a batch run's items in queue order, to know how far
// the newest queued item is ahead of the oldest unfinished one: the
// results an InOrder holds back. It keeps only the ids in between.
type aheadTracker struct {
	order []string            // ids queued, oldest unfinished first (from head)
	head  int                 // order[:head] are finished
	done  map[string]struct{} // finished ids after head
}

func (a *aheadTracker) len() int { return len(a.order) - a.head }

func (a *aheadTracker) queue(id string) {
	if a.head > runAllWindow && a.head*2 > len(a.order) {
		a.order = append(a.order[:0:0], a.order[a.head:]...)
		a.head = 0
	}
	a.order = append(a.order, id)
}

func (a *aheadTracker) finish(id string) {
	if a.head >= len(a.order) {
		return
	}
	if a.order[a.head] != id {
		if a.done == nil {
			a.done = map[string]struct{}{}
		}
		a.done[id] = struct{}{}
		return
	}
	a.head++
	for a.head < len(a.order) {
		if _, ok := a.done[a.order[a.head]]; !ok {
			return
		}
		delete(a.done, a.order[a.head])
		a.head++
	}
}

// repeatedPositions returns, ascending, the positions of items whose id
// came earlier in items.
func repeatedPositions(items []audit.Item) []int {
	seen := make(map[string]struct{}, len(items))
	var out []int
	for i, it := range items {
		if _, ok := seen[it.ID]; ok {
			out = append(out, i)
			continue
		}
		seen[it.ID] = struct{}{}
	}
	return out
}
