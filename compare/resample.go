package compare

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// The bootstrap defaults (docs/metrics.md, "Confidence intervals").
const (
	DefaultResamples = 2000
	DefaultLevel     = 0.95
	// MaxResamples bounds Bootstrap.Resamples, so a typo cannot ask for
	// hours of work.
	MaxResamples = 100_000
	// MinSupport is the count under which an interval is marked as
	// resting on too few cases (Estimate.SmallN).
	MinSupport = 10
)

// BootstrapMethod names the resampling scheme in reports.
const BootstrapMethod = "poisson"

// Bootstrap sets the percentile bootstrap behind every interval: a
// Poisson bootstrap over items, each item weighted in each resample by a
// Poisson(1) count drawn from its id, the seed and the resample number
// (docs/metrics.md gives the generator, so the intervals can be reproduced
// elsewhere). The same seed gives the same intervals bit for bit, whatever
// the item order or the number of cores, and two runs scored with the same
// seed are resampled in pairs.
type Bootstrap struct {
	// Resamples is the number of resamples; 0 computes no interval (the
	// interval bounds are then NaN, null in JSON).
	Resamples int `json:"resamples"`
	// Seed selects the resamples.
	Seed uint64 `json:"seed"`
	// Level is the interval's coverage, in (0, 1).
	Level float64 `json:"level"`
}

// DefaultBootstrap returns 2,000 resamples at the 95% level with seed 1.
func DefaultBootstrap() Bootstrap {
	return Bootstrap{Resamples: DefaultResamples, Seed: 1, Level: DefaultLevel}
}

// ErrBadBootstrap is wrapped by the error for unusable bootstrap settings.
var ErrBadBootstrap = errors.New("bad bootstrap settings")

// Validate checks the settings: 0 to MaxResamples resamples and a level
// strictly between 0 and 1.
func (b Bootstrap) Validate() error {
	switch {
	case b.Resamples < 0 || b.Resamples > MaxResamples:
		return fmt.Errorf("%w: resamples %d (want 0 to %d)", ErrBadBootstrap, b.Resamples, MaxResamples)
	case !(b.Level > 0 && b.Level < 1):
		return fmt.Errorf("%w: level %v (want a number between 0 and 1, such as 0.95)", ErrBadBootstrap, b.Level)
	}
	return nil
}

// mix64 is the SplitMix64 finalizer: a bijection that spreads every input
// bit over the output.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// itemKey is an item's resampling identity: its id hashed with FNV-1a
// (64 bits), then mixed.
func itemKey(id string) uint64 {
	h := uint64(0xcbf29ce484222325)
	for i := 0; i < len(id); i++ {
		h ^= uint64(id[i])
		h *= 0x100000001b3
	}
	return mix64(h)
}

// pairSeed is the stream of the pair of resamples 2p and 2p+1: the p+1-th
// output of SplitMix64 started at seed.
func pairSeed(seed uint64, p int) uint64 {
	return mix64(seed + uint64(p+1)*0x9e3779b97f4a7c15)
}

// poissonCut[k] is floor(2^32 · P(X <= k)) for X ~ Poisson(1); past k = 11
// it would reach 2^32, so weights stop at 12. TestPoissonCuts recomputes
// them.
var poissonCut = [...]uint32{
	1580030168, 3160060337, 3950075421, 4213413783, 4279248373, 4292415291,
	4294609777, 4294923276, 4294962463, 4294966817, 4294967252, 4294967292,
}

// The first cuts as constants, for the common case without a table.
const (
	cut0 = 1580030168
	cut1 = 3160060337
	cut2 = 3950075421
	cut3 = 4213413783
)

// poisson is the Poisson(1) inverse CDF at u / 2^32: how many cuts u
// reaches. Weights 0 to 3 (98% of draws) take no branch that depends on
// u but the rare one; weights are random, so a branch per weight would be
// mispredicted a third of the time in eval's hottest loop.
func poisson(u uint32) int64 {
	if u >= cut3 {
		w := int64(4)
		for int(w) < len(poissonCut) && u >= poissonCut[w] {
			w++
		}
		return w
	}
	return b2i(u >= cut0) + b2i(u >= cut1) + b2i(u >= cut2)
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// weight is the Poisson(1) count of the item with key k in resample r of
// the given seed: the resamples come in pairs, and mix64(k ^ pairSeed)
// gives the even one its high 32 bits and the odd one its low 32.
func weight(k, seed uint64, r int) int64 {
	x := mix64(k ^ pairSeed(seed, r/2))
	if r%2 == 0 {
		return poisson(uint32(x >> 32))
	}
	return poisson(uint32(x))
}

// percentile returns the type-7 quantile (linear interpolation between
// order statistics, numpy's default) of sorted at p in [0, 1].
func percentile(sorted []float64, p float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	h := float64(n-1) * p
	lo := int(math.Floor(h))
	if lo >= n-1 {
		return sorted[n-1]
	}
	return sorted[lo] + (h-float64(lo))*(sorted[lo+1]-sorted[lo])
}

// interval returns the percentile interval at level of the defined (not
// NaN) values of vals, which it reorders; NaN bounds when none is defined.
func interval(vals []float64, level float64) (lo, hi float64) {
	defined := vals[:0]
	for _, v := range vals {
		if !math.IsNaN(v) {
			defined = append(defined, v)
		}
	}
	slices.Sort(defined)
	a := (1 - level) / 2
	return percentile(defined, a), percentile(defined, 1-a)
}
