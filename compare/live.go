package compare

import (
	"context"
	"fmt"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Live keeps one run's item-protocol figures, intervals included, current
// while results and truth corrections arrive: the workstation's metrics
// pane. It holds every resample's counts, so changing one item costs one
// weight and one vector update per resample, and Report only recomputes
// the figures (docs/performance.md has the timings). Its figures equal
// Evaluate's on the same items and options, but for the mean IoUs, kept
// in fixed point (exact to 1e-9). Not safe for concurrent use.
type Live struct {
	opts   Options
	urgent []schema.Label
	s      *Scores
	index  map[string]int32
	res    []sums
	point  sums
	n      int
}

// NewLive scores items (as Evaluate would, with opts; the protocol must be
// the item protocol, whose counts add up item by item) and computes every
// resample once. It honours ctx.
func NewLive(ctx context.Context, items []EvalItem, opts Options) (*Live, error) {
	if opts.Protocol != "" && opts.Protocol != ProtocolItem {
		return nil, fmt.Errorf("live figures use the item protocol, not %q", opts.Protocol)
	}
	opts.Protocol = ProtocolItem
	if opts.Bootstrap.Resamples > 0 {
		if err := opts.Bootstrap.Validate(); err != nil {
			return nil, err
		}
	}
	l := &Live{opts: opts, urgent: uniqueLabels(opts.Urgent), s: NewScores(ProtocolItem), index: map[string]int32{}}
	for _, it := range items {
		if err := l.s.Add(it); err != nil {
			return nil, err
		}
		l.index[it.ID] = int32(l.s.Len() - 1)
	}
	l.n = l.s.Len()
	l.point, _, _ = l.s.totals()
	var err error
	if l.res, err = resampleSums(ctx, l.s, opts.Bootstrap); err != nil {
		return nil, err
	}
	return l, nil
}

// Len is the number of items scored.
func (l *Live) Len() int { return l.n }

// Put scores it, adding it or replacing the item with the same ID (a new
// result, or its truth corrected).
func (l *Live) Put(it EvalItem) error {
	i, known := l.index[it.ID]
	if !known {
		if err := l.s.Add(it); err != nil {
			return err
		}
		i = int32(l.s.Len() - 1)
		l.index[it.ID] = i
		l.n++
		l.apply(i, profile{}, 0, 0)
		return nil
	}
	old := l.s.profiles[l.s.items[i].prof]
	oldLoose, oldAny := l.s.fixedOf(i)
	if old[dItems] == 0 {
		l.n++
	}
	p, loose, anyIoU := l.s.score(it)
	l.s.set(i, p, loose, anyIoU)
	l.apply(i, old, oldLoose, oldAny)
	return nil
}

// Remove takes the item with this id out of the figures (its truth was
// withdrawn); it reports whether the item was there.
func (l *Live) Remove(id string) bool {
	i, known := l.index[id]
	if !known || l.s.profiles[l.s.items[i].prof][dItems] == 0 {
		return false
	}
	old := l.s.profiles[l.s.items[i].prof]
	oldLoose, oldAny := l.s.fixedOf(i)
	l.s.set(i, profile{}, 0, 0)
	l.apply(i, old, oldLoose, oldAny)
	l.n--
	return true
}

// apply moves item i's contribution from the old counts to its current
// ones, in the point estimate and in every resample.
func (l *Live) apply(i int32, old profile, oldLoose, oldAny int64) {
	var d sums
	cur := &l.s.profiles[l.s.items[i].prof]
	for k := range cur {
		d[k] = int64(cur[k]) - int64(old[k])
	}
	curLoose, curAny := l.s.fixedOf(i)
	d[dIoULoose], d[dIoUAny] = curLoose-oldLoose, curAny-oldAny
	key, seed := l.s.items[i].key, l.opts.Bootstrap.Seed
	for k := range d {
		l.point[k] += d[k]
	}
	for r := range l.res {
		w := weight(key, seed, r)
		if w == 0 {
			continue
		}
		for k := range d {
			l.res[r][k] += w * d[k]
		}
	}
}

// Report returns the figures as they stand.
func (l *Live) Report() Report {
	rf := runFigures{point: l.point, pointFigs: fixedFigures(&l.point, ProtocolItem, false), resamples: make([]figures, len(l.res))}
	for r := range l.res {
		rf.resamples[r] = fixedFigures(&l.res[r], ProtocolItem, true)
	}
	return buildReport(&rf, l.opts, l.urgent)
}
