package compare

import (
	"cmp"
	"math"
	"slices"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// Tally is the preference tally of one pair of runs from reviewers'
// compare verdicts: B's wins (B right), losses (A right) and ties (both
// right, both wrong), with unsure verdicts counted apart.
type Tally struct {
	RunA      string `json:"run_a"`
	RunB      string `json:"run_b"`
	ARight    int    `json:"a_right"`
	BRight    int    `json:"b_right"`
	BothRight int    `json:"both_right"`
	BothWrong int    `json:"both_wrong"`
	Unsure    int    `json:"unsure"`
	Wins      int    `json:"wins"`
	Losses    int    `json:"losses"`
	Ties      int    `json:"ties"`
	// WinShare is B's share of the decisive verdicts, Wins/(Wins+Losses),
	// with its Wilson score interval; undefined (NaN) with no decisive
	// verdict. SmallN when there are fewer than MinSupport.
	WinShare Estimate `json:"win_share"`
	// SignP is the exact two-sided sign test of wins against losses (1
	// with none).
	SignP float64 `json:"sign_test_p"`
}

// PreferenceTally tallies the current compare verdicts (one per reviewer
// and difference: the store's job to pick) per pair of runs, sorted by
// RunA then RunB. Every verdict counts once, several reviewers' included;
// verdicts with an invalid preference are left out. level is the Wilson
// interval's coverage (DefaultLevel when not in (0, 1)). docs/metrics.md
// says why the interval is Wilson's and what it does not account for.
func PreferenceTally(verdicts []audit.CompareVerdict, level float64) []Tally {
	if !(level > 0 && level < 1) {
		level = DefaultLevel
	}
	type runs struct{ a, b string }
	by := map[runs]*Tally{}
	for _, v := range verdicts {
		if !v.Preference.Valid() {
			continue
		}
		k := runs{v.RunA, v.RunB}
		t := by[k]
		if t == nil {
			t = &Tally{RunA: v.RunA, RunB: v.RunB}
			by[k] = t
		}
		switch v.Preference {
		case audit.PreferA:
			t.ARight++
		case audit.PreferB:
			t.BRight++
		case audit.PreferBothRight:
			t.BothRight++
		case audit.PreferBothWrong:
			t.BothWrong++
		case audit.PreferUnsure:
			t.Unsure++
		}
	}
	out := make([]Tally, 0, len(by))
	for _, t := range by {
		t.Wins, t.Losses, t.Ties = t.BRight, t.ARight, t.BothRight+t.BothWrong
		t.WinShare = wilson(t.Wins, t.Wins+t.Losses, level)
		t.SignP = binomialTwoSided(t.Wins, t.Losses)
		out = append(out, *t)
	}
	slices.SortFunc(out, func(x, y Tally) int {
		return cmp.Or(cmp.Compare(x.RunA, y.RunA), cmp.Compare(x.RunB, y.RunB))
	})
	return out
}

// wilson is k/n with the Wilson score interval at level (Wilson 1927).
func wilson(k, n int, level float64) Estimate {
	if n == 0 {
		return Estimate{Value: math.NaN(), Low: math.NaN(), High: math.NaN(), SmallN: true}
	}
	z := math.Sqrt2 * math.Erfinv(level)
	nf, p := float64(n), float64(k)/float64(n)
	z2 := z * z
	center := (p + z2/(2*nf)) / (1 + z2/nf)
	half := z / (1 + z2/nf) * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	return Estimate{Value: p, Low: math.Max(0, center-half), High: math.Min(1, center+half), SmallN: n < MinSupport}
}

// AttachTally sets c.Tally to the preference tally of each of c's pairs
// (baseline as run A, the other run as B) that verdicts judge, with
// Wilson intervals at c's level.
func (c *Comparison) AttachTally(verdicts []audit.CompareVerdict) {
	all := PreferenceTally(verdicts, c.Bootstrap.Level)
	c.Tally = nil
	for _, p := range c.Pairs {
		for _, t := range all {
			if t.RunA == p.Baseline && t.RunB == p.Run {
				c.Tally = append(c.Tally, t)
			}
		}
	}
}
