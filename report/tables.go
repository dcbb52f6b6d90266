package report

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cxr-auditor/cxr-auditor/compare"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// Disclaimer is the research-only notice every report carries.
const Disclaimer = "For research and education only. cxr-auditor is not a medical device and not for clinical use; model outputs are frequently wrong."

// summarySection says what was evaluated: sources, runs with their models
// and digests, dates and counts, the tool's version and the disclaimer.
func summarySection(in Input) Section {
	// The disclaimer heads every format (WriteHTML, WriteMarkdown), above
	// the contents.
	s := Section{ID: "summary", Title: "Summary"}
	ver := in.Version
	if ver == "" {
		ver = "dev"
	}
	s.Blocks = append(s.Blocks, para("Made by cxr-auditor %s on %s.", ver, in.Now.UTC().Format("2006-01-02 15:04 UTC")))
	for _, src := range in.Sources {
		s.Blocks = append(s.Blocks, para("Input: %s", src))
	}
	if len(in.Items) > 0 {
		truthItems, boxes := 0, 0
		for _, it := range in.Items {
			if len(it.Truth) > 0 {
				truthItems++
			}
			for _, f := range it.Truth {
				if f.Box != nil {
					boxes++
				}
			}
		}
		what := "the truth"
		if in.CorrectedTruth {
			what = fmt.Sprintf("the corrected truth (the store's truth corrections, on %d items, replace their original truth)", in.CorrectedItems)
		}
		s.Blocks = append(s.Blocks, para("%d items scored against %s: %d with findings, %d truth boxes.", len(in.Items), what, truthItems, boxes))
	}
	if len(in.Runs) > 0 {
		s.Blocks = append(s.Blocks, Block{Table: runsTable(in.Runs)})
	}
	return s
}

// runsTable lists each run's models, digests and dates.
func runsTable(runs []Run) *Table {
	t := &Table{ID: "runs", Caption: "Runs",
		Header: []string{"run", "grounding model", "model digest", "prompt digest", "draft model", "draft model digest", "draft prompt digest", "first result", "last result"}}
	for _, r := range runs {
		i := r.Info
		t.Rows = append(t.Rows, []Cell{text(r.Name), text(i.Model), text(short(i.ModelDigest)), text(short(i.PromptDigest)),
			text(i.DraftModel), text(short(i.DraftModelDigest)), text(short(i.DraftPromptDigest)), text(date(i.First)), text(date(i.Last))})
	}
	return dropEmptyColumns(t)
}

// dropEmptyColumns leaves out the columns with no text in any row (a
// prediction file names no model or digest).
func dropEmptyColumns(t *Table) *Table {
	keep := make([]bool, len(t.Header))
	keep[0] = true
	for _, row := range t.Rows {
		for c, cell := range row {
			keep[c] = keep[c] || cell.Text != ""
		}
	}
	out := &Table{ID: t.ID, Caption: t.Caption}
	for c, h := range t.Header {
		if keep[c] {
			out.Header = append(out.Header, h)
		}
	}
	for _, row := range t.Rows {
		var r []Cell
		for c, cell := range row {
			if keep[c] {
				r = append(r, cell)
			}
		}
		out.Rows = append(out.Rows, r)
	}
	return out
}

// short cuts a digest to 12 characters, as Ollama lists them.
func short(d string) string {
	d = strings.TrimPrefix(d, "sha256:")
	if len(d) > 12 {
		return d[:12]
	}
	return d
}

