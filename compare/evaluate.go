package compare

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Options sets how Evaluate and CompareRuns score.
type Options struct {
	// Protocol is ProtocolItem ("" too) or ProtocolCard.
	Protocol Protocol
	// Urgent lists the labels whose recall is reported (duplicates
	// collapse; nil or empty: none).
	Urgent []schema.Label
	// Bootstrap sets the intervals; its zero value computes none.
	Bootstrap Bootstrap
}

// NamedScores is one run's scores under its name.
type NamedScores struct {
	Name   string
	Scores *Scores
}

// ErrNoItems is wrapped by the error for scores without a single item:
// there is nothing to evaluate.
var ErrNoItems = errors.New("no items to evaluate")

// Evaluate scores one run against the truth: every figure of the card's
// table, with its percentile bootstrap interval. It honours ctx (the
// resamples are the slow part); the result depends only on the items, the
// options and the seed, never on the number of cores.
func Evaluate(ctx context.Context, s *Scores, opts Options) (Report, error) {
	c, err := CompareRuns(ctx, []NamedScores{{Scores: s}}, opts)
	if err != nil {
		return Report{}, err
	}
	return c.Runs[0].Report, nil
}

// CompareRuns evaluates several runs over the same items (each added in
// the same order: an error otherwise) and compares each run after the
// first with the first. The resamples are paired: an item weighs the same
// in every run's resample, so the interval of a difference reflects the
// items, not the noise of two independent resamplings. The Comparison's
// Runs are in the order given.
func CompareRuns(ctx context.Context, runs []NamedScores, opts Options) (Comparison, error) {
	if opts.Protocol == "" {
		opts.Protocol = ProtocolItem
	}
	if _, err := ParseProtocol(string(opts.Protocol)); err != nil {
		return Comparison{}, err
	}
	if opts.Bootstrap.Resamples > 0 || opts.Bootstrap.Level != 0 {
		if err := opts.Bootstrap.Validate(); err != nil {
			return Comparison{}, err
		}
	}
	if err := checkRuns(runs); err != nil {
		return Comparison{}, err
	}
	urgent := uniqueLabels(opts.Urgent)
	c := Comparison{
		Protocol:  opts.Protocol,
		Bootstrap: BootstrapInfo{Method: BootstrapMethod, Bootstrap: opts.Bootstrap},
		Items:     runs[0].Scores.Len(),
	}
	all := make([]runFigures, len(runs))
	for i, r := range runs {
		rf, err := evaluateRun(ctx, r.Scores, opts.Protocol, opts.Bootstrap)
		if err != nil {
			return Comparison{}, fmt.Errorf("run %s: %w", r.Name, err)
		}
		all[i] = rf
		c.Runs = append(c.Runs, RunReport{Name: r.Name, Report: buildReport(&rf, opts, urgent)})
	}
	for i := 1; i < len(runs); i++ {
		c.Pairs = append(c.Pairs, buildPair(runs[0], runs[i], &all[0], &all[i], opts, urgent))
	}
	return c, nil
}

// checkRuns insists on at least one run, every run with items, and the
// same items in the same order in every run.
func checkRuns(runs []NamedScores) error {
	if len(runs) == 0 {
		return fmt.Errorf("%w: no run", ErrNoItems)
	}
	for _, r := range runs {
		if r.Scores == nil || r.Scores.Len() == 0 {
			return fmt.Errorf("run %s: %w", r.Name, ErrNoItems)
		}
		if !r.Scores.sameItems(runs[0].Scores) {
			return fmt.Errorf("run %s: its items are not those of run %s in the same order", r.Name, runs[0].Name)
		}
	}
	return nil
}

func uniqueLabels(ls []schema.Label) []schema.Label {
	out := []schema.Label{}
	for _, l := range ls {
		if slotOf(l) >= 0 && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// estimator turns figure indices of a run into Estimates.
type estimator struct {
	point   *figures
	res     []figures
	level   float64
	pooled  bool // card protocol: localization figures get no interval
	scratch []float64
}

// loc is of for a localization figure.
func (e *estimator) loc(f int, support int64) Estimate {
	if !e.pooled {
		return e.of(f, support)
	}
	return Estimate{Value: e.point[f], Low: math.NaN(), High: math.NaN(), SmallN: support < MinSupport, Note: NoteNotResampled}
}

func (e *estimator) of(f int, support int64) Estimate {
	est := Estimate{Value: e.point[f], Low: math.NaN(), High: math.NaN(), SmallN: support < MinSupport}
	if len(e.res) > 0 {
		e.scratch = e.scratch[:0]
		for r := range e.res {
			e.scratch = append(e.scratch, e.res[r][f])
		}
		est.Low, est.High = interval(e.scratch, e.level)
	}
	return est
}

// buildReport assembles a run's Report from its figures.
func buildReport(rf *runFigures, opts Options, urgent []schema.Label) Report {
	t := &rf.point
	e := &estimator{point: &rf.pointFigs, res: rf.resamples, level: opts.Bootstrap.Level, pooled: opts.Protocol == ProtocolCard}
	rep := Report{
		Protocol:         opts.Protocol,
		Bootstrap:        BootstrapInfo{Method: BootstrapMethod, Bootstrap: opts.Bootstrap},
		Items:            int(t[dItems]),
		ParseFailures:    int(t[dFailed]),
		Missing:          int(t[dMissing]),
		ParseFailureRate: e.of(fFailureRate, t[dItems]),
		Presence:         map[schema.Label]LabelPresence{},
		MacroF1:          e.of(fMacroF1, MinSupport),
		MacroF1Labels:    macroLabels(t, opts.Protocol),
		UrgentRecall:     map[schema.Label]UrgentRecall{},
		Urgent:           urgent,
	}
	for slot, l := range schema.PositiveLabels() {
		tp, fp, fn := t[3*slot], t[3*slot+1], t[3*slot+2]
		rep.Presence[l] = LabelPresence{
			N: int(tp + fn), TP: int(tp), FP: int(fp), FN: int(fn),
			Precision: e.of(3*slot, tp+fp), Recall: e.of(3*slot+1, tp+fn), F1: e.of(3*slot+2, tp+fn),
		}
	}
	at := func(matched int, rate, precision int) LocalizationAt {
		return LocalizationAt{
			Matched: int(t[matched]), TruthBoxes: int(t[dTruthBoxes]), PredBoxes: int(t[dPredBoxes]),
			Rate: e.loc(rate, t[dTruthBoxes]), Precision: e.loc(precision, t[dPredBoxes]),
		}
	}
	rep.Localization = Localization{
		Loose:           at(dLoose, fLooseRate, fLoosePrecision),
		Strict:          at(dStrict, fStrictRate, fStrictPrecision),
		MeanIoU:         e.loc(fMeanIoU, t[dLoose]),
		MeanIoUPairs:    int(t[dLoose]),
		MeanIoUAny:      e.loc(fMeanIoUAny, t[dAny]),
		MeanIoUAnyPairs: int(t[dAny]),
	}
	for _, l := range urgent {
		slot := slotOf(l)
		tp, fn := t[3*slot], t[3*slot+2]
		rep.UrgentRecall[l] = UrgentRecall{Found: int(tp), N: int(tp + fn), Recall: e.of(recallFigure(slot), tp+fn)}
	}
	return rep
}
