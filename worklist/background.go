package worklist

import (
	"context"
	"sync"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// Background is a worklist being read, as Load reads it, on a goroutine
// that the Background owns: the first rows can be shown while the rest are
// read (review opens a million-row worklist in the time its first
// screenful takes). Its methods are safe from any goroutine. Stop ends
// the read; a Background whose read ended (Done) holds nothing running.
type Background struct {
	path string
	// mu guards what is published (items, problems, warnings, done, err)
	// and the reader's id index (b.seen), which Find reads.
	mu       sync.RWMutex
	b        *rowBuilder
	items    []audit.Item // a prefix of b.items
	problems []RowError   // a prefix of b.problems
	warnings []Warning
	done     bool
	err      error

	first, step int
	published   int // b.nItems at the last publish
	ctx         context.Context
	cont        chan struct{} // closed by Continue
	contOnce    sync.Once
	changed     chan struct{}
	ready       chan struct{}
	readyOnce   sync.Once
	finished    chan struct{}
	cancel      context.CancelFunc
}

// Progress is what a Background has read so far.
type Progress struct {
	// Items are the good rows so far, in file order: each Progress's
	// Items extend the previous one's (the same rows, then more).
	Items []audit.Item
	// Problems are the bad rows so far, in file order, extended likewise.
	Problems []RowError
	// Warnings are the unknown columns or keys so far.
	Warnings []Warning
	// Done says the read ended: Items and Problems are then whole, and
	// Err is the error Load would have returned (ErrNoItems, a read error
	// naming the file and line, or ctx's).
	Done bool
	Err  error
}

// backgroundStep is how many more good rows are read between two
// publishes after the first: a million-row worklist is handed on in
// about thirty parts.
const backgroundStep = 32 << 10

// LoadInBackground starts reading the worklist at path (the formats,
// checks and options of Load) and publishes what it read once first good
// rows are read; it then waits for Continue (so the first rows can be
// drawn without the read competing for the processor and memory), and
// publishes every 32,768 rows after, then at the end. Duplicate ids
// are refused across the whole file as Load refuses them, and bad rows
// are Problems with their file and line, wherever they are. The read
// stops when ctx ends or Stop is called.
func LoadInBackground(ctx context.Context, path string, first int, opts ...Option) *Background {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	return loadInBackground(ctx, path, osFileOps, cfg, max(first, 1), backgroundStep)
}

func loadInBackground(ctx context.Context, path string, ops fileOps, cfg config, first, step int) *Background {
	ctx, cancel := context.WithCancel(ctx)
	bg := &Background{
		path: path, first: first, step: max(step, 1), cancel: cancel, ctx: ctx, cont: make(chan struct{}),
		changed: make(chan struct{}, 1), ready: make(chan struct{}), finished: make(chan struct{}),
	}
	b := newRowBuilder(path, "", ops)
	b.mu = &bg.mu
	b.seen = itemIDs{index: newIDIndex(0, nil), items: &b.items, mu: &bg.mu}
	b.afterKeep = bg.kept
	b.deferHint = true // sizing for the whole file waits for Continue
	bg.b = b
	go func() {
		defer close(bg.finished)
		defer cancel()
		err := scan(ctx, path, b, cfg)
		bg.mu.Lock()
		bg.items, bg.problems, bg.warnings, bg.done, bg.err = b.items, b.problems, b.warnings, true, err
		bg.mu.Unlock()
		bg.signal()
	}()
	return bg
}

// kept runs on the reader after each good row: it publishes at first
// rows and every step rows after.
func (bg *Background) kept() {
	n := bg.b.nItems
	if n < bg.first || (bg.published > 0 && n-bg.published < bg.step) {
		return
	}
	held := bg.published == 0
	bg.published = n
	bg.mu.Lock()
	bg.items, bg.problems, bg.warnings = bg.b.items, bg.b.problems, bg.b.warnings
	bg.mu.Unlock()
	bg.signal()
	if !held {
		return
	}
	select {
	case <-bg.cont:
	case <-bg.ctx.Done(): // the read notices at its next check
	}
	b := bg.b
	b.deferHint = false
	if b.hintRows > 0 {
		b.expect(b.hintRows, b.hintOffset)
	}
}

// Continue lets the read go on past its first rows (see
// LoadInBackground); calling it again does nothing.
func (bg *Background) Continue() {
	bg.contOnce.Do(func() { close(bg.cont) })
}

// signal says something new was published (once, however many wait).
func (bg *Background) signal() {
	bg.readyOnce.Do(func() { close(bg.ready) })
	select {
	case bg.changed <- struct{}{}:
	default:
	}
}

// Ready waits until the first rows are read or the read ended (then the
// Progress says why), or until ctx ends (its error).
func (bg *Background) Ready(ctx context.Context) error {
	select {
	case <-bg.ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Changed receives after each publish since the last receive.
func (bg *Background) Changed() <-chan struct{} { return bg.changed }

// Finished is closed when the read ended and its goroutine is gone.
func (bg *Background) Finished() <-chan struct{} { return bg.finished }

// Progress returns what is published now.
func (bg *Background) Progress() Progress {
	bg.mu.RLock()
	defer bg.mu.RUnlock()
	return Progress{Items: bg.items, Problems: bg.problems, Warnings: bg.warnings, Done: bg.done, Err: bg.err}
}

// Find returns the position of the published item with id.
func (bg *Background) Find(id string) (int, bool) {
	bg.mu.RLock()
	defer bg.mu.RUnlock()
	ids, ok := bg.b.seen.(itemIDs)
	if !ok {
		return 0, false
	}
	return ids.index.find(bg.items, id)
}

// Item returns the published item with id.
func (bg *Background) Item(id string) (audit.Item, bool) {
	bg.mu.RLock()
	defer bg.mu.RUnlock()
	ids, ok := bg.b.seen.(itemIDs)
	if !ok {
		return audit.Item{}, false
	}
	i, ok := ids.index.find(bg.items, id)
	if !ok {
		return audit.Item{}, false
	}
	return bg.items[i], true
}

// Stop ends the read (if it still runs) and waits for its goroutine.
func (bg *Background) Stop() {
	bg.cancel()
	<-bg.finished
}

// List is the whole worklist as Load returns it, once the read is Done
// (wait on Finished); before, what is published so far.
func (bg *Background) List() (List, error) {
	bg.mu.RLock()
	defer bg.mu.RUnlock()
	var index *IDIndex
	if ids, ok := bg.b.seen.(itemIDs); ok && bg.done {
		index = ids.index.over(bg.items)
	}
	return List{Path: bg.path, Items: bg.items, Problems: bg.problems, Warnings: bg.warnings, Index: index}, bg.err
}
