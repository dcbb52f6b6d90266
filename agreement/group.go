package agreement

import "fmt"

// pairTable accumulates the confusion table of two readers.
type pairTable struct {
	a, b   int         // reader indexes, a < b
	counts [][]int     // [category of a][category of b]
	units  [][]UnitRef // off-diagonal units, at [ca*k+cb]
	n      int
}

// group computes the statistics of the units for which in is true.
func (a *analysis) group(by, name string, in func(*unit) bool) Group {
	g := Group{By: by, Name: name, Confusion: []Confusion{}}
	k := len(a.opts.Categories)
	var (
		counts [][]int // per counted unit: readers per category
		pairs  = map[[2]int]*pairTable{}
		used   = make([]int, k) // ratings per category
	)
	pairOf := func(x, y int) *pairTable {
		p := pairs[[2]int{x, y}]
		if p == nil {
			p = &pairTable{a: x, b: y, counts: square(k), units: make([][]UnitRef, k*k)}
			pairs[[2]int{x, y}] = p
		}
		return p
	}
	if a.method == MethodCohen && len(a.readers) == 2 {
		pairOf(0, 1) // the one table shows even when empty
	}

	for _, u := range a.units {
		if !in(u) {
			continue
		}
		if len(u.ratedBy) < a.opts.MinReaders {
			g.Excluded++
			continue
		}
		g.Units++
		g.Ratings += len(u.ratedBy)
		for c, n := range u.row {
			used[c] += n
			if n == len(u.ratedBy) {
				g.Unanimous++
			}
		}
		if a.method != MethodCohen {
			counts = append(counts, u.row) // Fleiss' kappa reads the rows
		}
		// ratedBy is ascending, so each pair is visited as (a < b).
		for i, x := range u.ratedBy {
			cx := u.cats[i]
			for j, y := range u.ratedBy[i+1:] {
				cy := u.cats[i+1+j]
				p := pairOf(x, y)
				p.counts[cx][cy]++
				p.n++
				if cx != cy {
					p.units[cx*k+cy] = append(p.units[cx*k+cy], u.ref)
				}
			}
		}
	}

	// Confusion tables in reader order.
	for x := range a.readers {
		for y := x + 1; y < len(a.readers); y++ {
			if p := pairs[[2]int{x, y}]; p != nil {
				g.Confusion = append(g.Confusion, a.confusion(p))
			}
		}
	}

	var est kappaEstimate
	if a.method == MethodCohen {
		if p := pairs[[2]int{0, 1}]; p != nil {
			est = cohenKappa(p.counts)
		}
	} else {
		est = fleissKappa(counts)
	}
	if g.Units > 0 {
		g.ObservedAgreement = ptr(est.observed)
		g.ExpectedAgreement = ptr(est.expected)
	}
	g.Kappa = a.kappa(est, a.undefinedReason(g, used))
	return g
}

// undefinedReason says why the group has no kappa, or "" when it has one.
func (a *analysis) undefinedReason(g Group, used []int) string {
	switch {
	case len(a.units) == 0:
		return "no ratings"
	case len(a.readers) < 2:
		return "fewer than two readers rated anything"
	case g.Units == 0 && a.method == MethodCohen:
		return "no unit in this group was rated by both readers"
	case g.Units == 0:
		return fmt.Sprintf("no unit in this group was rated by at least %d readers", a.opts.MinReaders)
	}
	for c, n := range used {
		if n == g.Ratings {
			return fmt.Sprintf("every rating in this group is %q: chance agreement is 1, so kappa is 0/0", a.opts.Categories[c])
		}
	}
	return ""
}

// kappa turns an estimate into the reported Kappa: the value, and the
// interval κ ± z·SE clipped to [−1, 1].
func (a *analysis) kappa(est kappaEstimate, undefined string) Kappa {
	k := Kappa{Method: a.method}
	if undefined == "" && !est.ok {
		// undefinedReason already names the one category used; this guard
		// only keeps a nil Value from ever going without a reason.
		undefined = "chance agreement is 1, so kappa is 0/0"
	}
	if undefined != "" {
		k.Undefined = undefined
		return k
	}
	v := clampUnit(est.kappa)
	k.Value = &v
	if !est.seOK {
		k.NoCI = "one unit: too few for a standard error"
		return k
	}
	k.SE = ptr(est.se)
	if est.se == 0 {
		// The large-sample variance vanishes where kappa cannot move with
		// the margins (perfect agreement; one reader always choosing one
		// category, where κ is 0 whatever the other does) and on some
		// tables of two or three units. A zero-width interval there would
		// claim a certainty the formula does not give.
		k.NoCI = "the standard error is 0 (perfect agreement, a reader who always chose one category, or very few units): no interval"
		return k
	}
	z := normalQuantile(a.opts.Level)
	k.Low = ptr(clampUnit(v - z*est.se))
	k.High = ptr(clampUnit(v + z*est.se))
	return k
}

// confusion renders one pair's table.
func (a *analysis) confusion(p *pairTable) Confusion {
	cats := a.opts.Categories
	c := Confusion{
		ReaderA:       a.readers[p.a],
		ReaderB:       a.readers[p.b],
		Units:         p.n,
		Counts:        p.counts,
		Disagreements: []ConfusionCell{},
	}
	diag := 0
	for i := range cats {
		diag += p.counts[i][i]
		for j := range cats {
			if units := p.units[i*len(cats)+j]; len(units) > 0 {
				c.Disagreements = append(c.Disagreements, ConfusionCell{A: cats[i], B: cats[j], Count: len(units), Units: units})
			}
		}
	}
	if p.n > 0 {
		c.Agreement = ptr(float64(diag) / float64(p.n))
	}
	return c
}

func square(k int) [][]int {
	m := make([][]int, k)
	for i := range m {
		m[i] = make([]int, k)
	}
	return m
}

func ptr(v float64) *float64 { return &v }
