package pipeline

import "github.com/cxr-auditor/cxr-auditor/audit"

// InOrder passes a run's results on in worklist order, whatever order they
// finish in (cached items finish at once, failed ones early, and calls
// overlap). Give Add every update (it fits RunAll's each); emit is called
// with an item's Result once every item before it has had its own. The
// results waiting behind an unfinished item are held; Flush emits them (in
// order, skipping the unfinished) when the run ends early. Items with
// duplicate ids count once, at their first place. It is not safe for
// concurrent use; RunAll calls each on one goroutine.
//
// It holds only the results that arrived ahead of their turn, and reads
// the caller's items (not copied): results arrive nearly in order, so a
// worklist of a million items costs it next to nothing.
type InOrder struct {
	items []audit.Item
	// skip lists, ascending, the positions of repeated ids (not emitted).
	skip []int
	// early holds results that arrived before their item's turn.
	early map[string]*audit.Result
	next  int
	emit  func(audit.Item, *audit.Result)
	// stream says items grow by Expect and are InOrder's own: emitted
	// ones are dropped.
	stream bool
}

// NewInOrderStream returns an InOrder for a worklist read as the run goes
// (Scheduler.RunStream): it learns the items from Expect, and keeps only
// those not emitted yet, so its memory is bounded by how far the run's
// newest item is ahead of its oldest unfinished one.
func NewInOrderStream(emit func(audit.Item, *audit.Result)) *InOrder {
	return &InOrder{early: map[string]*audit.Result{}, emit: emit, stream: true}
}

// Expect appends it to the worklist order of an InOrder made by
// NewInOrderStream. Call it for each item, in order, before its result
// can arrive (as the item is handed to the scheduler); ids must be
// distinct.
func (o *InOrder) Expect(it audit.Item) {
	if o.next > 1024 && o.next*2 > len(o.items) {
		o.items = append(o.items[:0:0], o.items[o.next:]...)
		o.next = 0
	}
	o.items = append(o.items, it)
}

// NewInOrder returns an InOrder for items that calls emit. items must not
// change until the last emit.
func NewInOrder(items []audit.Item, emit func(audit.Item, *audit.Result)) *InOrder {
	o := &InOrder{items: items, early: map[string]*audit.Result{}, emit: emit}
	seen := make(map[string]struct{}, len(items)) // only while constructing
	for i, it := range items {
		if _, dup := seen[it.ID]; dup {
			o.skip = append(o.skip, i)
			continue
		}
		seen[it.ID] = struct{}{}
	}
	o.skipRepeated()
	return o
}

// skipRepeated moves next past the positions of repeated ids.
func (o *InOrder) skipRepeated() {
	for len(o.skip) > 0 && o.skip[0] == o.next {
		o.skip = o.skip[1:]
		o.next++
	}
}

// Add takes one update; item results of unknown ids, and results of items
// already emitted, are never emitted.
func (o *InOrder) Add(u audit.Update) {
	if u.Result == nil {
		return
	}
	if o.next >= len(o.items) || u.ItemID != o.items[o.next].ID {
		o.early[u.ItemID] = u.Result
		return
	}
	o.emitNext(u.Result)
	for o.next < len(o.items) {
		r, ok := o.early[o.items[o.next].ID]
		if !ok {
			return
		}
		delete(o.early, o.items[o.next].ID)
		o.emitNext(r)
	}
}

// emitNext emits r for the item at next and moves on.
func (o *InOrder) emitNext(r *audit.Result) {
	o.emit(o.items[o.next], r)
	o.next++
	o.skipRepeated()
}

// Flush emits every result still held, in worklist order, and returns how
// many items never had one.
func (o *InOrder) Flush() (missing int) {
	for o.next < len(o.items) {
		id := o.items[o.next].ID
		if r, ok := o.early[id]; ok {
			delete(o.early, id)
			o.emitNext(r)
			continue
		}
		missing++
		o.next++
		o.skipRepeated()
	}
	return missing
}
