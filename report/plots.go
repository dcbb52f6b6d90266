package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// plotSection draws the figures of the evaluation, each with the table of
// its numbers (the metric tables for F1, its own for counts).
func plotSection(ev evaluation, stats []runStats) Section {
	s := Section{ID: "plots", Title: "Plots"}
	reps := ev.reports()
	names := make([]string, len(reps))
	for i, r := range reps {
		names[i] = r.Name
	}
	f1 := &Figure{ID: "fig-f1", Title: "F1 per finding, per run", YLabel: "F1", YMin: 0, YMax: 1, Series: names, Table: "presence-0"}
	for _, l := range schema.PositiveLabels() {
		g := BarGroup{Name: string(l)}
		for i, r := range reps {
			e := r.Presence[l].F1
			g.Bars = append(g.Bars, Bar{Series: i, Value: e.Value, Low: e.Low, High: e.High, Cell: f1Cell(i, l)})
		}
		f1.Groups = append(f1.Groups, g)
	}
	f1.Alt = describe(f1, "with its interval as an error bar; the numbers are in the presence tables")
	s.Blocks = append(s.Blocks, Block{Figure: f1})
	if ev.cmp != nil {
		for i, p := range ev.cmp.Pairs {
			f := &Figure{ID: fmt.Sprintf("fig-diff-%d", i), Title: fmt.Sprintf("F1 difference, %s minus %s", p.Run, p.Baseline),
				YLabel: "F1 difference", Series: []string{p.Run + " - " + p.Baseline}, Table: fmt.Sprintf("pair-%d", i)}
			for _, l := range schema.PositiveLabels() {
				e := p.Presence[l].F1
				f.Groups = append(f.Groups, BarGroup{Name: string(l), Bars: []Bar{{Value: e.Value, Low: e.Low, High: e.High, Cell: diffCell(i, l)}}})
			}
			f.YMax = symmetricRange(f)
			f.YMin = -f.YMax
			f.Alt = describe(f, "against zero, with the paired interval as an error bar; an interval that crosses zero shows no clear difference")
			s.Blocks = append(s.Blocks, Block{Figure: f})
		}
	}
	s.Blocks = append(s.Blocks, iouBlocks(names, stats)...)
	for i := range stats {
		s.Blocks = append(s.Blocks, errorBlocks(i, names[i], stats[i])...)
	}
	return s
}

// iouBlocks are the histogram of matched boxes' IoU and its table.
func iouBlocks(names []string, stats []runStats) []Block {
	t := &Table{ID: "iou-hist", Caption: "IoU of matched box pairs (count per bin)", Header: append([]string{"IoU"}, names...)}
	f := &Figure{ID: "fig-iou", Title: "IoU of matched box pairs", YLabel: "box pairs", Series: names, Table: t.ID}
	top := 0
	for b := range iouBins {
		name := fmt.Sprintf("%.1f-%.1f", float64(b)/iouBins, float64(b+1)/iouBins)
		row := []Cell{text(name)}
		g := BarGroup{Name: name}
		for r, st := range stats {
			id := fmt.Sprintf("iou-%d-%d", r, b)
			n := st.iou[b]
			top = max(top, n)
			row = append(row, Cell{Text: strconv.Itoa(n), Sort: float64(n), ID: id})
			g.Bars = append(g.Bars, Bar{Series: r, Value: float64(n), Low: math.NaN(), High: math.NaN(), Cell: id})
		}
		t.Rows = append(t.Rows, row)
		f.Groups = append(f.Groups, g)
	}
	f.YMax = max(5, niceCeil(float64(top))) // whole-number ticks
	f.Alt = describe(f, "matched at the loose threshold; the counts are in the table below")
	return []Block{{Figure: f}, {Table: t}}
}

// errorKindsShown are the error kinds plotted (matched rows are not
// errors).
var errorKindsShown = []audit.ErrorKind{audit.ErrorMissed, audit.ErrorSpurious, audit.ErrorMislocated}

// errorBlocks are run r's counts of error kinds per label and their table.
func errorBlocks(r int, name string, st runStats) []Block {
	kinds := make([]string, len(errorKindsShown))
	for i, k := range errorKindsShown {
		kinds[i] = string(k)
	}
	t := &Table{ID: fmt.Sprintf("errors-%d", r), Caption: "Errors against the truth per label: " + name, Header: append([]string{"label"}, kinds...)}
	f := &Figure{ID: fmt.Sprintf("fig-errors-%d", r), Title: "Errors per label: " + name, YLabel: "findings", Series: kinds, Table: t.ID}
	top := 0
	for _, l := range schema.PositiveLabels() {
		row := []Cell{text(string(l))}
		g := BarGroup{Name: string(l)}
		for k, kind := range errorKindsShown {
			id := fmt.Sprintf("err-%d-%s-%s", r, l, kind)
			n := st.errors[l][kind]
			top = max(top, n)
			row = append(row, Cell{Text: strconv.Itoa(n), Sort: float64(n), ID: id})
			g.Bars = append(g.Bars, Bar{Series: k, Value: float64(n), Low: math.NaN(), High: math.NaN(), Cell: id})
		}
		t.Rows = append(t.Rows, row)
		f.Groups = append(f.Groups, g)
	}
	f.YMax = max(5, niceCeil(float64(top))) // whole-number ticks
	f.Alt = describe(f, "missed, spurious and mislocated findings; the counts are in the table below")
	return []Block{{Figure: f}, {Table: t}}
}

// symmetricRange is the half-height of a difference plot: every value and
// bound fits, rounded up to a tenth, at least 0.1.
func symmetricRange(f *Figure) float64 {
	m := 0.1
	for _, g := range f.Groups {
		for _, b := range g.Bars {
			for _, v := range []float64{b.Value, b.Low, b.High} {
				if !math.IsNaN(v) && !math.IsInf(v, 0) {
					m = math.Max(m, math.Abs(v))
				}
			}
		}
	}
	return math.Ceil(m*10-1e-9) / 10
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten (at least 1).
func niceCeil(v float64) float64 {
	if v <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// describe is a figure's alt text: what it plots and every bar's value.
func describe(f *Figure, how string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Bar chart: %s (%s), %s.", f.Title, f.YLabel, how)
	for _, g := range f.Groups {
		fmt.Fprintf(&b, " %s:", g.Name)
		for i, bar := range g.Bars {
			if i > 0 {
				b.WriteString(",")
			}
			v := "n/a"
			if !math.IsNaN(bar.Value) {
				v = strconv.FormatFloat(bar.Value, 'f', -1, 64)
				if bar.Value != math.Trunc(bar.Value) {
					v = strconv.FormatFloat(bar.Value, 'f', 3, 64)
				}
			}
			fmt.Fprintf(&b, " %s %s", f.Series[bar.Series], v)
		}
		b.WriteString(";")
	}
	return b.String()
}
