package session

import (
	"context"
	"errors"
	"iter"
	"slices"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/pipeline"
	"github.com/cxr-auditor/cxr-auditor/store"
	"github.com/cxr-auditor/cxr-auditor/worklist"
)

// itemChunk is how many worklist items run records in the store at once (a
// variable for tests): a copy of a whole large worklist would grow run's
// peak memory with it (docs/performance.md).
var itemChunk = 4096

// errSeqStopped stops the worklist read when the run wants no more items.
var errSeqStopped = errors.New("the run took no more items")

// worklistStream reads the worklist at path again, as the run takes its
// items (checkWorklist has read it through and reported its bad rows; they
// are skipped silently here). Each chunk of items is recorded in the store
// (in worklist order: the items' Seq) before its items are handed on, and
// each item is passed to ordered.Expect as it is handed on. A row the
// store refuses (PostgreSQL: text it cannot store) is passed to refused
// and skipped. A read or store error is yielded last.
func worklistStream(ctx context.Context, st *store.Store, path string, opts []worklist.Option, ordered *pipeline.InOrder, refused func(store.RefusedRow)) iter.Seq2[audit.Item, error] {
	return func(yield func(audit.Item, error) bool) {
		var (
			chunk []audit.Item
			recs  []audit.ItemRecord
			seq   int
		)
		flush := func() error {
			recs = recs[:0]
			for i, it := range chunk {
				recs = append(recs, audit.ItemRecord{ID: it.ID, Image: it.ImagePath, Draft: it.Draft, Seq: seq + i})
			}
			skip, err := refusedRows(st.PutItems(ctx, recs), refused)
			if err != nil {
				return err
			}
			seq += len(chunk)
			for _, it := range chunk {
				if skip[it.ID] {
					continue
				}
				ordered.Expect(it)
				if !yield(it, nil) {
					return errSeqStopped
				}
			}
			chunk = chunk[:0]
			return nil
		}
		_, err := worklist.Scan(ctx, path, func(it audit.Item) error {
			chunk = append(chunk, it)
			if len(chunk) == itemChunk {
				return flush()
			}
			return nil
		}, nil, opts...)
		if err == nil && len(chunk) > 0 {
			err = flush()
		}
		if err != nil && !errors.Is(err, errSeqStopped) {
			yield(audit.Item{}, err)
		}
	}
}

// refusedRows passes each row of a *store.RefusedRowsError to refused and
// returns their ids; any other error is returned.
func refusedRows(err error, refused func(store.RefusedRow)) (map[string]bool, error) {
	var re *store.RefusedRowsError
	if !errors.As(err, &re) {
		return nil, err
	}
	skip := map[string]bool{}
	for _, r := range re.Rows {
		skip[r.ID] = true
		refused(r)
	}
	return skip, nil
}

// putItems records the worklist's items in the store, a chunk at a time,
// and returns them without the rows the store refused (each passed to
// refused).
func putItems(ctx context.Context, st *store.Store, items []audit.Item, refused func(store.RefusedRow)) ([]audit.Item, error) {
	return putItemsFrom(ctx, st, items, 0, refused)
}

// putItemsFrom is putItems for items that start at position seq of the
// worklist (a worklist recorded a part at a time as it is read).
func putItemsFrom(ctx context.Context, st *store.Store, items []audit.Item, seq int, refused func(store.RefusedRow)) ([]audit.Item, error) {
	skipped := map[string]bool{}
	recs := make([]audit.ItemRecord, 0, min(itemChunk, len(items)))
	for start := 0; start < len(items); start += itemChunk {
		recs = recs[:0]
		for i, it := range items[start:min(start+itemChunk, len(items))] {
			recs = append(recs, audit.ItemRecord{ID: it.ID, Image: it.ImagePath, Draft: it.Draft, Seq: seq + start + i})
		}
		skip, err := refusedRows(st.PutItems(ctx, recs), refused)
		if err != nil {
			return nil, err
		}
		for id := range skip {
			skipped[id] = true
		}
	}
	if len(skipped) == 0 {
		return items, nil
	}
	return slices.DeleteFunc(slices.Clone(items), func(it audit.Item) bool { return skipped[it.ID] }), nil
}
