package agreement

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tol is half a unit in the last published digit: a figure published to d
// decimals is reproduced when it rounds to the same d decimals.
func tol(decimals int) float64 { return 0.5 * math.Pow(10, -float64(decimals)) }

// Published two-reader tables and the figures their sources print.
// Rows are reader A's category, columns reader B's.
func TestCohenKappaPublished(t *testing.T) {
	tests := []struct {
		name     string
		source   string
		table    [][]int
		decimals int // digits the source prints
		// want: kappa, and (when the source gives them) SE and 95% CI;
		// NaN means "not published".
		po, pe, kappa, se, low, high float64
	}{
		{
			name:   "wikipedia yes-no",
			source: `Wikipedia, "Cohen's kappa", worked example: 50 proposals, readers A and B; yes/yes 20, yes/no 5, no/yes 10, no/no 15`,
			table:  [][]int{{20, 5}, {10, 15}}, decimals: 2,
			po: 0.70, pe: 0.50, kappa: 0.40, se: math.NaN(), low: math.NaN(), high: math.NaN(),
		},
		{
			name:   "sas skin condition",
			source: "SAS/STAT PROC FREQ, Getting Started: Agreement Study (SkinCondition, 88 patients, 2 dermatologists): Simple Kappa 0.3449, ASE 0.0724, 95% CL 0.2030 to 0.4868",
			table:  [][]int{{10, 4, 1, 0}, {5, 10, 12, 2}, {2, 4, 12, 5}, {0, 2, 6, 13}}, decimals: 4,
			po: math.NaN(), pe: math.NaN(), kappa: 0.3449, se: 0.0724, low: 0.2030, high: 0.4868,
		},
		{
			name:   "sas printout in statsmodels",
			source: "statsmodels stats/tests/test_inter_rater.py, UnweightedCohens: SAS printout for table10 [[0,4,1],[0,8,0],[0,1,5]]: Kappa 0.4842, ASE 0.1380, 95% CL 0.2137 to 0.7547",
			table:  [][]int{{0, 4, 1}, {0, 8, 0}, {0, 1, 5}}, decimals: 4,
			po: math.NaN(), pe: math.NaN(), kappa: 0.4842, se: 0.1380, low: 0.2137, high: 0.7547,
		},
		{
			name:   "irrCAC abstractors",
			source: "Gwet, R package irrCAC README: kappa2.table(cont3x3abstractors) Cohen's Kappa 0.7964094, coeff.se 0.05891072 (its CI uses Student's t, so only the SE is compared)",
			table:  [][]int{{13, 0, 0}, {0, 20, 7}, {0, 4, 56}}, decimals: 7,
			po: 0.89, pe: math.NaN(), kappa: 0.7964094, se: 0.05891072, low: math.NaN(), high: math.NaN(),
		},
	}
	z := normalQuantile(0.95)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			est := cohenKappa(tt.table)
			require.True(t, est.ok, tt.source)
			require.True(t, est.seOK)
			d := tol(tt.decimals)
			check := func(what string, want, got float64) {
				if !math.IsNaN(want) {
					assert.InDelta(t, want, got, d, "%s (%s)", what, tt.source)
				}
			}
			check("p_o", tt.po, est.observed)
			check("p_e", tt.pe, est.expected)
			check("kappa", tt.kappa, est.kappa)
			check("SE", tt.se, est.se)
			check("CI low", tt.low, est.kappa-z*est.se)
			check("CI high", tt.high, est.kappa+z*est.se)
		})
	}
}

