package report

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/cxr-auditor/cxr-auditor/agreement"
	"github.com/cxr-auditor/cxr-auditor/audit"
)

// agreementSection shows the readers' agreement (kappa with its interval
// per group, the confusion tables over all units), the study's progress
// and each reader's pace; ok is false when there is none of it.
func agreementSection(in Input) (Section, bool) {
	s := Section{ID: "agreement", Title: "Readers"}
	if a := in.Agreement; a != nil {
		s.Blocks = append(s.Blocks, para("Agreement: %s kappa, %g%% intervals (%s); %d ratings on %d units by %d readers; a unit counts when at least %d readers judged it (%d excluded).",
			a.Method, a.Level*100, a.SEMethod, a.Ratings, a.Units, len(a.Readers), a.MinReaders, len(a.Excluded)))
		s.Blocks = append(s.Blocks, Block{Table: kappaTable(a)})
		if g, ok := a.Group(agreement.GroupAll, agreement.GroupAll); ok {
			for i, c := range g.Confusion {
				s.Blocks = append(s.Blocks, Block{Table: confusionTable(i, a.Categories, c)})
			}
		}
	}
	if in.Study != nil {
		s.Blocks = append(s.Blocks, studyBlocks(in.Study.Progress)...)
	}
	if t := paceTable(in.Verdicts); t != nil {
		s.Blocks = append(s.Blocks, Block{Table: t})
	}
	return s, len(s.Blocks) > 0
}

// kappaTable is one row per group: units, raw agreement, kappa [CI].
func kappaTable(a *agreement.Report) *Table {
	t := &Table{ID: "kappa", Caption: "Agreement per group", Header: []string{"group", "units", "unanimous", "observed", "expected", "kappa"}}
	for _, g := range a.Groups {
		name := g.Name
		if g.By != agreement.GroupAll {
			name = g.By + ": " + g.Name
		}
		t.Rows = append(t.Rows, []Cell{text(name), num(strconv.Itoa(g.Units), float64(g.Units)), num(strconv.Itoa(g.Unanimous), float64(g.Unanimous)),
			ptr(g.ObservedAgreement), ptr(g.ExpectedAgreement), kappaCell(g.Kappa)})
	}
	return t
}

// ptr is an optional figure's cell.
func ptr(v *float64) Cell {
	if v == nil {
		return text("n/a")
	}
	return num(strconv.FormatFloat(*v, 'f', 3, 64), *v)
}

// kappaCell is kappa with its interval, or why there is none.
func kappaCell(k agreement.Kappa) Cell {
	if k.Value == nil {
		return text("n/a (" + k.Undefined + ")")
	}
	s := strconv.FormatFloat(*k.Value, 'f', 3, 64)
	switch {
	case k.Low != nil && k.High != nil:
		s += fmt.Sprintf(" [%.3f, %.3f]", *k.Low, *k.High)
	case k.NoCI != "":
		s += " (no interval: " + k.NoCI + ")"
	}
	return num(s, *k.Value)
}

// confusionTable is two readers' cross-table: rows A's decision, columns
// B's.
func confusionTable(i int, cats []string, c agreement.Confusion) *Table {
	t := &Table{ID: fmt.Sprintf("confusion-%d", i), Caption: fmt.Sprintf("Confusion: %s (rows) against %s (columns), %d units", c.ReaderA, c.ReaderB, c.Units)}
	t.Header = append([]string{c.ReaderA + " \\ " + c.ReaderB}, cats...)
	for r, row := range c.Counts {
		cells := []Cell{text(cats[r])}
		for _, n := range row {
			cells = append(cells, num(strconv.Itoa(n), float64(n)))
		}
		t.Rows = append(t.Rows, cells)
	}
	return t
}

// nouns says n things with the plural right: "1 item", "3 items".
func nouns(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return strconv.Itoa(n) + " " + thing + "s"
}

// studyBlocks are a study's progress: the units by state, and per reader
// their items and judgements.
func studyBlocks(p audit.StudyProgress) []Block {
	out := []Block{para("Study %s: %s (%d run), %s to judge; complete: %v.", p.Study, nouns(p.Items, "item"), p.ItemsRun, nouns(p.Units, "disagreement"), p.Complete)}
	st := &Table{ID: "study-states", Caption: "Disagreements by state", Header: []string{"state", "units"}}
	for _, s := range audit.UnitStates() {
		st.Rows = append(st.Rows, []Cell{text(string(s)), num(strconv.Itoa(p.States[s]), float64(p.States[s]))})
	}
	rt := &Table{ID: "study-readers", Caption: "Progress per reader", Header: []string{"reader", "items", "items run", "items done", "units", "judged"}}
	for _, r := range p.Readers {
		rt.Rows = append(rt.Rows, []Cell{text(r.Reader), num(strconv.Itoa(r.Items), float64(r.Items)), num(strconv.Itoa(r.ItemsRun), float64(r.ItemsRun)),
			num(strconv.Itoa(r.ItemsDone), float64(r.ItemsDone)), num(strconv.Itoa(r.Units), float64(r.Units)), num(strconv.Itoa(r.Judged), float64(r.Judged))})
	}
	for _, a := range p.Adjudicators {
		rt.Rows = append(rt.Rows, []Cell{text(a.Adjudicator + " (adjudicator)"), text(""), text(""), text(""), text(""), num(strconv.Itoa(a.Settled)+" settled", float64(a.Settled))})
	}
	return []Block{out[0], {Table: st}, {Table: rt}}
}

// paceTable is each reviewer's verdicts over time: how many, the first
// and last, and the median time between two verdicts in a row (gaps over
// an hour are breaks and left out).
func paceTable(vs []audit.Verdict) *Table {
	if len(vs) == 0 {
		return nil
	}
	by := map[string][]time.Time{}
	for _, v := range vs {
		by[v.Annotator] = append(by[v.Annotator], v.At)
	}
	names := make([]string, 0, len(by))
	for n := range by {
		names = append(names, n)
	}
	sort.Strings(names)
	t := &Table{ID: "pace", Caption: "Verdicts per reviewer, and time", Header: []string{"reviewer", "verdicts", "first", "last", "median time per verdict"}}
	for _, n := range names {
		ts := by[n]
		slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
		var gaps []float64
		for i := 1; i < len(ts); i++ {
			if d := ts[i].Sub(ts[i-1]).Seconds(); d <= 3600 {
				gaps = append(gaps, d)
			}
		}
		med := text("n/a")
		if len(gaps) > 0 {
			slices.Sort(gaps)
			m := gaps[len(gaps)/2]
			if len(gaps)%2 == 0 {
				m = (gaps[len(gaps)/2-1] + gaps[len(gaps)/2]) / 2
			}
			med = num(fmt.Sprintf("%.0f s", math.Round(m)), m)
		}
		t.Rows = append(t.Rows, []Cell{text(n), num(strconv.Itoa(len(ts)), float64(len(ts))), text(date(ts[0])), text(date(ts[len(ts)-1])), med})
	}
	return t
}
