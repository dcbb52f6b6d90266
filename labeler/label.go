package labeler

import (
	"sync"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// MaxDraftBytes bounds what Label reads: of a longer draft only the first
// MaxDraftBytes bytes are read. Drafts are a few hundred bytes; the bound
// keeps a hostile input cheap.
const MaxDraftBytes = 64 << 10

// scratch holds the buffers one Label call works in, reused across calls.
type scratch struct {
	toks     []token
	sents    []sentence
	trigs    []hit
	ents     []hit
	readings []reading
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// Label reads one draft impression and returns what it says about each of
// the six canonical labels, in schema.Labels order: one entry per label the
// draft speaks about, with its status folded as compare.Compare folds a
// draft (present over uncertain over absent) and, as span, the verbatim
// text the status rests on (the mention and the trigger that decided it).
// Labels the draft is silent about are left out. Label is deterministic,
// never fails and never panics; every span is a substring of draft.
func (rs *RuleSet) Label(draft string) []schema.DraftLabel {
	if len(draft) > MaxDraftBytes {
		draft = draft[:MaxDraftBytes]
	}
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	readings := rs.read(draft, sc)
	return fold(draft, readings)
}

// read tokenizes the draft, splits it into sentences and reads each one.
func (rs *RuleSet) read(draft string, sc *scratch) []reading {
	sc.toks = rs.tokenize(draft, lowerASCII(draft), sc.toks[:0])
	sc.toks = rs.applySpoken(sc.toks)
	sc.sents = rs.sentences(sc.toks, sc.sents[:0])
	sc.readings = sc.readings[:0]
	for _, s := range sc.sents {
		sc.trigs, sc.ents = rs.scan(s.toks, sc.trigs[:0], sc.ents[:0])
		sc.readings = rs.resolve(s, sc.trigs, sc.ents, sc.readings)
	}
	return sc.readings
}

// rank orders statuses as the comparator folds them.
func rank(s schema.Status) int {
	switch s {
	case schema.StatusPresent:
		return 3
	case schema.StatusUncertain:
		return 2
	case schema.StatusAbsent:
		return 1
	}
	return 0
}

// fold keeps, per label, the strongest reading (the first of equals). A
// normal-study phrase qualified by "otherwise" counts only when no positive
// label is present or uncertain.
func fold(draft string, readings []reading) []schema.DraftLabel {
	labels := schema.Labels()
	best := make([]int, len(labels))
	for i := range best {
		best[i] = -1
	}
	positive := false
	for ri, r := range readings {
		for li := range labels {
			if !r.labels.has(li) {
				continue
			}
			if labels[li].Positive() && rank(r.status) >= 2 {
				positive = true
			}
			if best[li] < 0 || rank(r.status) > rank(readings[best[li]].status) {
				best[li] = ri
			}
		}
	}
	out := []schema.DraftLabel{}
	for li, l := range labels {
		if best[li] < 0 {
			continue
		}
		r := readings[best[li]]
		if r.qualified && positive && l == schema.NoFinding {
			continue
		}
		out = append(out, schema.DraftLabel{Label: l, Status: r.status, Span: draft[r.from:r.to]})
	}
	return out
}
