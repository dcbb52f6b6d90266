package tui

import (
	"slices"
	"unsafe"

	tea "charm.land/bubbletea/v2"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Triage across the worklist: each item's rows against its truth summed
// up once per result and truth (truthSummary), for the truth filters and
// orders and the status bar's counts.

// truthSummary is what the worklist needs of an item's rows against its
// truth; res, truth and n say which result and truth it was made from.
type truthSummary struct {
	res                                  *audit.Result
	truth                                *schema.Finding
	n                                    int
	known                                bool // the item has truth and a result
	missed, urgent, spurious, mislocated int
	// labels has bit slotOf(label) set for each label with an error row.
	labels uint8
	// worst is the lowest IoU of a pair of boxes (2 when none).
	worst float64
}

// truthSum returns item i's summary, recomputed when its result or truth
// changed since.
func (m *Model) truthSum(i int) *truthSummary {
	d := &m.data
	if len(d.truthSums) != len(d.items) {
		d.truthSums = make([]truthSummary, len(d.items))
	}
	s := &d.truthSums[i]
	res, truth := d.rows.get(i).result, d.truthOf(i)
	if s.known && s.res == res && s.truth == unsafe.SliceData(truth) && s.n == len(truth) {
		return s
	}
	*s = truthSummary{res: res, truth: unsafe.SliceData(truth), n: len(truth), worst: 2}
	if !d.hasTruth(i) || res == nil {
		return s
	}
	s.known = true
	for _, e := range m.truthErrors(i) {
		switch e.Kind {
		case audit.ErrorMissed:
			s.missed++
			if e.Urgent {
				s.urgent++
			}
		case audit.ErrorSpurious:
			s.spurious++
		case audit.ErrorMislocated:
			s.mislocated++
		}
		if e.Kind != audit.ErrorMatched {
			s.labels |= 1 << labelBit(e.Label)
		}
		if e.IoU != nil {
			s.worst = min(s.worst, *e.IoU)
		}
	}
	return s
}

// labelBit numbers the positive labels for truthSummary.labels.
func labelBit(l schema.Label) int {
	if i := slices.Index(schema.PositiveLabels(), l); i >= 0 {
		return i
	}
	return 7
}

// TruthFilter narrows the worklist by the items' rows against their
// truth (the truth filter key cycles through them).
type TruthFilter int

// The truth filters: then one per positive label (an error row about it).
const (
	TruthFilterOff TruthFilter = iota
	TruthFilterErrors
	TruthFilterUrgentMissed
	TruthFilterMissed
	TruthFilterSpurious
	TruthFilterMislocated
	truthFilterLabels
)

// numTruthFilters counts the filters, one per positive label included.
var numTruthFilters = int(truthFilterLabels) + len(schema.PositiveLabels())

// String names the filter as the worklist title shows it.
func (f TruthFilter) String() string {
	switch f {
	case TruthFilterOff:
		return ""
	case TruthFilterErrors:
		return "truth errors"
	case TruthFilterUrgentMissed:
		return "urgent misses"
	case TruthFilterMissed:
		return "missed"
	case TruthFilterSpurious:
		return "spurious"
	case TruthFilterMislocated:
		return "mislocated"
	}
	return "errors on " + string(schema.PositiveLabels()[int(f-truthFilterLabels)])
}

// truthPasses reports whether item i passes the truth filter.
func (m *Model) truthPasses(i int) bool {
	f := m.truth.filter
	if f == TruthFilterOff {
		return true
	}
	s := m.truthSum(i)
	switch f {
	case TruthFilterErrors:
		return s.missed+s.spurious+s.mislocated > 0
	case TruthFilterUrgentMissed:
		return s.urgent > 0
	case TruthFilterMissed:
		return s.missed > 0
	case TruthFilterSpurious:
		return s.spurious > 0
	case TruthFilterMislocated:
		return s.mislocated > 0
	}
	return s.labels&(1<<int(f-truthFilterLabels)) != 0
}

// cycleTruthFilter moves to the next truth filter, and the cursor to
// the nearest item it keeps.
func (m *Model) cycleTruthFilter() tea.Cmd {
	m.truth.filter = TruthFilter((int(m.truth.filter) + 1) % numTruthFilters)
	m.nav.dirty = true
	cmd := m.toNearest()
	if m.truth.filter == TruthFilterOff {
		m.setMsg(msgInfo, "truth filter off")
		return cmd
	}
	m.setMsg(msgInfo, "truth filter: "+m.truth.filter.String()+" ("+count(len(m.nav.visible), "item")+" whose findings are loaded)")
	return cmd
}

// The truth orders, in the order the order key cycles through them.
const (
	truthOrderOff = iota
	truthOrderUrgentMissed
	truthOrderWorstIoU
	numTruthOrders
)

// cycleTruthOrder sets the next truth order: urgent misses first, then
// the worst IoU first, then the worklist's; like urgent first, fixed when
// asked for.
func (m *Model) cycleTruthOrder() tea.Cmd {
	m.truth.order = (m.truth.order + 1) % numTruthOrders
	m.nav.urgentFirst = false
	m.nav.order, m.nav.rank = nil, nil
	switch m.truth.order {
	case truthOrderUrgentMissed:
		m.nav.order = m.truthOrder(func(s *truthSummary) float64 { return -float64(s.urgent) })
		m.setMsg(msgInfo, "order: urgent misses first")
	case truthOrderWorstIoU:
		m.nav.order = m.truthOrder(func(s *truthSummary) float64 { return s.worst })
		m.setMsg(msgInfo, "order: worst IoU first")
	default:
		m.setMsg(msgInfo, "order: worklist")
	}
	if m.nav.order != nil {
		m.nav.rank = make([]int, len(m.nav.order))
		for r, i := range m.nav.order {
			m.nav.rank[i] = r
		}
	}
	m.nav.dirty = true
	if m.truth.order == truthOrderOff {
		return nil
	}
	m.refresh()
	if len(m.nav.visible) > 0 {
		return m.setCurrent(m.nav.visible[0]) // the worst first
	}
	return nil
}

// truthOrder sorts every item by key (smallest first; items without
// truth or result last), stably.
func (m *Model) truthOrder(key func(*truthSummary) float64) []int {
	order := make([]int, len(m.data.items))
	keys := make([]float64, len(order))
	for i := range order {
		order[i] = i
		keys[i] = 3
		if s := m.truthSum(i); s.known {
			keys[i] = key(s)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case keys[a] < keys[b]:
			return -1
		case keys[a] > keys[b]:
			return 1
		}
		return 0
	})
	return order
}

// truthTotals sums the rows against the truth over the worklist, for
// the status bar ("" when no item has truth and a result).
func (m *Model) truthTotals() string {
	var t truthSummary
	items := 0
	for i := range m.data.items {
		s := m.truthSum(i)
		if !s.known {
			continue
		}
		items++
		t.missed, t.urgent, t.spurious, t.mislocated = t.missed+s.missed, t.urgent+s.urgent, t.spurious+s.spurious, t.mislocated+s.mislocated
	}
	if items == 0 {
		return ""
	}
	out := "truth " + itoa(items) + ": " + itoa(t.missed) + " missed"
	if t.urgent > 0 {
		out += " (" + itoa(t.urgent) + " urgent)"
	}
	return out + ", " + itoa(t.spurious) + " spurious, " + itoa(t.mislocated) + " mislocated"
}

// truthTitle is what the worklist's title says of the truth filter and
// order.
func (m *Model) truthTitle() string {
	t := ""
	if m.truth.filter != TruthFilterOff {
		t += " " + m.truth.filter.String()
	}
	switch m.truth.order {
	case truthOrderUrgentMissed:
		t += " !misses first"
	case truthOrderWorstIoU:
		t += " worst IoU first"
	}
	return t
}
