package compare

import (
	"context"
	"errors"
	"runtime"
	"sync"
)

// runFigures is one run scored: the counts and figures of the point
// estimate, and the figures of every resample.
type runFigures struct {
	point     sums
	pointFigs figures
	resamples []figures
}

// evaluateRun scores s under p, with b's resamples.
func evaluateRun(ctx context.Context, s *Scores, p Protocol, b Bootstrap) (runFigures, error) {
	var rf runFigures
	var loose, anyIoU float64
	rf.point, loose, anyIoU = s.totals()
	var cm *cardMatcher
	if p == ProtocolCard {
		if !s.pooled {
			return rf, errors.New("the card protocol needs scores that keep their boxes: NewScores(ProtocolCard)")
		}
		var err error
		if cm, err = newCardMatcher(ctx, s); err != nil {
			return rf, err
		}
		loose, anyIoU = cm.match(&rf.point)
	}
	rf.pointFigs = figuresOf(&rf.point, loose, anyIoU, p, false)
	res, err := resampleSums(ctx, s, b)
	if err != nil {
		return rf, err
	}
	rf.resamples = make([]figures, len(res))
	for r := range res {
		rf.resamples[r] = fixedFigures(&res[r], p, true)
	}
	return rf, nil
}

// group is how many resamples one pass over the items computes: two
// pairs, so a pass costs two hashes per item and the items are read once
// for four resamples.
const group = 4

// resampleSums returns the counts of each of b's resamples of s, boxes
// matched within items (the card protocol's pooled matching has no
// interval: docs/metrics.md says why). Groups of resamples are shared
// among GOMAXPROCS workers; each resample depends only on its number, so
// the result does not depend on how they are shared.
func resampleSums(ctx context.Context, s *Scores, b Bootstrap) ([]sums, error) {
	out := make([]sums, b.Resamples)
	groups := (b.Resamples + group - 1) / group
	workers := min(runtime.GOMAXPROCS(0), groups)
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Go(func() {
			rw := newResampler(s)
			for g := w; g < groups; g += workers {
				if err := ctx.Err(); err != nil {
					errs[w] = err
					return
				}
				res := rw.sums(b.Seed, g)
				copy(out[g*group:min(len(out), (g+1)*group)], res[:])
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// resampler is one worker's scratch space: a histogram of profiles per
// resample of a group, interleaved (profile-major) so one item's four
// additions share a cache line.
type resampler struct {
	s    *Scores
	hist []int64
}

func newResampler(s *Scores) *resampler {
	return &resampler{s: s, hist: make([]int64, group*len(s.profiles))}
}

// sums returns the counts of resamples group*g to group*g+3: each item's
// profile and IoU sums weighted by its Poisson count in each. This loop is
// the cost of eval at scale (docs/performance.md), hence the layout.
func (rw *resampler) sums(seed uint64, g int) [group]sums {
	s, hist := rw.s, rw.hist
	clear(hist)
	ps0, ps1 := pairSeed(seed, 2*g), pairSeed(seed, 2*g+1)
	var fixLoose, fixAny [group]int64
	for i := range s.items {
		it := &s.items[i]
		x0, x1 := mix64(it.key^ps0), mix64(it.key^ps1)
		w := [group]int64{poisson(uint32(x0 >> 32)), poisson(uint32(x0)), poisson(uint32(x1 >> 32)), poisson(uint32(x1))}
		h := hist[group*int(it.prof) : group*int(it.prof)+group : group*int(it.prof)+group]
		h[0] += w[0]
		h[1] += w[1]
		h[2] += w[2]
		h[3] += w[3]
		if j := it.iou; j >= 0 {
			fl, fa := s.fixLoose[j], s.fixAny[j]
			for r := range group {
				fixLoose[r] += w[r] * fl
				fixAny[r] += w[r] * fa
			}
		}
	}
	var out [group]sums
	for id := range s.profiles {
		for r := range group {
			addProfile(&out[r], &s.profiles[id], hist[group*id+r])
		}
	}
	for r := range group {
		out[r][dIoULoose], out[r][dIoUAny] = fixLoose[r], fixAny[r]
	}
	return out
}
