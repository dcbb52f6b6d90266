package compare

import (
	"math"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// buildPair compares run b with baseline a (CompareRuns).
func buildPair(a, b NamedScores, fa, fb *runFigures, opts Options, urgent []schema.Label) Pair {
	var point figures
	for f := range point {
		point[f] = fb.pointFigs[f] - fa.pointFigs[f]
	}
	res := make([]figures, len(fb.resamples))
	for r := range res {
		for f := range res[r] {
			res[r][f] = fb.resamples[r][f] - fa.resamples[r][f]
		}
	}
	e := &estimator{point: &point, res: res, level: opts.Bootstrap.Level, pooled: opts.Protocol == ProtocolCard}
	// A difference is read against the smaller of the two supports.
	ta, tb := &fa.point, &fb.point
	support := func(d ...int) int64 {
		var sa, sb int64
		for _, x := range d {
			sa, sb = sa+ta[x], sb+tb[x]
		}
		return min(sa, sb)
	}
	p := Pair{
		Baseline:         a.Name,
		Run:              b.Name,
		Presence:         map[schema.Label]PairPresence{},
		MacroF1:          e.of(fMacroF1, MinSupport),
		Loose:            PairLocalization{e.loc(fLooseRate, support(dTruthBoxes)), e.loc(fLoosePrecision, support(dPredBoxes))},
		Strict:           PairLocalization{e.loc(fStrictRate, support(dTruthBoxes)), e.loc(fStrictPrecision, support(dPredBoxes))},
		MeanIoU:          e.loc(fMeanIoU, support(dLoose)),
		MeanIoUAny:       e.loc(fMeanIoUAny, support(dAny)),
		ParseFailureRate: e.of(fFailureRate, support(dItems)),
		UrgentRecall:     map[schema.Label]Estimate{},
	}
	for slot, l := range schema.PositiveLabels() {
		n := ta[3*slot] + ta[3*slot+2]
		p.Presence[l] = PairPresence{
			N:         int(n),
			Precision: e.of(3*slot, support(3*slot, 3*slot+1)),
			Recall:    e.of(3*slot+1, n),
			F1:        e.of(3*slot+2, n),
			McNemar:   mcnemar(a.Scores, b.Scores, slot),
		}
	}
	for _, l := range urgent {
		slot := slotOf(l)
		p.UrgentRecall[l] = e.of(recallFigure(slot), ta[3*slot]+ta[3*slot+2])
	}
	return p
}

// mcnemar counts the items where exactly one of the runs is right about
// the presence of the label in slot, and tests them.
func mcnemar(a, b *Scores, slot int) McNemar {
	right := func(s *Scores, i int) bool {
		p := &s.profiles[s.items[i].prof]
		return p[3*slot+1] == 0 && p[3*slot+2] == 0
	}
	var m McNemar
	for i := range a.items {
		ra, rb := right(a, i), right(b, i)
		switch {
		case ra && !rb:
			m.BaselineOnly++
		case rb && !ra:
			m.RunOnly++
		}
	}
	m.P = binomialTwoSided(m.BaselineOnly, m.RunOnly)
	return m
}

// binomialTwoSided is the exact two-sided binomial test of b against c at
// p = 1/2 (McNemar's exact test, the sign test): twice the probability of
// a split at least as uneven, at most 1; 1 when b + c = 0.
func binomialTwoSided(b, c int) float64 {
	n := b + c
	if n == 0 {
		return 1
	}
	k := min(b, c)
	nf := float64(n)
	lgN, _ := math.Lgamma(nf + 1)
	lgK, _ := math.Lgamma(float64(k) + 1)
	lgNK, _ := math.Lgamma(nf - float64(k) + 1)
	// The terms fall from j = k down to 0 (k <= n/2), so sum them from the
	// largest, each from the one before: C(n, j-1) = C(n, j) · j / (n-j+1).
	term := math.Exp(lgN - lgK - lgNK - nf*math.Ln2)
	sum := 0.0
	for j := k; j >= 0 && term > 0; j-- {
		sum += term
		if term < sum*1e-17 {
			break
		}
		term *= float64(j) / (nf - float64(j) + 1)
	}
	return math.Min(1, 2*sum)
}
