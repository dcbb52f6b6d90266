package compare

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"
	"unicode/utf8"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// smallNote explains the mark of a SmallN figure, under every table.
const smallNote = "* fewer than %d cases behind the figure: its interval rests on too few to say much.\n"

// WriteText prints the report as the card's table for people: every figure
// with its counts and its interval, "n/a" for an undefined one and a star
// on one whose support is under MinSupport.
func (r Report) WriteText(w io.Writer) error {
	var b strings.Builder
	writeHeader(&b, r.Protocol, r.Bootstrap, r.Items)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "finding\tN\tprecision\trecall\tF1\t")
	for _, l := range schema.PositiveLabels() {
		p := r.Presence[l]
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t\n", l, p.N, cell(p.Precision), cell(p.Recall), cell(p.F1))
	}
	fmt.Fprintf(tw, "%s\t\t\t\t%s\t\n", macroName(r.Protocol, r.MacroF1Labels), cell(r.MacroF1))
	_ = tw.Flush()

	fmt.Fprintf(&b, "\nlocalization (%s)\n", poolingNote(r.Protocol))
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\trate\tprecision\t")
	for _, row := range []struct {
		name string
		la   LocalizationAt
	}{{"IoU >= 0.3", r.Localization.Loose}, {"IoU >= 0.5", r.Localization.Strict}} {
		fmt.Fprintf(tw, "%s\t%s\t%s\t\n", row.name,
			counted(row.la.Rate, row.la.Matched, row.la.TruthBoxes), counted(row.la.Precision, row.la.Matched, row.la.PredBoxes))
	}
	fmt.Fprintf(tw, "mean IoU, pairs matched at 0.3\t%s\t\t\n", paired(r.Localization.MeanIoU, r.Localization.MeanIoUPairs))
	fmt.Fprintf(tw, "mean IoU, any overlap\t%s\t\t\n", paired(r.Localization.MeanIoUAny, r.Localization.MeanIoUAnyPairs))
	_ = tw.Flush()

	if len(r.Urgent) > 0 {
		fmt.Fprintf(&b, "\nurgent recall (found/N)\n")
		tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		for _, l := range r.Urgent {
			u := r.UrgentRecall[l]
			fmt.Fprintf(tw, "  %s\t%d/%d\t%s\t\n", l, u.Found, u.N, cell(u.Recall))
		}
		_ = tw.Flush()
	}
	fmt.Fprintf(&b, "\nitems %d, parse failures %d (rate %s), missing predictions %d\n",
		r.Items, r.ParseFailures, cell(r.ParseFailureRate), r.Missing)
	writeNotes(&b, r.Protocol)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

// WriteText prints each run against the baseline as the card's
// side-by-side table: per finding, N, both F1s, the difference with its
// paired interval and McNemar's exact p; then parse failures,
// localization, mean IoU and urgent recall the same way.
func (c Comparison) WriteText(w io.Writer) error {
	var b strings.Builder
	writeHeader(&b, c.Protocol, c.Bootstrap, c.Items)
	for i, p := range c.Pairs {
		base, run := c.Runs[0], c.Runs[i+1]
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "A = %s (baseline), B = %s\n", safe(base.Name), safe(run.Name))
		writePairTable(&b, base.Report, run.Report, p)
	}
	for _, t := range c.Tally {
		fmt.Fprintf(&b, "\npreference tally, %s against %s (reviewers' verdicts): wins %d, losses %d, ties %d (both right %d, both wrong %d), unsure %d\n",
			safe(t.RunB), safe(t.RunA), t.Wins, t.Losses, t.Ties, t.BothRight, t.BothWrong, t.Unsure)
		fmt.Fprintf(&b, "  share of decisive verdicts won: %s (Wilson), sign test p %s\n", cell(t.WinShare), strconv.FormatFloat(t.SignP, 'g', 3, 64))
	}
	fmt.Fprintf(&b, "\nB-A: the run's figure minus the baseline's, with a paired bootstrap interval.\n")
	fmt.Fprintf(&b, "McNemar: exact p on per-item presence (items only A got right/only B got right).\n")
	writeNotes(&b, c.Protocol)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

func writeNotes(b *strings.Builder, p Protocol) {
	fmt.Fprintf(b, smallNote, MinSupport)
	if p == ProtocolCard {
		fmt.Fprintf(b, "Localization pools boxes across items: no bootstrap interval for it (docs/metrics.md).\n")
	}
}