// The Wikipedia table worked by hand, to full precision. p = [[.4,.1],[.2,.3]],
// rows (A) .5 .5, columns (B) .6 .4; p_o = .7, p_e = .5·.6 + .5·.4 = .5,
// κ = .2/.5 = .4, 1 − κ = .6.
//
//	diagonal:  .4(1 − (.5+.6)·.6)² + .3(1 − (.5+.4)·.6)² = .4·.1156 + .3·.2116 = .10972
//	off:       .6²·[.1(.6+.5)² + .2(.4+.5)²] = .36·.283 = .10188
//	correction (κ − p_e(1 − κ))² = (.4 − .3)² = .01
//	Var = (.10972 + .10188 − .01) / (50·.5²) = .016128,  SE = .1269961
func TestCohenKappaHandComputed(t *testing.T) {
	est := cohenKappa([][]int{{20, 5}, {10, 15}})
	assert.InDelta(t, 0.4, est.kappa, 1e-12)
	assert.InDelta(t, math.Sqrt(0.016128), est.se, 1e-12)
	assert.Equal(t, 50, est.units)
}

func TestCohenKappaEdges(t *testing.T) {
	tests := []struct {
		name        string
		table       [][]int
		ok, seOK    bool
		kappa, se   float64
		po, pe      float64
		wantedUnits int
	}{
		{"empty table", [][]int{{0, 0}, {0, 0}}, false, false, 0, 0, 0, 0, 0},
		// Both readers always say the first category: p_o = p_e = 1, κ = 0/0.
		{"one category", [][]int{{7, 0}, {0, 0}}, false, false, 0, 0, 1, 1, 7},
		// One unit: κ exists, but no variance can be estimated from it.
		{"one unit", [][]int{{0, 1}, {0, 0}}, true, false, 0, 0, 0, 0, 1},
		// Perfect agreement on two categories: κ = 1 and the large-sample
		// variance is 0 (every term of FCE 1969 vanishes).
		{"perfect", [][]int{{3, 0}, {0, 2}}, true, true, 1, 0, 1, 0.52, 5},
		// Complete disagreement with balanced margins: p_o = 0, p_e = .5, κ = −1.
		{"opposite", [][]int{{0, 2}, {2, 0}}, true, true, -1, 0, 0, 0.5, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			est := cohenKappa(tt.table)
			assert.Equal(t, tt.ok, est.ok)
			assert.Equal(t, tt.seOK, est.seOK)
			assert.Equal(t, tt.wantedUnits, est.units)
			assert.InDelta(t, tt.po, est.observed, 1e-12)
			assert.InDelta(t, tt.pe, est.expected, 1e-12)
			assert.InDelta(t, tt.kappa, est.kappa, 1e-12)
			assert.InDelta(t, tt.se, est.se, 1e-12)
		})
	}
}

// fleiss1971 is Table 1 of Fleiss (1971): 30 patients, each diagnosed by 6
// of a pool of psychiatrists, as counts per category (depression,
// personality disorder, schizophrenia, neurosis, other); transcribed from the
// raw ratings in the R package irr (data "diagnoses") as reproduced in
// statsmodels' test_inter_rater.py.
var fleiss1971 = [][]int{
	{0, 0, 0, 6, 0}, {0, 3, 0, 0, 3}, {0, 1, 4, 0, 1}, {0, 0, 0, 0, 6}, {0, 3, 0, 3, 0},
	{2, 0, 4, 0, 0}, {0, 0, 4, 0, 2}, {2, 0, 3, 1, 0}, {2, 0, 0, 4, 0}, {0, 0, 0, 0, 6},
	{1, 0, 0, 5, 0}, {1, 1, 0, 4, 0}, {0, 3, 3, 0, 0}, {1, 0, 0, 5, 0}, {0, 2, 0, 3, 1},
	{0, 0, 5, 0, 1}, {3, 0, 0, 1, 2}, {5, 1, 0, 0, 0}, {0, 2, 0, 4, 0}, {1, 0, 2, 0, 3},
	{0, 0, 0, 0, 6}, {0, 1, 0, 5, 0}, {0, 2, 0, 1, 3}, {2, 0, 0, 4, 0}, {1, 0, 0, 4, 1},
	{0, 5, 0, 1, 0}, {4, 0, 0, 0, 2}, {0, 2, 0, 4, 0}, {1, 0, 5, 0, 0}, {0, 0, 0, 0, 6},
}