// tables is the section of the card's tables: per run, then per pair.
func (e evaluation) tables() Section {
	s := Section{ID: "metrics", Title: "Metrics against the truth"}
	reps := e.reports()
	r0 := reps[0].Report
	s.Blocks = append(s.Blocks, para("%s", header(r0.Protocol, r0.Bootstrap, r0.Items)))
	for i, r := range reps {
		s.Blocks = append(s.Blocks, Block{Table: presenceTable(i, r)}, Block{Table: localizationTable(i, r)})
		if u := urgentTable(i, r); u != nil {
			s.Blocks = append(s.Blocks, Block{Table: u})
		}
		s.Blocks = append(s.Blocks, para("%s: items %d, parse failures %d (rate %s), missing predictions %d.", r.Name,
			r.Items, r.ParseFailures, compare.FormatEstimate(r.ParseFailureRate), r.Missing))
	}
	if e.cmp != nil {
		for i, p := range e.cmp.Pairs {
			s.Blocks = append(s.Blocks, Block{Table: pairTable(i, reps[0].Report, reps[i+1].Report, p)})
		}
		s.Blocks = append(s.Blocks, para("B-A: the run's figure minus the baseline's, with a paired bootstrap interval. McNemar: exact p on per-item presence (items only A got right/only B got right)."))
	}
	s.Blocks = append(s.Blocks, para("* fewer than %d cases behind the figure: its interval rests on too few to say much.", compare.MinSupport))
	if r0.Protocol == compare.ProtocolCard {
		s.Blocks = append(s.Blocks, para("Localization pools boxes across items: no bootstrap interval for it (docs/metrics.md)."))
	}
	return s
}

// header is eval's first line: protocol, items and how intervals were made.
func header(p compare.Protocol, bi compare.BootstrapInfo, items int) string {
	h := fmt.Sprintf("Protocol %s, %d items; ", p, items)
	if bi.Resamples == 0 {
		return h + "no intervals (0 resamples)."
	}
	return h + fmt.Sprintf("%g%% intervals: percentile bootstrap, %d %s resamples over items, seed %d.",
		bi.Level*100, bi.Resamples, bi.Method, bi.Seed)
}

// F1Cell is the id of run i's F1 cell for label l.
func f1Cell(run int, l schema.Label) string { return fmt.Sprintf("f1-%d-%s", run, l) }

// diffCell is the id of pair i's F1 difference cell for label l.
func diffCell(pair int, l schema.Label) string { return fmt.Sprintf("df1-%d-%s", pair, l) }

func est(e compare.Estimate) Cell { return num(compare.FormatEstimate(e), e.Value) }

func presenceTable(i int, r compare.RunReport) *Table {
	t := &Table{ID: fmt.Sprintf("presence-%d", i), Caption: "Presence per finding: " + r.Name,
		Header: []string{"finding", "N", "precision", "recall", "F1"}}
	for _, l := range schema.PositiveLabels() {
		p := r.Presence[l]
		f1 := est(p.F1)
		f1.ID = f1Cell(i, l)
		t.Rows = append(t.Rows, []Cell{text(string(l)), num(strconv.Itoa(p.N), float64(p.N)), est(p.Precision), est(p.Recall), f1})
	}
	t.Rows = append(t.Rows, []Cell{text(compare.MacroName(r.Protocol, r.MacroF1Labels)), text(""), text(""), text(""), est(r.MacroF1)})
	return t
}

func localizationTable(i int, r compare.RunReport) *Table {
	loc := r.Localization
	t := &Table{ID: fmt.Sprintf("localization-%d", i), Caption: fmt.Sprintf("Localization: %s (%s)", r.Name, compare.PoolingNote(r.Protocol)),
		Header: []string{"", "rate", "precision"}}
	for _, row := range []struct {
		name string
		la   compare.LocalizationAt
	}{{"IoU >= 0.3", loc.Loose}, {"IoU >= 0.5", loc.Strict}} {
		t.Rows = append(t.Rows, []Cell{text(row.name),
			num(compare.FormatCounted(row.la.Rate, row.la.Matched, row.la.TruthBoxes), row.la.Rate.Value),
			num(compare.FormatCounted(row.la.Precision, row.la.Matched, row.la.PredBoxes), row.la.Precision.Value)})
	}
	t.Rows = append(t.Rows,
		[]Cell{text("mean IoU, pairs matched at 0.3"), num(compare.FormatPairs(loc.MeanIoU, loc.MeanIoUPairs), loc.MeanIoU.Value), text("")},
		[]Cell{text("mean IoU, any overlap"), num(compare.FormatPairs(loc.MeanIoUAny, loc.MeanIoUAnyPairs), loc.MeanIoUAny.Value), text("")})
	return t
}

