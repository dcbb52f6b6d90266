package worklist

import (
	"context"
	"hash/maphash"
	"sync"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// ScanCounts is what Scan read: how many good rows (Items) and bad
// rows (Problems).
type ScanCounts struct {
	Items, Problems int
}

// Scan reads the worklist at path as Load does (the same
// formats, the same checks, the same row problems in the same order), but
// keeps no row: it calls item with each good row and problem (if not nil)
// with each bad one, in file order, as it reads them. Its memory is flat
// in the number of rows but for the duplicate-id check, which keeps a
// 64-bit hash of each id and its line, far less than Load's items: a row
// whose id hashes like an earlier one is a duplicate, a collision of two
// distinct ids being too unlikely to matter (figures in
// docs/performance.md).
//
// An error from item stops the read and is returned as it is. The error is
// otherwise the one Load would return: the worklist cannot be read,
// ctx is done, or no row is good (wrapping ErrNoItems).
func Scan(ctx context.Context, path string, item func(audit.Item) error, problem func(RowError), opts ...Option) (ScanCounts, error) {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	return scanStream(ctx, path, osFileOps, cfg, item, problem)
}

func scanStream(ctx context.Context, path string, ops fileOps, cfg config, item func(audit.Item) error, problem func(RowError)) (ScanCounts, error) {
	b := newRowBuilder(path, "", ops)
	b.seen = newHashedIDs()
	b.onItem = item
	b.onProblem = func(RowError) {}
	if problem != nil {
		b.onProblem = problem
	}
	err := scan(ctx, path, b, cfg)
	return ScanCounts{Items: b.nItems, Problems: b.nProblems}, err
}

// idSet remembers the ids of good rows and the line of each (0 for
// directory worklists).
type idSet interface {
	first(id string) (line int, ok bool)
	add(id string, line int)
}

// itemIDs is Load's id set: each id's position in the items (Load keeps
// the rows anyway, so the index keeps only hashes and checks a hit
// against the item), which List.Index hands on. add is called just
// before the row's item is appended.
type itemIDs struct {
	index *IDIndex
	items *[]audit.Item
	mu    *sync.RWMutex // held to add when others read (Background)
}

func newItemIDs(items *[]audit.Item, size int) itemIDs {
	return itemIDs{index: newIDIndex(size, nil), items: items}
}

func (s itemIDs) first(id string) (int, bool) {
	i, ok := s.index.find(*s.items, id)
	if !ok {
		return 0, false
	}
	return (*s.items)[i].Line, true
}

func (s itemIDs) add(id string, _ int) {
	if s.mu != nil {
		s.mu.Lock()
		defer s.mu.Unlock()
	}
	s.index.add(id, len(*s.items))
}

// hashedIDs keeps a hash of each id: a streamed worklist keeps no id.
type hashedIDs struct {
	seed  maphash.Seed
	lines map[uint64]int
}

func newHashedIDs() hashedIDs {
	return hashedIDs{seed: maphash.MakeSeed(), lines: map[uint64]int{}}
}

func (s hashedIDs) first(id string) (int, bool) {
	l, ok := s.lines[maphash.String(s.seed, id)]
	return l, ok
}

func (s hashedIDs) add(id string, line int) { s.lines[maphash.String(s.seed, id)] = line }