// wikipediaFleiss is the worked example of Wikipedia's "Fleiss' kappa":
// 10 subjects, 14 raters each, 5 categories.
var wikipediaFleiss = [][]int{
	{0, 0, 0, 0, 14}, {0, 2, 6, 4, 2}, {0, 0, 3, 5, 6}, {0, 3, 9, 2, 0}, {2, 2, 8, 1, 1},
	{7, 7, 0, 0, 0}, {3, 2, 6, 3, 0}, {2, 5, 3, 2, 2}, {6, 5, 2, 1, 0}, {0, 2, 2, 3, 7},
}

// gwetRaw4Raters is irrCAC's cac.raw4raters (Gwet 2014): 12 subjects, 4
// raters, categories 1..5, NA where a rater did not rate; as counts. Subject
// 12 has a single rating.
var gwetRaw4Raters = [][]int{
	{3, 0, 0, 0, 0}, {0, 3, 1, 0, 0}, {0, 0, 4, 0, 0}, {0, 0, 4, 0, 0}, {0, 4, 0, 0, 0}, {1, 1, 1, 1, 0},
	{0, 0, 0, 4, 0}, {3, 1, 0, 0, 0}, {0, 4, 0, 0, 0}, {0, 0, 0, 0, 3}, {2, 0, 0, 0, 0}, {0, 0, 1, 0, 0},
}

func TestFleissKappaPublished(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name     string
		source   string
		counts   [][]int
		decimals int
		pa, pe   float64
		kappa    float64
		se       float64
	}{
		{
			name:   "wikipedia 10x14",
			source: `Wikipedia, "Fleiss' kappa", worked example: P̄ = 0.378, P̄e = 0.213, κ = 0.210`,
			counts: wikipediaFleiss, decimals: 3,
			pa: 0.378, pe: 0.213, kappa: 0.210, se: nan,
		},
		{
			name:   "fleiss 1971 as published",
			source: "Fleiss (1971), Psychological Bulletin 76:378-382, 30 patients × 6 psychiatrists: κ = .430",
			counts: fleiss1971, decimals: 3,
			pa: nan, pe: nan, kappa: 0.430, se: nan,
		},
		{
			name:   "fleiss 1971 in R irr",
			source: "R irr kappam.fleiss(diagnoses): Kappa = 0.4302445 (quoted in statsmodels test_fleiss_kappa_irr)",
			counts: fleiss1971, decimals: 7,
			pa: nan, pe: nan, kappa: 0.4302445, se: nan,
		},
		{
			name:   "gwet distrib.6raters",
			source: "irrCAC README, fleiss.kappa.dist(distrib.6raters) (the first 15 patients of Fleiss 1971): coeff 0.4139265, stderr 0.08119291, pa 0.5511111, pe 0.2340741",
			counts: fleiss1971[:15], decimals: 7,
			pa: 0.5511111, pe: 0.2340741, kappa: 0.4139265, se: 0.08119291,
		},
		{
			name:   "gwet raw4raters, unequal raters",
			source: "irrCAC README, fleiss.kappa.raw(cac.raw4raters): pa 0.8181818, pe 0.2387153, coeff 0.76117, se 0.15302",
			counts: gwetRaw4Raters, decimals: 5,
			pa: 0.8181818, pe: 0.2387153, kappa: 0.76117, se: 0.15302,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			est := fleissKappa(tt.counts)
			require.True(t, est.ok)
			require.True(t, est.seOK)
			d := tol(tt.decimals)
			check := func(what string, want, got float64) {
				if !math.IsNaN(want) {
					assert.InDelta(t, want, got, d, "%s (%s)", what, tt.source)
				}
			}
			check("P̄", tt.pa, est.observed)
			check("p_e", tt.pe, est.expected)
			check("kappa", tt.kappa, est.kappa)
			check("SE", tt.se, est.se)
		})
	}
}

