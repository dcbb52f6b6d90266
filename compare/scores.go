package compare

import (
	"errors"
	"fmt"
	"math"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// The counts every figure is computed from, summed over items (weighted by
// the resample's weights in a resample). Presence has three counts (TP,
// FP, FN) per label slot, in schema.Labels order; the IoU sums are fixed
// point (fixScale), so sums are exact and do not depend on the order.
const (
	nSlots      = 6
	dItems      = 3 * nSlots
	dFailed     = dItems + 1
	dMissing    = dItems + 2
	dTruthBoxes = dItems + 3
	dPredBoxes  = dItems + 4
	dLoose      = dItems + 5 // matched pairs at LooseIoU
	dStrict     = dItems + 6 // matched pairs at StrictIoU
	dAny        = dItems + 7 // matched pairs at AnyOverlapIoU
	nCounts     = dItems + 8 // the dimensions of a profile
	dIoULoose   = nCounts    // sum of the IoUs matched at LooseIoU
	dIoUAny     = nCounts + 1
	nDims       = nCounts + 2
)

// fixScale turns an IoU into fixed point (2^32 units).
const fixScale = 1 << 32

// maxMatches bounds the matched pairs of one set of scores, so that
// fixed-point IoU sums weighted by up to 12 cannot overflow an int64.
const maxMatches = 1 << 27

// ErrTooLarge is wrapped by the error for a set of scores too large for
// the arithmetic (or, for the card protocol, for its pooled matching).
var ErrTooLarge = errors.New("too large to score")

// sums is one vector of counts (see the d constants).
type sums [nDims]int64

// profile is the counts of one item (the first nCounts dimensions).
// Items with equal profiles share one entry, which lets a resample add a
// weight per item instead of a vector.
type profile [nCounts]int32

// slotOf returns the label's slot in schema.Labels order, or -1.
func slotOf(l schema.Label) int {
	switch l {
	case schema.PleuralEffusion:
		return 0
	case schema.Pneumothorax:
		return 1
	case schema.LungOpacity:
		return 2
	case schema.NoduleMass:
		return 3
	case schema.Cardiomegaly:
		return 4
	case schema.NoFinding:
		return 5
	}
	return -1
}

// pooledBox is one box of the card protocol's per-label pool and the item
// it came from.
type pooledBox struct {
	b    schema.Box
	item int32
}

// scoredItem is one item as the resamples read it: 16 bytes, so the
// resampling loop streams through memory.
type scoredItem struct {
	key  uint64 // resampling identity (itemKey)
	prof int32  // index into profiles
	iou  int32  // index into the IoU sums, -1 when the item matched no box
}

// Scores is one run's items reduced to what the figures need, in the order
// they were added: the input of Evaluate and CompareRuns. Build it with
// NewScores and Add; it holds no findings, so a million items fit in tens
// of megabytes. Not safe for concurrent Add.
type Scores struct {
	items []scoredItem
	seen  map[uint64]int32
	// IoU sums at LooseIoU and AnyOverlapIoU of the items with a matched
	// pair: fixed point for the resamples, float for the point estimates.
	fixLoose, fixAny []int64
	iouLoose, iouAny []float64
	matches          int64

	profiles []profile
	lookup   map[profile]int32

	// truth and pred pool the valid boxes of each positive label across
	// items (card protocol), in item then finding order.
	truth, pred [nSlots - 1][]pooledBox
	pooled      bool // the pools are kept (NewScores(ProtocolCard))
	maxPairs    int  // MaxCardPairs when 0 (tests lower it)

	scratchT, scratchP []schema.Box
	scratch            []pair
}

// NewScores returns an empty set of scores for protocol p: only the card
// protocol needs every box kept, pooled across items, and such scores
// serve the item protocol too.
func NewScores(p Protocol) *Scores {
	return &Scores{seen: map[uint64]int32{}, lookup: map[profile]int32{}, pooled: p == ProtocolCard}
}

// ScoreItems scores items in order (NewScores(p), then Add for each).
func ScoreItems(items []EvalItem, p Protocol) (*Scores, error) {
	s := NewScores(p)
	for _, it := range items {
		if err := s.Add(it); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Len is the number of items added.
func (s *Scores) Len() int { return len(s.items) }

// Add scores one item and appends it. An id already added (or, with odds
// of 2^-64 per pair, one hashing like it) is an error.
// Findings with labels outside the vocabulary are ignored; nil or invalid
// boxes take part in presence only. A ParseFailed or Missing item predicts
// nothing.
func (s *Scores) Add(it EvalItem) error {
	k := itemKey(it.ID)
	if prev, dup := s.seen[k]; dup {
		return fmt.Errorf("item %q: duplicate id (or one hashing like it: item %d)", it.ID, prev+1)
	}
	p, loose, anyIoU := s.score(it)
	s.matches += int64(p[dAny])
	if s.matches > maxMatches {
		return fmt.Errorf("%w: more than %d matched boxes", ErrTooLarge, maxMatches)
	}
	n := int32(len(s.items))
	s.seen[k] = n
	s.items = append(s.items, scoredItem{key: k, prof: s.intern(p), iou: -1})
	s.setIoU(n, loose, anyIoU)
	if !s.pooled {
		return nil
	}
	pred := it.predicted()
	for i, l := range schema.PositiveLabels() {
		s.truth[i] = poolBoxes(s.truth[i], it.Truth, l, n)
		s.pred[i] = poolBoxes(s.pred[i], pred, l, n)
	}
	return nil
}

// set replaces item i's profile and IoU sums (Live).
func (s *Scores) set(i int32, p profile, loose, anyIoU float64) {
	s.matches += int64(p[dAny]) - int64(s.profiles[s.items[i].prof][dAny])
	s.items[i].prof = s.intern(p)
	s.setIoU(i, loose, anyIoU)
}

// setIoU records item i's IoU sums, giving it a slot when it first has
// any.
func (s *Scores) setIoU(i int32, loose, anyIoU float64) {
	j := s.items[i].iou
	if j < 0 {
		if loose == 0 && anyIoU == 0 {
			return
		}
		j = int32(len(s.iouLoose))
		s.items[i].iou = j
		s.iouLoose, s.iouAny = append(s.iouLoose, 0), append(s.iouAny, 0)
		s.fixLoose, s.fixAny = append(s.fixLoose, 0), append(s.fixAny, 0)
	}
	s.iouLoose[j], s.iouAny[j] = loose, anyIoU
	s.fixLoose[j], s.fixAny[j] = toFixed(loose), toFixed(anyIoU)
}

// fixedOf returns item i's fixed-point IoU sums.
func (s *Scores) fixedOf(i int32) (loose, anyIoU int64) {
	if j := s.items[i].iou; j >= 0 {
		return s.fixLoose[j], s.fixAny[j]
	}
	return 0, 0
}

// sameItems reports whether o holds the same items as s in the same order.
func (s *Scores) sameItems(o *Scores) bool {
	if len(s.items) != len(o.items) {
		return false
	}
	for i := range s.items {
		if s.items[i].key != o.items[i].key {
			return false
		}
	}
	return true
}

func toFixed(v float64) int64 { return int64(math.Round(v * fixScale)) }

func poolBoxes(dst []pooledBox, fs []schema.Finding, l schema.Label, item int32) []pooledBox {
	for _, f := range fs {
		if f.Label == l && f.Box != nil && f.Box.Valid() {
			dst = append(dst, pooledBox{*f.Box, item})
		}
	}
	return dst
}

func (s *Scores) intern(p profile) int32 {
	if id, ok := s.lookup[p]; ok {
		return id
	}
	id := int32(len(s.profiles))
	s.profiles = append(s.profiles, p)
	s.lookup[p] = id
	return id
}

// score reduces one item to its profile and its IoU sums at LooseIoU and
// AnyOverlapIoU, matching boxes within the item (the item protocol).
func (s *Scores) score(it EvalItem) (p profile, loose, anyIoU float64) {
	pred := it.predicted()
	p[dItems] = 1
	switch {
	case it.ParseFailed:
		p[dFailed] = 1
	case it.Missing:
		p[dMissing] = 1
	}
	for slot, l := range schema.Labels() {
		tr, pr := has(it.Truth, l), has(pred, l)
		switch {
		case tr && pr:
			p[3*slot]++
		case pr:
			p[3*slot+1]++
		case tr:
			p[3*slot+2]++
		}
		if l == schema.NoFinding {
			continue
		}
		s.scratchT = boxesFor(s.scratchT[:0], it.Truth, l)
		s.scratchP = boxesFor(s.scratchP[:0], pred, l)
		p[dTruthBoxes] += int32(len(s.scratchT))
		p[dPredBoxes] += int32(len(s.scratchP))
		if len(s.scratchT) == 0 || len(s.scratchP) == 0 {
			continue
		}
		var n int
		var sum float64
		s.scratch, n, sum = greedyMatch(s.scratch[:0], s.scratchT, s.scratchP, LooseIoU, nil)
		p[dLoose] += int32(n)
		loose += sum
		s.scratch, n, _ = greedyMatch(s.scratch[:0], s.scratchT, s.scratchP, StrictIoU, nil)
		p[dStrict] += int32(n)
		s.scratch, n, sum = greedyMatch(s.scratch[:0], s.scratchT, s.scratchP, AnyOverlapIoU, nil)
		p[dAny] += int32(n)
		anyIoU += sum
	}
	return p, loose, anyIoU
}

// totals returns the counts summed over every item with weight 1, and the
// IoU sums in float, added in item order.
func (s *Scores) totals() (sums, float64, float64) {
	counts := make([]int64, len(s.profiles))
	for _, it := range s.items {
		counts[it.prof]++
	}
	var t sums
	for id, c := range counts {
		addProfile(&t, &s.profiles[id], c)
	}
	var loose, anyIoU float64
	for i := range s.iouLoose {
		loose += s.iouLoose[i]
		anyIoU += s.iouAny[i]
		t[dIoULoose] += s.fixLoose[i]
		t[dIoUAny] += s.fixAny[i]
	}
	return t, loose, anyIoU
}

// addProfile adds w times p to t.
func addProfile(t *sums, p *profile, w int64) {
	if w == 0 {
		return
	}
	for d, v := range p {
		t[d] += w * int64(v)
	}
}
