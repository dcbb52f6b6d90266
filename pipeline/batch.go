package pipeline

import (
	"context"
	"fmt"

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
	s.drainOnStop = true
	s.mu.Lock()
	// Nothing focuses a batch item: finished ones need not be remembered.
	s.q.forgetDone = true
	s.mu.Unlock()
	runCtx, cancel := context.WithCancel(ctx)
	runErr := make(chan error, 1)
	go func() { runErr <- s.Run(runCtx) }()
	stopped := false
	defer func() {
		cancel()
		for u := range s.Updates() {
			// Updates finished before the stop (results of calls that
			// completed) are still reported.
			if stopped && each != nil {
				each(u)
			}
		}
	}()
	// Items are queued a window at a time, in order, as the workers take
	// them, so the queue knows only the items around the ones running
	// (with forgetDone, a long worklist costs the queue nothing). Every
	// item queued has exactly one Result to come (nothing else queues or
	// reruns an item of a batch run): left counts them, not a set of ids.
	// Repeated ids are found once, before, and never queued.
	repeated := repeatedPositions(items)
	distinct := len(items) - len(repeated)
	next, queued, left := 0, 0, 0 // next item to queue; items queued; their Results to come
	feed := func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.q.pending.Len() >= runAllWindow/2 {
			return
		}
		for ; next < len(items) && s.q.pending.Len() < runAllWindow; next++ {
			if len(repeated) > 0 && repeated[0] == next {
				repeated = repeated[1:]
				continue
			}
			s.q.submit(items[next : next+1])
			queued++
			if st, ok := s.q.items[items[next].ID]; ok && st.phase != phaseDone {
				left++ // its Result is to come (also when it was queued before RunAll)
			}
		}
		s.cond.Broadcast()
	}
	feed()
	unfinished := func() int { return left + distinct - queued }
	for unfinished() > 0 {
		select {
		case <-ctx.Done():
			stopped = true
			return fmt.Errorf("run stopped with %d of %d items unfinished: %w", unfinished(), len(items), ctx.Err())
		case u, ok := <-s.Updates():
			if !ok {
				// Run returned early (for example called twice).
				return fmt.Errorf("run stopped with %d items unfinished: %w", unfinished(), <-runErr)
			}
			if each != nil {
				each(u)
			}
			if u.Result != nil {
				left--
				feed()
			}
		}
	}
	return nil
}

// runAllWindow is how many items RunAll keeps queued ahead of the workers
// (it tops the queue up when half have been taken): enough that the prep
// workers never wait for it.
const runAllWindow = 1024

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
