package compare

import (
	"context"
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
		l, a := fixedSums(&res[r])
		rf.resamples[r] = figuresOf(&res[r], l, a, p, true)
	}
	return rf, nil
}

// resampleSums returns the counts of each of b's resamples of s, boxes
// matched within items (the card protocol's pooled matching has no
// interval: docs/metrics.md says why). Resamples are
// shared among GOMAXPROCS workers; each depends only on its number, so
// the result does not depend on how they are shared.
func resampleSums(ctx context.Context, s *Scores, b Bootstrap) ([]sums, error) {
	out := make([]sums, b.Resamples)
	workers := min(runtime.GOMAXPROCS(0), b.Resamples)
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Go(func() {
			rw := newResampler(s)
			for r := w; r < b.Resamples; r += workers {
				if err := ctx.Err(); err != nil {
					errs[w] = err
					return
				}
				out[r] = rw.sums(resampleSeed(b.Seed, r))
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

// resampler is one worker's scratch space.
type resampler struct {
	s    *Scores
	hist []int64
}

func newResampler(s *Scores) *resampler {
	return &resampler{s: s, hist: make([]int64, len(s.profiles))}
}

// sums returns the counts of the resample with seed rs: each item's
// profile and IoU sums weighted by its Poisson count. This loop is the
// cost of eval at scale (docs/performance.md), hence the inlined draw.
func (rw *resampler) sums(rs uint64) sums {
	s := rw.s
	clear(rw.hist)
	var fixLoose, fixAny int64
	for i, k := range s.keys {
		u := uint32(mix64(k^rs) >> 32)
		var w int64
		switch {
		case u < poissonCut[0]:
			continue
		case u < poissonCut[1]:
			w = 1
		default:
			w = 2
			for int(w) < len(poissonCut) && u >= poissonCut[w] {
				w++
			}
		}
		rw.hist[s.prof[i]] += w
		fixLoose += w * s.fixLoose[i]
		fixAny += w * s.fixAny[i]
	}
	var t sums
	for id, c := range rw.hist {
		addProfile(&t, &s.profiles[id], c)
	}
	t[dIoULoose], t[dIoUAny] = fixLoose, fixAny
	return t
}
