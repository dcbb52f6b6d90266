package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// Outcome is one item's finished model calls and its result, stored
// together (PutOutcome, PutOutcomes, Batcher).
type Outcome struct {
	Stages []audit.StageRecord
	Result audit.ResultRecord
}

// PutOutcomes stores several items' outcomes in one durable transaction:
// one commit, one fsync, instead of one per item. Each outcome is all or
// nothing on its own (a savepoint), so one that fails (invalid input, a
// constraint) does not hold back the others. The returned slice has one
// entry per outcome: nil when that outcome is on disk, else why it is not.
// When the transaction itself cannot start or commit, every outcome gets
// that error: a failed write is never reported as stored.
func (s *Store) PutOutcomes(ctx context.Context, outs []Outcome) []error {
	errs := make([]error, len(outs))
	if len(outs) == 0 {
		return errs
	}
	stored := 0
	err := s.writeTx(ctx, func(sqlTx *sql.Tx) error {
		tx := newRecordTx(sqlTx)
		for i, o := range outs {
			if _, err := tx.ExecContext(ctx, "SAVEPOINT outcome"); err != nil {
				return err
			}
			if err := s.putOutcomeTx(ctx, tx, o.Stages, o.Result); err != nil {
				errs[i] = s.errorf(outcomeOp(o.Result), err)
				if _, err := tx.ExecContext(ctx, "ROLLBACK TO outcome"); err != nil {
					return err
				}
			} else {
				stored++
			}
			if _, err := tx.ExecContext(ctx, "RELEASE outcome"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		for i, o := range outs {
			if errs[i] == nil {
				errs[i] = s.errorf(fmt.Sprintf("%s (with %d others in one commit)", outcomeOp(o.Result), len(outs)-1), s.rescue(err, Rescued{Kind: "outcome", Outcome: o}))
			}
		}
	}
	return errs
}

func outcomeOp(r audit.ResultRecord) string {
	return fmt.Sprintf("put outcome item %q", r.ItemID)
}

// putOutcomeTx stores one outcome in tx.
func (s *Store) putOutcomeTx(ctx context.Context, tx *recordTx, stages []audit.StageRecord, result audit.ResultRecord) error {
	for _, r := range stages {
		if err := s.putStageTx(ctx, tx, r); err != nil {
			return fmt.Errorf("%s: %w", stageOp(r), err)
		}
	}
	return s.putResultTx(ctx, tx, result)
}

// BatchOptions sets when a Batcher commits: as soon as MaxItems outcomes
// wait, or when the oldest has waited MaxDelay, whichever comes first.
// Zero values take the defaults (64 items, 100 ms).
type BatchOptions struct {
	MaxItems int
	MaxDelay time.Duration
}

// Default batch bounds: short enough that a reviewer cannot tell, long
// enough that one commit's fsync is shared by many items (figures:
// docs/performance.md, "Store choices").
const (
	defaultBatchItems = 64
	defaultBatchDelay = 100 * time.Millisecond
)

// ErrBatcherClosed is returned by Put after Close.
var ErrBatcherClosed = errors.New("store batcher closed")

// Batcher groups item outcomes from many goroutines into shared commits
// (PutOutcomes), for batch runs where a durable commit per item would make
// the disk the bottleneck. Verdicts and notes never go through it: they
// are committed one by one, before the UI says saved.
//
// It owns one goroutine, started by NewBatcher and stopped by Close, which
// its creator must call. Each outcome's fate is reported to its own caller:
// Put's done function, or PutOutcome's return value. Nothing is reported
// stored before its commit returned.
type Batcher struct {
	s   *Store
	opt BatchOptions

	mu     sync.RWMutex // held for reading while sending on in; Close takes it to close in
	closed bool
	in     chan pendingOutcome
	flush  chan chan struct{}
	done   chan struct{} // closed when the goroutine has returned
}

type pendingOutcome struct {
	ctx  context.Context
	out  Outcome
	done func(error)
}

// NewBatcher starts a Batcher writing to s. Call Close when done: it
// commits what is waiting and stops the goroutine.
func NewBatcher(s *Store, opt BatchOptions) *Batcher {
	if opt.MaxItems <= 0 {
		opt.MaxItems = defaultBatchItems
	}
	if opt.MaxDelay <= 0 {
		opt.MaxDelay = defaultBatchDelay
	}
	b := &Batcher{
		s: s, opt: opt,
		// Room for a full batch, so producers rarely wait while a commit runs.
		in:    make(chan pendingOutcome, opt.MaxItems),
		flush: make(chan chan struct{}),
		done:  make(chan struct{}),
	}
	go b.loop()
	return b
}

// Put queues an item's outcome for the next group commit and returns at
// once. done is called exactly once, on the Batcher's goroutine, with nil
// when the outcome is on disk or with the reason it is not (its ctx ended
// before the commit began, validation, the commit failed). done must be
// quick and must not call the Batcher. Put itself fails, and done is not
// called, only when the Batcher is closed or ctx ends while the queue is
// full.
func (b *Batcher) Put(ctx context.Context, stages []audit.StageRecord, result audit.ResultRecord, done func(error)) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return ErrBatcherClosed
	}
	select {
	case b.in <- pendingOutcome{ctx: ctx, out: Outcome{Stages: stages, Result: result}, done: done}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// PutOutcome queues an item's outcome and waits until its group commit is
// on disk (nil) or failed. It has the signature of Store.PutOutcome, so a
// Batcher can stand in for the store where outcomes are written from many
// goroutines. When ctx ends first it returns ctx's error: the outcome may
// still be committed, but is never reported stored when it is not.
func (b *Batcher) PutOutcome(ctx context.Context, stages []audit.StageRecord, result audit.ResultRecord) error {
	ch := make(chan error, 1)
	if err := b.Put(ctx, stages, result, func(err error) { ch <- err }); err != nil {
		return err
	}
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Flush commits everything queued before it and waits for that commit.
func (b *Batcher) Flush(ctx context.Context) error {
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return ErrBatcherClosed
	}
	ack := make(chan struct{})
	select {
	case b.flush <- ack:
	case <-ctx.Done():
		b.mu.RUnlock()
		return ctx.Err()
	}
	b.mu.RUnlock()
	select {
	case <-ack:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close commits what is queued, stops the goroutine and waits for it. It
// is safe to call more than once. The Store stays open.
func (b *Batcher) Close() error {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		close(b.in)
	}
	b.mu.Unlock()
	<-b.done
	return nil
}

func (b *Batcher) loop() {
	defer close(b.done)
	var (
		batch []pendingOutcome
		timer *time.Timer
		due   <-chan time.Time
	)
	commit := func() {
		if timer != nil {
			timer.Stop()
			timer, due = nil, nil
		}
		b.commit(batch)
		batch = batch[:0]
	}
	for {
		select {
		case p, ok := <-b.in:
			if !ok {
				commit()
				return
			}
			batch = append(batch, p)
			if len(batch) == 1 {
				timer = time.NewTimer(b.opt.MaxDelay)
				due = timer.C
			}
			if len(batch) >= b.opt.MaxItems {
				commit()
			}
		case ack := <-b.flush:
			// Take what is already queued, then commit.
			for n := len(b.in); n > 0; n-- {
				batch = append(batch, <-b.in)
			}
			commit()
			close(ack)
		case <-due:
			commit()
		}
	}
}

// commit writes batch in one transaction and reports each outcome.
func (b *Batcher) commit(batch []pendingOutcome) {
	if len(batch) == 0 {
		return
	}
	live := make([]pendingOutcome, 0, len(batch))
	outs := make([]Outcome, 0, len(batch))
	for _, p := range batch {
		if err := p.ctx.Err(); err != nil {
			p.done(b.s.errorf(outcomeOp(p.out.Result), fmt.Errorf("not stored: %w", err)))
			continue
		}
		live = append(live, p)
		outs = append(outs, p.out)
	}
	// The commit itself is not cancelled by one caller's context: the
	// others in the batch are waiting for it.
	errs := b.s.PutOutcomes(context.Background(), outs)
	for i, p := range live {
		p.done(errs[i])
	}
}
