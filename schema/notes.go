package schema

import "fmt"

// notes collects diagnostics, folding identical ones into one with a count,
// so degenerate output cannot produce thousands of notes.
type notes struct {
	list   []Diagnostic
	counts []int
	index  map[Diagnostic]int
	// salvage is false while every note is informational only.
	salvage bool
}

// informational note kinds do not make a result salvaged: they describe a
// normalization the design expects (0-1000 coordinates), not a repair, or
// touch only what the comparator never reads (confidence, evidence).
var informational = map[string]bool{"rescaled_box": true, "dropped_confidence": true, "dropped_evidence": true, "sanitized_evidence": true}

// add records one diagnostic of kind.
func (n *notes) add(kind, format string, args ...any) {
	d := Diagnostic{Kind: kind, Message: fmt.Sprintf(format, args...)}
	if !informational[kind] {
		n.salvage = true
	}
	if n.index == nil {
		n.index = map[Diagnostic]int{}
	}
	if i, ok := n.index[d]; ok {
		n.counts[i]++
		return
	}
	n.index[d] = len(n.list)
	n.list = append(n.list, d)
	n.counts = append(n.counts, 1)
}

// diagnostics returns the notes, a repeated one once with its count.
func (n *notes) diagnostics() Diagnostics {
	out := Diagnostics{Salvaged: n.salvage}
	for i, d := range n.list {
		if n.counts[i] > 1 {
			d.Message = fmt.Sprintf("%s (%d times)", d.Message, n.counts[i])
		}
		out.Notes = append(out.Notes, d)
	}
	return out
}
