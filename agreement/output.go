package agreement

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"
	"unicode/utf8"
)

// CSVHeader is the column order of Report.WriteCSV.
var CSVHeader = []string{
	"by", "group", "method", "statistic", "value",
	"reader_a", "reader_b", "category_a", "category_b", "item_id", "key", "note",
}

// CSVRows returns the report in long form, one statistic per row, with the
// columns of CSVHeader, for pandas (pd.read_csv, then filter on
// "statistic"). A figure that is undefined has an empty value and its reason
// in "note". Rows, in order:
//
//   - by "report": ratings, units; one "reader" row per reader who rated
//     (reader_a); one "reader_without_ratings" row per silent reader; one
//     "excluded_unit" row per excluded unit (item_id, key; note: who rated);
//   - per group (by all/label/kind, group name): units, ratings,
//     unanimous_units, excluded_units, observed_agreement,
//     expected_agreement, kappa (note: why undefined), kappa_se,
//     kappa_ci_low, kappa_ci_high (note: the level and SE method, or why
//     there is no interval);
//   - per group and pair of readers (reader_a, reader_b): pair_units,
//     pair_agreement, one confusion_count per cell (category_a, category_b),
//     and one disagreement_unit row per unit of an off-diagonal cell
//     (category_a, category_b, item_id, key).
func (r Report) CSVRows() [][]string {
	b := csvRows{method: string(r.Method)}
	b.report(r)
	ciNote := fmt.Sprintf("%g%% CI, %s", 100*r.Level, r.SEMethod)
	for _, g := range r.Groups {
		b.group(g, ciNote)
		for _, c := range g.Confusion {
			b.pair(g, c, r.Categories)
		}
	}
	return b.rows
}

// The optional columns of CSVHeader, after by, group, method, statistic
// and value.
const (
	colReaderA = 5 + iota
	colReaderB
	colCatA
	colCatB
	colItem
	colKey
	colNote
)

// csvRows collects the rows of CSVRows.
type csvRows struct {
	method string
	rows   [][]string
}

// add appends one statistic; set fills its optional columns.
func (b *csvRows) add(by, group, stat, value string, set func(row []string)) {
	row := []string{by, group, b.method, stat, value, "", "", "", "", "", "", ""}
	if set != nil {
		set(row)
	}
	b.rows = append(b.rows, row)
}

// report adds the rows about the whole report: counts, readers, exclusions.
func (b *csvRows) report(r Report) {
	b.add("report", "", "ratings", strconv.Itoa(r.Ratings), nil)
	b.add("report", "", "units", strconv.Itoa(r.Units), nil)
	for _, name := range r.Readers {
		b.add("report", "", "reader", "", func(row []string) { row[colReaderA] = name })
	}
	for _, name := range r.ReadersWithoutRatings {
		b.add("report", "", "reader_without_ratings", "", func(row []string) { row[colReaderA] = name })
	}
	for _, u := range r.Excluded {
		b.add("report", "", "excluded_unit", "", func(row []string) {
			row[colItem], row[colKey] = u.ItemID, u.Key
			row[colNote] = "rated by " + strings.Join(u.Readers, ", ")
		})
	}
}

// group adds one group's figures; ciNote describes an interval that exists.
func (b *csvRows) group(g Group, ciNote string) {
	stat := func(name, value, note string) {
		b.add(g.By, g.Name, name, value, func(row []string) { row[colNote] = note })
	}
	stat("units", strconv.Itoa(g.Units), "")
	stat("ratings", strconv.Itoa(g.Ratings), "")
	stat("unanimous_units", strconv.Itoa(g.Unanimous), "")
	stat("excluded_units", strconv.Itoa(g.Excluded), "")
	stat("observed_agreement", formatOpt(g.ObservedAgreement), "")
	stat("expected_agreement", formatOpt(g.ExpectedAgreement), "")
	stat("kappa", formatOpt(g.Kappa.Value), g.Kappa.Undefined)
	note := ciNote
	if g.Kappa.NoCI != "" {
		note = g.Kappa.NoCI
	}
	if g.Kappa.Value == nil {
		note = g.Kappa.Undefined
	}
	stat("kappa_se", formatOpt(g.Kappa.SE), note)
	stat("kappa_ci_low", formatOpt(g.Kappa.Low), note)
	stat("kappa_ci_high", formatOpt(g.Kappa.High), note)
}

// pair adds one pair of readers' confusion table within group g, and the
// units behind each off-diagonal cell.
func (b *csvRows) pair(g Group, c Confusion, cats []string) {
	add := func(stat, value string, set func(row []string)) {
		b.add(g.By, g.Name, stat, value, func(row []string) {
			row[colReaderA], row[colReaderB] = c.ReaderA, c.ReaderB
			if set != nil {
				set(row)
			}
		})
	}
	add("pair_units", strconv.Itoa(c.Units), nil)
	add("pair_agreement", formatOpt(c.Agreement), nil)
	for i, ca := range cats {
		for j, cb := range cats {
			add("confusion_count", strconv.Itoa(c.Counts[i][j]), func(row []string) {
				row[colCatA], row[colCatB] = ca, cb
			})
		}
	}
	for _, cell := range c.Disagreements {
		for _, u := range cell.Units {
			add("disagreement_unit", "", func(row []string) {
				row[colCatA], row[colCatB] = cell.A, cell.B
				row[colItem], row[colKey] = u.ItemID, u.Key
			})
		}
	}
}

