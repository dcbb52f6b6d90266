package compare

import "math"

// The figures computed from one vector of counts, by index: precision,
// recall and F1 per positive label slot, then the pooled ones.
const (
	fMacroF1         = 3 * (nSlots - 1)
	fLooseRate       = fMacroF1 + 1
	fLoosePrecision  = fMacroF1 + 2
	fStrictRate      = fMacroF1 + 3
	fStrictPrecision = fMacroF1 + 4
	fMeanIoU         = fMacroF1 + 5
	fMeanIoUAny      = fMacroF1 + 6
	fFailureRate     = fMacroF1 + 7
	fNoFindingRecall = fMacroF1 + 8 // urgent recall when no_finding is on the list
	nFigures         = fMacroF1 + 9
)

// figures is one value per figure index; NaN is undefined (card protocol).
type figures [nFigures]float64

// recallFigure returns the index of the recall of the label in slot.
func recallFigure(slot int) int {
	if slot == nSlots-1 {
		return fNoFindingRecall
	}
	return 3*slot + 1
}

// figuresOf computes every figure from t under protocol p. loose and
// anyIoU are the IoU sums at LooseIoU and AnyOverlapIoU (the point
// estimate passes float sums; a resample passes t's fixed-point ones).
// The card protocol leaves 0/0 undefined (NaN), an F1 undefined when its
// precision or recall is, and averages the defined F1s. The item protocol
// reports 0/0 as 0 in its point estimate, takes F1 as 2TP/(2TP+FP+FN) and
// averages it over the labels with truth positives; in a resample
// (resample true) its 0/0 is undefined too, so a resample where a figure
// has no denominator is left out of that figure's interval rather than
// pulling it to 0.
func figuresOf(t *sums, loose, anyIoU float64, p Protocol, resample bool) figures {
	card := p == ProtocolCard
	div := func(num, den float64) float64 {
		switch {
		case den != 0:
			return num / den
		case card || resample:
			return math.NaN()
		}
		return 0
	}
	var f figures
	var f1Sum float64
	var f1N int
	for slot := range nSlots {
		tp, fp, fn := float64(t[3*slot]), float64(t[3*slot+1]), float64(t[3*slot+2])
		recall := div(tp, tp+fn)
		if slot == nSlots-1 {
			f[fNoFindingRecall] = recall
			continue
		}
		precision := div(tp, tp+fp)
		var f1 float64
		switch {
		case !card:
			f1 = div(2*tp, 2*tp+fp+fn)
		case math.IsNaN(precision) || math.IsNaN(recall):
			f1 = math.NaN()
		case precision+recall > 0:
			f1 = 2 * precision * recall / (precision + recall)
		}
		f[3*slot], f[3*slot+1], f[3*slot+2] = precision, recall, f1
		if (card && !math.IsNaN(f1)) || (!card && tp+fn > 0) {
			f1Sum += f1
			f1N++
		}
	}
	f[fMacroF1] = div(f1Sum, float64(f1N))
	truthBoxes, predBoxes := float64(t[dTruthBoxes]), float64(t[dPredBoxes])
	f[fLooseRate] = div(float64(t[dLoose]), truthBoxes)
	f[fLoosePrecision] = div(float64(t[dLoose]), predBoxes)
	f[fStrictRate] = div(float64(t[dStrict]), truthBoxes)
	f[fStrictPrecision] = div(float64(t[dStrict]), predBoxes)
	f[fMeanIoU] = div(loose, float64(t[dLoose]))
	f[fMeanIoUAny] = div(anyIoU, float64(t[dAny]))
	f[fFailureRate] = div(float64(t[dFailed]), float64(t[dItems]))
	return f
}

// macroLabels is how many labels the macro-F1 of t averages.
func macroLabels(t *sums, p Protocol) int {
	f := figuresOf(t, 0, 0, p, false)
	n := 0
	for slot := range nSlots - 1 {
		if p == ProtocolCard && !math.IsNaN(f[3*slot+2]) || p != ProtocolCard && t[3*slot]+t[3*slot+2] > 0 {
			n++
		}
	}
	return n
}

// fixedSums returns t's fixed-point IoU sums as numbers.
func fixedSums(t *sums) (loose, anyIoU float64) {
	return float64(t[dIoULoose]) / fixScale, float64(t[dIoUAny]) / fixScale
}

// fixedFigures is figuresOf on t's fixed-point IoU sums, with the mean
// IoUs rounded to 1e-9: the sums hold each item's IoUs to 2^-32, so a
// mean is exact to well within that, and the rounding keeps an interval
// made of one IoU from showing 0.8000000000465661 beside a value of 0.8.
func fixedFigures(t *sums, p Protocol, resample bool) figures {
	loose, anyIoU := fixedSums(t)
	f := figuresOf(t, loose, anyIoU, p, resample)
	for _, i := range []int{fMeanIoU, fMeanIoUAny} {
		f[i] = math.Round(f[i]*1e9) / 1e9
	}
	return f
}