// With two readers per unit Fleiss' kappa is Scott's pi: irrCAC's
// scott2.table(cont3x3abstractors) prints 0.7962397.
func TestFleissKappaTwoReadersIsScottsPi(t *testing.T) {
	table := [][]int{{13, 0, 0}, {0, 20, 7}, {0, 4, 56}}
	var counts [][]int
	for i, row := range table {
		for j, n := range row {
			for range n {
				c := make([]int, 3)
				c[i]++
				c[j]++
				counts = append(counts, c)
			}
		}
	}
	est := fleissKappa(counts)
	assert.InDelta(t, 0.7962397, est.kappa, tol(7))
	assert.InDelta(t, 0.89, est.observed, 1e-12)
}

// Three units with unequal numbers of readers, by hand:
//
//	unit 1: A A B  P_1 = (2·1 + 1·0)/(3·2) = 1/3   shares (2/3, 1/3)
//	unit 2: A A    P_2 = 2·1/(2·1)         = 1     shares (1, 0)
//	unit 3: A B    P_3 = 0                         shares (1/2, 1/2)
//
// P̄ = (1/3 + 1 + 0)/3 = 4/9; π_A = (2/3 + 1 + 1/2)/3 = 13/18, π_B = 5/18;
// p_e = (169 + 25)/324 = 97/162; κ = (72/162 − 97/162)/(65/162) = −5/13.
func TestFleissKappaUnequalReadersHandComputed(t *testing.T) {
	est := fleissKappa([][]int{{2, 1}, {2, 0}, {1, 1}})
	assert.InDelta(t, 4.0/9, est.observed, 1e-12)
	assert.InDelta(t, 97.0/162, est.expected, 1e-12)
	assert.InDelta(t, -5.0/13, est.kappa, 1e-12)
	assert.Equal(t, 3, est.units)
	// Gwet's unit terms (n = n₂ = 3, 1 − p_e = 65/162, 1 − κ = 18/13):
	// κ_i = (P_i − p_e)/(1 − p_e); pe_i = Σ_k r_ik π_k / r_i; κ*_i = κ_i − 2(1−κ)(pe_i − p_e)/(1 − p_e).
	pe, k := 97.0/162, -5.0/13
	pi := []float64{13.0 / 18, 5.0 / 18}
	var ss float64
	for _, u := range []struct {
		pa     float64
		shares []float64
	}{{1.0 / 3, []float64{2.0 / 3, 1.0 / 3}}, {1, []float64{1, 0}}, {0, []float64{0.5, 0.5}}} {
		pei := u.shares[0]*pi[0] + u.shares[1]*pi[1]
		d := (u.pa-pe)/(1-pe) - 2*(1-k)*(pei-pe)/(1-pe) - k
		ss += d * d
	}
	assert.InDelta(t, math.Sqrt(ss/6), est.se, 1e-12)
}

func TestFleissKappaEdges(t *testing.T) {
	assert.False(t, fleissKappa(nil).ok, "no units")
	assert.False(t, fleissKappa([][]int{{1, 0}, {0, 1}}).ok, "no unit with two ratings")
	one := fleissKappa([][]int{{4, 0}, {2, 0}})
	assert.False(t, one.ok, "one category: chance agreement 1")
	assert.InDelta(t, 1, one.expected, 0)
	single := fleissKappa([][]int{{1, 1}})
	assert.True(t, single.ok)
	assert.False(t, single.seOK, "one unit: no variance")
	assert.InDelta(t, -1, single.kappa, 1e-12)
	perfect := fleissKappa([][]int{{3, 0}, {0, 3}})
	assert.InDelta(t, 1, perfect.kappa, 1e-12)
	assert.InDelta(t, 0, perfect.se, 1e-12)
}

func TestNormalQuantile(t *testing.T) {
	assert.InDelta(t, 1.959963984540054, normalQuantile(0.95), 1e-12)
	assert.InDelta(t, 2.5758293035489, normalQuantile(0.99), 1e-12)
	assert.InDelta(t, 1.6448536269514722, normalQuantile(0.90), 1e-12)
}
