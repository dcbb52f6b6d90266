package report

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/cxr-auditor/cxr-auditor/compare"
)

// ErrNothing is returned by Build when the input holds nothing to report:
// no run, no agreement and no study.
var ErrNothing = errors.New("nothing to report: no run, no agreement and no study")

// Build makes the report's document from in. A run whose predictions are
// not aligned with the items is an error naming it; the rest of the input
// is shown as far as it goes.
func Build(ctx context.Context, in Input) (*Doc, error) {
	if len(in.Runs) == 0 && in.Agreement == nil && in.Study == nil {
		return nil, ErrNothing
	}
	for _, r := range in.Runs {
		if len(r.Preds) != len(in.Items) || (r.Failed != nil && len(r.Failed) != len(in.Items)) ||
			(r.Missing != nil && len(r.Missing) != len(in.Items)) {
			return nil, fmt.Errorf("run %q: %d predictions for %d items", r.Name, len(r.Preds), len(in.Items))
		}
	}
	if in.IoU <= 0 {
		in.IoU = compare.LooseIoU
	}
	if in.Now.IsZero() {
		in.Now = time.Now()
	}
	doc := &Doc{Title: in.Title, Version: in.Version, Generated: in.Now.UTC()}
	if doc.Title == "" {
		doc.Title = "cxr-auditor report"
	}
	doc.Sections = append(doc.Sections, summarySection(in))
	var stats []runStats
	if len(in.Runs) > 0 && len(in.Items) > 0 {
		ev, err := evaluate(ctx, in)
		if err != nil {
			return nil, err
		}
		stats = collectStats(in)
		doc.Sections = append(doc.Sections, ev.tables())
		doc.Sections = append(doc.Sections, plotSection(ev, stats))
	}
	if s, ok := agreementSection(in); ok {
		doc.Sections = append(doc.Sections, s)
	}
	pics, err := pictureSection(ctx, in, stats)
	if err != nil {
		return nil, err
	}
	if len(pics.Blocks) > 0 {
		doc.Sections = append(doc.Sections, pics)
	}
	return doc, nil
}

// evaluation is the scored runs: one Report, or a Comparison.
type evaluation struct {
	single *compare.RunReport
	cmp    *compare.Comparison
}

// reports are the runs' reports in order.
func (e evaluation) reports() []compare.RunReport {
	if e.single != nil {
		return []compare.RunReport{*e.single}
	}
	return e.cmp.Runs
}

// evaluate scores every run against the truth as eval does.
func evaluate(ctx context.Context, in Input) (evaluation, error) {
	var named []compare.NamedScores
	for _, r := range in.Runs {
		items := make([]compare.EvalItem, len(in.Items))
		for i, it := range in.Items {
			items[i] = compare.EvalItem{ID: it.ID, Truth: it.Truth, Pred: r.Preds[i],
				ParseFailed: at(r.Failed, i), Missing: at(r.Missing, i)}
		}
		s, err := compare.ScoreItems(items, in.Options.Protocol)
		if err != nil {
			return evaluation{}, fmt.Errorf("run %q: %w", r.Name, err)
		}
		named = append(named, compare.NamedScores{Name: r.Name, Scores: s})
	}
	if len(named) == 1 {
		rep, err := compare.Evaluate(ctx, named[0].Scores, in.Options)
		if err != nil {
			return evaluation{}, err
		}
		return evaluation{single: &compare.RunReport{Name: named[0].Name, Report: rep}}, nil
	}
	c, err := compare.CompareRuns(ctx, named, in.Options)
	if err != nil {
		return evaluation{}, err
	}
	return evaluation{cmp: &c}, nil
}

// at is b[i], false when b is nil.
func at(b []bool, i int) bool { return b != nil && b[i] }

// num is a cell holding a number as text, sorting by it.
func num(text string, v float64) Cell { return Cell{Text: text, Sort: v} }

// text is a cell of text.
func text(s string) Cell { return Cell{Text: s, Sort: math.NaN()} }

// para is a paragraph block.
func para(format string, args ...any) Block { return Block{Para: fmt.Sprintf(format, args...)} }