// WriteCSV writes CSVHeader and then CSVRows to w.
func (r Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return fmt.Errorf("agreement csv: %w", err)
	}
	if err := cw.WriteAll(r.CSVRows()); err != nil {
		return fmt.Errorf("agreement csv: %w", err)
	}
	return nil
}

// formatOpt writes a figure at full precision, or "" when it is undefined.
func formatOpt(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'g', -1, 64)
}

// WriteText writes the report as plain-text tables for a terminal: a header,
// one summary line per group, then, for the "all" group, each pair's
// confusion table and the units behind every off-diagonal cell (the per-label
// and per-kind tables are in the JSON and CSV forms). Figures are rounded to
// three decimals. Names that hold control characters are printed quoted, so
// the text cannot drive the terminal.
func (r Report) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	name := "Cohen's kappa"
	se := "Fleiss, Cohen & Everitt (1969) standard error"
	if r.Method == MethodFleiss {
		name = "Fleiss' kappa"
		se = "Gwet (2008) standard error"
	}
	ew.printf("Reader agreement: %s; %g%% confidence intervals from the %s.\n", name, 100*r.Level, se)
	ew.printf("Readers: %s. Ratings: %d on %d units.\n", joinSafe(r.Readers, "none"), r.Ratings, r.Units)
	if len(r.ReadersWithoutRatings) > 0 {
		ew.printf("Readers without ratings: %s.\n", joinSafe(r.ReadersWithoutRatings, ""))
	}
	if n := len(r.Excluded); n > 0 {
		ew.printf("Excluded: %d unit(s) rated by fewer than %d readers:\n", n, r.MinReaders)
		for _, u := range r.Excluded {
			ew.printf("  %s %s (rated by %s)\n", safe(u.ItemID), safe(u.Key), joinSafe(u.Readers, "nobody"))
		}
	}
	ew.printf("\n")

	var table bytes.Buffer
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "GROUP\tUNITS\tEXCLUDED\tOBSERVED\tEXPECTED\tKAPPA\t%g%% CI\tNOTE\n", 100*r.Level)
	for _, g := range r.Groups {
		label := g.Name
		if g.By != GroupAll {
			label = g.By + " " + g.Name
		}
		ci, note := "", g.Kappa.Undefined
		if g.Kappa.Low != nil {
			ci = fmt.Sprintf("%.3f to %.3f", *g.Kappa.Low, *g.Kappa.High)
		}
		if g.Kappa.NoCI != "" {
			note = g.Kappa.NoCI
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\n", label, g.Units, g.Excluded,
			fixed3(g.ObservedAgreement), fixed3(g.ExpectedAgreement), fixed3(g.Kappa.Value), dash(ci), note)
	}
	_ = tw.Flush() // a bytes.Buffer does not fail
	for line := range strings.Lines(table.String()) {
		// The empty NOTE column would leave trailing blanks.
		ew.printf("%s\n", strings.TrimRight(line, " \n"))
	}

	all, _ := r.Group(GroupAll, GroupAll)
	for _, c := range all.Confusion {
		ew.printf("\nConfusion, all units: rows %s, columns %s (%d units, agreement %s)\n",
			safe(c.ReaderA), safe(c.ReaderB), c.Units, fixed3(c.Agreement))
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
		// Right-aligned cells end in a tab, so no line ends in blanks.
		fmt.Fprint(tw, "\t")
		for _, cat := range r.Categories {
			fmt.Fprintf(tw, "%s\t", safe(cat))
		}
		fmt.Fprintln(tw)
		for i, cat := range r.Categories {
			fmt.Fprintf(tw, "%s\t", safe(cat))
			for j := range r.Categories {
				fmt.Fprintf(tw, "%d\t", c.Counts[i][j])
			}
			fmt.Fprintln(tw)
		}
		_ = tw.Flush()
		for _, cell := range c.Disagreements {
			ew.printf("  %s %s, %s %s: %d\n", safe(c.ReaderA), safe(cell.A), safe(c.ReaderB), safe(cell.B), cell.Count)
			for _, u := range cell.Units {
				ew.printf("    %s %s\n", safe(u.ItemID), safe(u.Key))
			}
		}
	}
	return ew.err
}

// errWriter keeps the first write error and drops later writes.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	if err != nil {
		e.err = fmt.Errorf("agreement text: %w", err)
	}
	return n, e.err
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }

func fixed3(v *float64) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatFloat(*v, 'f', 3, 64)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// safe quotes s when it is empty, is not valid UTF-8 (a lone 0x9b byte is
// a CSI to some terminals), or holds anything but printable characters
// (escape sequences, tabs, newlines, bidirectional overrides), so it prints
// as one visible token. The agreement package stays below the terminal
// code, so this is its own rule; it is at least as strict as
// internal/termtext.Line, and the CLI may pass the text through that too.
func safe(s string) string {
	if s == "" || !utf8.ValidString(s) || strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return strconv.Quote(s)
	}
	return s
}

func joinSafe(names []string, none string) string {
	if len(names) == 0 {
		return none
	}
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = safe(n)
	}
	return strings.Join(out, ", ")
}
