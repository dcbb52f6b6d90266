package pipeline

import (
	"context"
	"sync"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// outbox holds the updates on their way to the Updates channel.
//
// Invariants kept here:
//
//   - emit never blocks (the queue is unbounded), so no worker ever waits
//     for the reader; a reader that stops makes the queue grow.
//   - Updates leave in the order they were emitted.
//   - After close, nothing is emitted; the forwarder sends what is left
//     (see forwarder) and returns, and only then is the channel closed.
type outbox struct {
	mu     sync.Mutex
	cond   *sync.Cond
	queue  []audit.Update
	closed bool
}

func newOutbox() *outbox {
	o := &outbox{}
	o.cond = sync.NewCond(&o.mu)
	return o
}

// emit queues u for the forwarder. It may be called with s.mu held.
func (s *Scheduler) emit(u audit.Update) {
	o := s.out
	o.mu.Lock()
	o.queue = append(o.queue, u)
	o.cond.Signal()
	o.mu.Unlock()
}

// closeOutbox tells the forwarder that nothing more is emitted.
func (s *Scheduler) closeOutbox() {
	o := s.out
	o.mu.Lock()
	o.closed = true
	o.cond.Signal()
	o.mu.Unlock()
}

// forwarder moves updates from the outbox to the Updates channel. While
// ctx lives it waits for the reader; after that it only fills the
// channel's free space (updates not received by Run's return are dropped),
// except under RunAll (drainOnStop), whose reader reads until the channel
// closes, so every update is delivered.
func (s *Scheduler) forwarder(ctx context.Context) {
	o := s.out
	for {
		o.mu.Lock()
		for len(o.queue) == 0 && !o.closed {
			o.cond.Wait()
		}
		batch := o.queue
		o.queue = nil
		done := o.closed
		o.mu.Unlock()
		for _, u := range batch {
			s.send(ctx, u)
		}
		if done && len(batch) == 0 {
			return
		}
	}
}

func (s *Scheduler) send(ctx context.Context, u audit.Update) {
	if s.drainOnStop {
		s.updates <- u // RunAll reads until the channel closes
		return
	}
	if ctx.Err() != nil {
		select {
		case s.updates <- u:
		default:
		}
		return
	}
	select {
	case s.updates <- u:
	case <-ctx.Done():
	}
}
