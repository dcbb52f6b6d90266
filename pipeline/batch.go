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
	want := map[string]bool{}
	for _, it := range items {
		want[it.ID] = true
	}
	s.Submit(items)
	for len(want) > 0 {
		select {
		case <-ctx.Done():
			stopped = true
			return fmt.Errorf("run stopped with %d of %d items unfinished: %w", len(want), len(items), ctx.Err())
		case u, ok := <-s.Updates():
			if !ok {
				// Run returned early (for example called twice).
				return fmt.Errorf("run stopped with %d items unfinished: %w", len(want), <-runErr)
			}
			if each != nil {
				each(u)
			}
			if u.Result != nil {
				delete(want, u.ItemID)
			}
		}
	}
	return nil
}
