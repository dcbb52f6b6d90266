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
type InOrder struct {
	items   []audit.Item
	pos     map[string]int
	results []*audit.Result
	next    int
	emit    func(audit.Item, *audit.Result)
}

// NewInOrder returns an InOrder for items that calls emit.
func NewInOrder(items []audit.Item, emit func(audit.Item, *audit.Result)) *InOrder {
	o := &InOrder{pos: make(map[string]int, len(items)), emit: emit}
	for _, it := range items {
		if _, dup := o.pos[it.ID]; dup {
			continue
		}
		o.pos[it.ID] = len(o.items)
		o.items = append(o.items, it)
	}
	o.results = make([]*audit.Result, len(o.items))
	return o
}

// Add takes one update; item results of unknown ids, and results of items
// already emitted, are ignored.
func (o *InOrder) Add(u audit.Update) {
	if u.Result == nil {
		return
	}
	i, ok := o.pos[u.ItemID]
	if !ok || i < o.next {
		return
	}
	o.results[i] = u.Result
	for o.next < len(o.items) && o.results[o.next] != nil {
		o.emit(o.items[o.next], o.results[o.next])
		o.results[o.next] = nil
		o.next++
	}
}

// Flush emits every result still held, in worklist order, and returns how
// many items never had one.
func (o *InOrder) Flush() (missing int) {
	for ; o.next < len(o.items); o.next++ {
		if r := o.results[o.next]; r != nil {
			o.emit(o.items[o.next], r)
			o.results[o.next] = nil
		} else {
			missing++
		}
	}
	return missing
}
