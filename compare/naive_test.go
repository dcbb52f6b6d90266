package compare

import (
	"math"
	"sort"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// This file is a deliberately naive reference for the figures, written
// from docs/metrics.md and the harness's rules without the package's
// profiles, fixed point, capacities or shared matcher: items are repeated
// as many times as their weight says, boxes listed out copy by copy, every
// pair compared. The tests hold the package to it.

type naiveBox struct{ b schema.Box }

// naiveGreedy matches pred to truth one-to-one at min, taking candidates
// sorted by falling IoU, then by the first key's index, then the second's
// (predFirst: the harness's order; else truth first, the item protocol's).
func naiveGreedy(truth, pred []naiveBox, min float64, predFirst bool) (n int, sum float64) {
	type cand struct {
		iou  float64
		t, p int
	}
	var cs []cand
	for ti, t := range truth {
		for pi, p := range pred {
			if iou := p.b.IoU(t.b); iou >= min {
				cs = append(cs, cand{iou, ti, pi})
			}
		}
	}
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if a.iou != b.iou {
			return a.iou > b.iou
		}
		if predFirst {
			if a.p != b.p {
				return a.p < b.p
			}
			return a.t < b.t
		}
		if a.t != b.t {
			return a.t < b.t
		}
		return a.p < b.p
	})
	usedT, usedP := map[int]bool{}, map[int]bool{}
	for _, c := range cs {
		if usedT[c.t] || usedP[c.p] {
			continue
		}
		usedT[c.t], usedP[c.p] = true, true
		n++
		sum += c.iou
	}
	return n, sum
}

func naiveBoxes(fs []schema.Finding, l schema.Label, copies int) []naiveBox {
	var out []naiveBox
	for _, f := range fs {
		if f.Label == l && f.Box != nil && f.Box.Valid() {
			for range copies {
				out = append(out, naiveBox{b: *f.Box})
			}
		}
	}
	return out
}

func naivePred(it EvalItem) []schema.Finding {
	if it.ParseFailed || it.Missing {
		return nil
	}
	return it.Pred
}

// naiveFigures computes every figure by name for items each counted w[i]
// times (nil w: once: the point estimate). NaN is undefined: 0/0 under
// the card protocol, and in a resample under either.
func naiveFigures(items []EvalItem, w []int, p Protocol, urgent []schema.Label) map[string]float64 {
	card := p == ProtocolCard
	weight := func(i int) int {
		if w == nil {
			return 1
		}
		return w[i]
	}
	div := func(a, b float64) float64 {
		if b == 0 {
			if card || w != nil {
				return math.NaN()
			}
			return 0
		}
		return a / b
	}
	out := map[string]float64{}
	var tp, fp, fn [6]float64
	var items_, failed float64
	for i, it := range items {
		k := float64(weight(i))
		items_ += k
		if it.ParseFailed {
			failed += k
		}
		for s, l := range schema.Labels() {
			tr, pr := has(it.Truth, l), has(naivePred(it), l)
			switch {
			case tr && pr:
				tp[s] += k
			case pr:
				fp[s] += k
			case tr:
				fn[s] += k
			}
		}
	}
	var f1s []float64
	for s, l := range schema.PositiveLabels() {
		prec, rec := div(tp[s], tp[s]+fp[s]), div(tp[s], tp[s]+fn[s])
		f1 := 0.0
		switch {
		case !card: // the harmonic mean, or 0 with no true positive
			f1 = div(2*tp[s], 2*tp[s]+fp[s]+fn[s])
		case math.IsNaN(prec) || math.IsNaN(rec):
			f1 = math.NaN()
		case prec+rec > 0:
			f1 = 2 * prec * rec / (prec + rec)
		}
		out[string(l)+"/precision"], out[string(l)+"/recall"], out[string(l)+"/f1"] = prec, rec, f1
		if card && !math.IsNaN(f1) || !card && tp[s]+fn[s] > 0 {
			f1s = append(f1s, f1)
		}
	}
	sum := 0.0
	for _, v := range f1s {
		sum += v
	}
	out["macro_f1"] = div(sum, float64(len(f1s)))
	for _, l := range urgent {
		s := slotOf(l)
		out["urgent/"+string(l)] = div(tp[s], tp[s]+fn[s])
	}
	out["parse_failure_rate"] = div(failed, items_)

	var tb, pb float64
	matched := map[float64]float64{}
	iouSum := map[float64]float64{}
	for _, l := range schema.PositiveLabels() {
		var poolT, poolP []naiveBox
		for i, it := range items {
			k := weight(i)
			if card {
				poolT = append(poolT, naiveBoxes(it.Truth, l, k)...)
				poolP = append(poolP, naiveBoxes(naivePred(it), l, k)...)
				continue
			}
			t, pr := naiveBoxes(it.Truth, l, 1), naiveBoxes(naivePred(it), l, 1)
			tb += float64(k * len(t))
			pb += float64(k * len(pr))
			for _, th := range []float64{LooseIoU, StrictIoU, AnyOverlapIoU} {
				n, s := naiveGreedy(t, pr, th, false)
				matched[th] += float64(k * n)
				iouSum[th] += float64(k) * s
			}
		}
		if card {
			tb += float64(len(poolT))
			pb += float64(len(poolP))
			for _, th := range []float64{LooseIoU, StrictIoU, AnyOverlapIoU} {
				n, s := naiveGreedy(poolT, poolP, th, true)
				matched[th] += float64(n)
				iouSum[th] += s
			}
		}
	}
	out["iou_0.3/rate"], out["iou_0.3/precision"] = div(matched[LooseIoU], tb), div(matched[LooseIoU], pb)
	out["iou_0.5/rate"], out["iou_0.5/precision"] = div(matched[StrictIoU], tb), div(matched[StrictIoU], pb)
	out["mean_iou"] = div(iouSum[LooseIoU], matched[LooseIoU])
	out["mean_iou_any"] = div(iouSum[AnyOverlapIoU], matched[AnyOverlapIoU])
	return out
}

// reportEstimates names every estimate of a report as naiveFigures does.
func reportEstimates(r Report) map[string]Estimate {
	out := map[string]Estimate{}
	for l, p := range r.Presence {
		out[string(l)+"/precision"], out[string(l)+"/recall"], out[string(l)+"/f1"] = p.Precision, p.Recall, p.F1
	}
	out["macro_f1"] = r.MacroF1
	for l, u := range r.UrgentRecall {
		out["urgent/"+string(l)] = u.Recall
	}
	out["parse_failure_rate"] = r.ParseFailureRate
	out["iou_0.3/rate"], out["iou_0.3/precision"] = r.Localization.Loose.Rate, r.Localization.Loose.Precision
	out["iou_0.5/rate"], out["iou_0.5/precision"] = r.Localization.Strict.Rate, r.Localization.Strict.Precision
	out["mean_iou"], out["mean_iou_any"] = r.Localization.MeanIoU, r.Localization.MeanIoUAny
	return out
}

// naiveInterval is the type-7 percentile interval of the defined values.
func naiveInterval(vals []float64, level float64) (float64, float64) {
	var d []float64
	for _, v := range vals {
		if !math.IsNaN(v) {
			d = append(d, v)
		}
	}
	if len(d) == 0 {
		return math.NaN(), math.NaN()
	}
	sort.Float64s(d)
	q := func(p float64) float64 {
		h := float64(len(d)-1) * p
		i := int(h)
		if i+1 >= len(d) {
			return d[len(d)-1]
		}
		return d[i] + (h-float64(i))*(d[i+1]-d[i])
	}
	return q((1 - level) / 2), q((1 + level) / 2)
}