func writePairTable(b *strings.Builder, a, r Report, p Pair) {
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "finding\tN\tA F1\tB F1\tB-A\tMcNemar p\t")
	for _, l := range schema.PositiveLabels() {
		pp := p.Presence[l]
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s (%d/%d)\t\n", l, pp.N, cell(a.Presence[l].F1), cell(r.Presence[l].F1),
			signed(pp.F1), strconv.FormatFloat(pp.McNemar.P, 'g', 3, 64), pp.McNemar.BaselineOnly, pp.McNemar.RunOnly)
	}
	fmt.Fprintf(tw, "macro-F1\t\t%s\t%s\t%s\t\t\n", cell(a.MacroF1), cell(r.MacroF1), signed(p.MacroF1))
	fmt.Fprintf(tw, "parse failures\t%d\t%d (%s)\t%d (%s)\t%s\t\t\n", a.Items,
		a.ParseFailures, cell(a.ParseFailureRate), r.ParseFailures, cell(r.ParseFailureRate), signed(p.ParseFailureRate))
	for _, row := range []struct {
		name   string
		la, lr LocalizationAt
		d      PairLocalization
	}{{"IoU >= 0.3", a.Localization.Loose, r.Localization.Loose, p.Loose}, {"IoU >= 0.5", a.Localization.Strict, r.Localization.Strict, p.Strict}} {
		fmt.Fprintf(tw, "%s rate\t\t%s\t%s\t%s\t\t\n", row.name,
			counted(row.la.Rate, row.la.Matched, row.la.TruthBoxes), counted(row.lr.Rate, row.lr.Matched, row.lr.TruthBoxes), signed(row.d.Rate))
		fmt.Fprintf(tw, "%s precision\t\t%s\t%s\t%s\t\t\n", row.name,
			counted(row.la.Precision, row.la.Matched, row.la.PredBoxes), counted(row.lr.Precision, row.lr.Matched, row.lr.PredBoxes), signed(row.d.Precision))
	}
	fmt.Fprintf(tw, "mean IoU, matched at 0.3\t\t%s\t%s\t%s\t\t\n",
		paired(a.Localization.MeanIoU, a.Localization.MeanIoUPairs), paired(r.Localization.MeanIoU, r.Localization.MeanIoUPairs), signed(p.MeanIoU))
	fmt.Fprintf(tw, "mean IoU, any overlap\t\t%s\t%s\t%s\t\t\n",
		paired(a.Localization.MeanIoUAny, a.Localization.MeanIoUAnyPairs), paired(r.Localization.MeanIoUAny, r.Localization.MeanIoUAnyPairs), signed(p.MeanIoUAny))
	for _, l := range a.Urgent {
		ua, ur := a.UrgentRecall[l], r.UrgentRecall[l]
		fmt.Fprintf(tw, "urgent recall %s\t%d\t%d/%d\t%d/%d\t%s\t\t\n", l, ua.N, ua.Found, ua.N, ur.Found, ur.N, signed(p.UrgentRecall[l]))
	}
	_ = tw.Flush()
}

func writeHeader(b *strings.Builder, p Protocol, bi BootstrapInfo, items int) {
	fmt.Fprintf(b, "protocol %s, %d items; ", p, items)
	if bi.Resamples == 0 {
		fmt.Fprintf(b, "no intervals (0 resamples)\n\n")
		return
	}
	fmt.Fprintf(b, "%g%% intervals: percentile bootstrap, %d %s resamples over items, seed %d\n\n",
		bi.Level*100, bi.Resamples, bi.Method, bi.Seed)
}

func macroName(p Protocol, labels int) string {
	if p == ProtocolCard {
		return fmt.Sprintf("macro-F1 over the %d defined F1s", labels)
	}
	return fmt.Sprintf("macro-F1 over the %d labels with N > 0", labels)
}

func poolingNote(p Protocol) string {
	if p == ProtocolCard {
		return "boxes pooled per label across items, then matched: the card's harness"
	}
	return "boxes matched within each item, counts pooled over items and labels"
}

// num formats a figure, "n/a" when undefined.
func num(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

// ci formats an interval, "" without one, and the small-N star.
func ci(e Estimate) string {
	var s string
	switch {
	case e.Note != "":
		s = " (no interval)"
	case math.IsNaN(e.Low) && math.IsNaN(e.High) && math.IsNaN(e.Value):
	case math.IsNaN(e.Low) || math.IsNaN(e.High):
		s = " [n/a]"
	default:
		s = " [" + num(e.Low) + ", " + num(e.High) + "]"
	}
	if e.SmallN {
		s += "*"
	}
	return s
}

func cell(e Estimate) string { return num(e.Value) + ci(e) }

// signed formats a difference with its sign.
func signed(e Estimate) string {
	if math.IsNaN(e.Value) {
		return "n/a" + ci(e)
	}
	s := strconv.FormatFloat(e.Value, 'f', 3, 64)
	if e.Value >= 0 {
		s = "+" + s
	}
	return s + ci(e)
}

func counted(e Estimate, k, n int) string {
	return fmt.Sprintf("%s (%d/%d)%s", num(e.Value), k, n, ci(e))
}

func paired(e Estimate, pairs int) string {
	unit := "pairs"
	if pairs == 1 {
		unit = "pair"
	}
	return fmt.Sprintf("%s (%d %s)%s", num(e.Value), pairs, unit, ci(e))
}

// safe quotes a run name when it is empty or holds anything but printable
// characters, so it prints as one visible token (the CLI passes names
// through internal/termtext too).
func safe(s string) string {
	if s == "" || !utf8.ValidString(s) || strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return strconv.Quote(s)
	}
	return s
}