func urgentTable(i int, r compare.RunReport) *Table {
	if len(r.Urgent) == 0 {
		return nil
	}
	t := &Table{ID: fmt.Sprintf("urgent-%d", i), Caption: "Urgent recall: " + r.Name, Header: []string{"label", "found/N", "recall"}}
	for _, l := range r.Urgent {
		u := r.UrgentRecall[l]
		t.Rows = append(t.Rows, []Cell{text(string(l)), num(fmt.Sprintf("%d/%d", u.Found, u.N), float64(u.Found)), est(u.Recall)})
	}
	return t
}

func diff(e compare.Estimate) Cell { return num(compare.FormatDifference(e), e.Value) }

// pairTable is eval's side-by-side table of run B against baseline A.
func pairTable(i int, a, r compare.Report, p compare.Pair) *Table {
	t := &Table{ID: fmt.Sprintf("pair-%d", i), Caption: fmt.Sprintf("A = %s (baseline), B = %s", p.Baseline, p.Run),
		Header: []string{"finding", "N", "A F1", "B F1", "B-A", "McNemar p"}}
	for _, l := range schema.PositiveLabels() {
		pp := p.Presence[l]
		d := diff(pp.F1)
		d.ID = diffCell(i, l)
		t.Rows = append(t.Rows, []Cell{text(string(l)), num(strconv.Itoa(pp.N), float64(pp.N)), est(a.Presence[l].F1), est(r.Presence[l].F1), d,
			num(fmt.Sprintf("%s (%d/%d)", strconv.FormatFloat(pp.McNemar.P, 'g', 3, 64), pp.McNemar.BaselineOnly, pp.McNemar.RunOnly), pp.McNemar.P)})
	}
	t.Rows = append(t.Rows, []Cell{text("macro-F1"), text(""), est(a.MacroF1), est(r.MacroF1), diff(p.MacroF1), text("")})
	t.Rows = append(t.Rows, []Cell{text("parse failures"), num(strconv.Itoa(a.Items), float64(a.Items)),
		num(fmt.Sprintf("%d (%s)", a.ParseFailures, compare.FormatEstimate(a.ParseFailureRate)), float64(a.ParseFailures)),
		num(fmt.Sprintf("%d (%s)", r.ParseFailures, compare.FormatEstimate(r.ParseFailureRate)), float64(r.ParseFailures)),
		diff(p.ParseFailureRate), text("")})
	for _, row := range []struct {
		name   string
		la, lr compare.LocalizationAt
		d      compare.PairLocalization
	}{{"IoU >= 0.3", a.Localization.Loose, r.Localization.Loose, p.Loose}, {"IoU >= 0.5", a.Localization.Strict, r.Localization.Strict, p.Strict}} {
		t.Rows = append(t.Rows, []Cell{text(row.name + " rate"), text(""),
			num(compare.FormatCounted(row.la.Rate, row.la.Matched, row.la.TruthBoxes), row.la.Rate.Value),
			num(compare.FormatCounted(row.lr.Rate, row.lr.Matched, row.lr.TruthBoxes), row.lr.Rate.Value), diff(row.d.Rate), text("")})
	}
	t.Rows = append(t.Rows, []Cell{text("mean IoU, matched at 0.3"), text(""),
		num(compare.FormatPairs(a.Localization.MeanIoU, a.Localization.MeanIoUPairs), a.Localization.MeanIoU.Value),
		num(compare.FormatPairs(r.Localization.MeanIoU, r.Localization.MeanIoUPairs), r.Localization.MeanIoU.Value), diff(p.MeanIoU), text("")})
	for _, l := range a.Urgent {
		ua, ur := a.UrgentRecall[l], r.UrgentRecall[l]
		t.Rows = append(t.Rows, []Cell{text("urgent recall " + string(l)), num(strconv.Itoa(ua.N), float64(ua.N)),
			num(fmt.Sprintf("%d/%d", ua.Found, ua.N), ua.Recall.Value), num(fmt.Sprintf("%d/%d", ur.Found, ur.N), ur.Recall.Value),
			diff(p.UrgentRecall[l]), text("")})
	}
	return t
}
