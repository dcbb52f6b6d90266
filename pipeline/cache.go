package pipeline

import (
	"context"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// Cache is what the scheduler needs of a persistent store: stage records
// looked up by provenance key, each item's outcome written in one step, and
// the last profile seen for a model (offline).
// *store.Store satisfies it; tests pass fakes. Every method may block on
// disk and must be safe for concurrent use.
type Cache interface {
	// GetStage returns the stage record stored under key, if any.
	GetStage(ctx context.Context, key string) (audit.StageRecord, bool, error)
	// PutStage stores one stage record (a failed call, kept for the audit).
	PutStage(ctx context.Context, r audit.StageRecord) error
	// GetResult returns the latest result of one item, if any.
	GetResult(ctx context.Context, itemID string) (audit.ResultRecord, bool, error)
	// PutOutcome stores an item's stage records and its result together:
	// either all of them are durable when it returns nil, or none.
	PutOutcome(ctx context.Context, stages []audit.StageRecord, result audit.ResultRecord) error
	// LastModelProfile returns the digest and options of the latest
	// successful record of model: with no host to ask, cached records are
	// matched to them.
	LastModelProfile(ctx context.Context, model string) (digest, options string, ok bool, err error)
}

// OutcomeBatcher takes items' outcomes to store several in one commit (a
// *store.Batcher): a durable commit per item would make the disk the
// bound of a long batch run. Put queues an outcome and calls done exactly
// once, with nil only when the outcome is on disk, else why it is not;
// done must be quick and must not call the batcher. Put fails (and done is
// not called) only when the batcher is closed or ctx ends while it is full.
// Flush commits what is queued and waits for that commit.
type OutcomeBatcher interface {
	Put(ctx context.Context, stages []audit.StageRecord, result audit.ResultRecord, done func(error)) error
	Flush(ctx context.Context) error
}
