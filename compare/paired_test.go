package compare

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

func TestBinomialTwoSided(t *testing.T) {
	tests := []struct {
		b, c int
		want float64
	}{
		{0, 0, 1},
		{0, 1, 1},
		{0, 5, 0.0625},                   // 2 · 2^-5
		{1, 9, 0.021484375},              // 2 · (1 + 10) / 1024
		{9, 1, 0.021484375},              // symmetric
		{5, 5, 1},                        // capped at 1
		{3, 12, 0.03515625},              // 2 · (1 + 15 + 105 + 455) / 32768
		{100, 140, 0.011664092317677663}, // exact: 2 · Σ_{k≤100} C(240,k) / 2^240
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d-%d", tt.b, tt.c), func(t *testing.T) {
			assert.InDelta(t, tt.want, binomialTwoSided(tt.b, tt.c), 1e-12*max(1, tt.want))
		})
	}
	// A large, very uneven split stays finite and tiny.
	p := binomialTwoSided(10, 100_000)
	assert.True(t, p >= 0 && p < 1e-300 || p == 0)
}

// pairedSets returns a baseline and a run over the same items: the run
// finds more effusions and fewer pneumothoraces.
func pairedSets(n int) (truth []EvalItem, a, b []EvalItem) {
	r := rand.New(rand.NewPCG(21, 22))
	E, P := schema.PleuralEffusion, schema.Pneumothorax
	for i := range n {
		id := fmt.Sprintf("p%04d", i)
		var tr []schema.Finding
		if r.IntN(2) == 0 {
			tr = append(tr, schema.Finding{Label: E})
		}
		if r.IntN(4) == 0 {
			tr = append(tr, schema.Finding{Label: P})
		}
		var pa, pb []schema.Finding
		for _, f := range tr {
			if r.Float64() < map[schema.Label]float64{E: 0.6, P: 0.7}[f.Label] {
				pa = append(pa, f)
			}
			if r.Float64() < map[schema.Label]float64{E: 0.85, P: 0.5}[f.Label] {
				pb = append(pb, f)
			}
		}
		if r.IntN(10) == 0 {
			pa = append(pa, schema.Finding{Label: E})
		}
		truth = append(truth, EvalItem{ID: id, Truth: tr})
		a = append(a, EvalItem{ID: id, Truth: tr, Pred: pa})
		b = append(b, EvalItem{ID: id, Truth: tr, Pred: pb, ParseFailed: r.IntN(50) == 0})
	}
	return truth, a, b
}

func compareRuns(t testing.TB, opts Options, runs ...[]EvalItem) Comparison {
	t.Helper()
	var ns []NamedScores
	for i, items := range runs {
		s, err := ScoreItems(items, ProtocolCard)
		require.NoError(t, err)
		ns = append(ns, NamedScores{Name: string(rune('A' + i)), Scores: s})
	}
	c, err := CompareRuns(context.Background(), ns, opts)
	require.NoError(t, err)
	return c
}

// TestCompareRunsPaired: each difference and its interval come from the
// same resamples of both runs (the naive reference, item by item), and
// McNemar counts the items exactly one run got right.
func TestCompareRunsPaired(t *testing.T) {
	_, a, b := pairedSets(300)
	opts := Options{Urgent: schema.DefaultUrgent(), Bootstrap: Bootstrap{Resamples: 200, Seed: 8, Level: 0.95}}
	for _, p := range []Protocol{ProtocolItem, ProtocolCard} {
		opts.Protocol = p
		c := compareRuns(t, opts, a, b)
		require.Len(t, c.Runs, 2)
		require.Len(t, c.Pairs, 1)
		pr := c.Pairs[0]
		assert.Equal(t, "A", pr.Baseline)
		assert.Equal(t, "B", pr.Run)
		var diffs []float64
		for r := range opts.Bootstrap.Resamples {
			w := make([]int, len(a))
			for i, it := range a {
				w[i] = int(weight(itemKey(it.ID), opts.Bootstrap.Seed, r))
			}
			diffs = append(diffs, naiveFigures(b, w, p, nil)["pleural_effusion/f1"]-naiveFigures(a, w, p, nil)["pleural_effusion/f1"])
		}
		lo, hi := naiveInterval(diffs, opts.Bootstrap.Level)
		e := pr.Presence[schema.PleuralEffusion]
		assert.InDelta(t, c.Runs[1].Presence[schema.PleuralEffusion].F1.Value-c.Runs[0].Presence[schema.PleuralEffusion].F1.Value, e.F1.Value, 1e-15)
		assert.InDelta(t, lo, e.F1.Low, 1e-12)
		assert.InDelta(t, hi, e.F1.High, 1e-12)
		assert.Greater(t, e.F1.Low, 0.0, "B finds clearly more effusions")

		var onlyA, onlyB int
		for i := range a {
			right := func(it EvalItem) bool {
				return has(it.Truth, schema.Pneumothorax) == has(naivePred(it), schema.Pneumothorax)
			}
			switch ra, rb := right(a[i]), right(b[i]); {
			case ra && !rb:
				onlyA++
			case rb && !ra:
				onlyB++
			}
		}
		m := pr.Presence[schema.Pneumothorax].McNemar
		assert.Equal(t, [2]int{onlyA, onlyB}, [2]int{m.BaselineOnly, m.RunOnly})
		assert.InDelta(t, binomialTwoSided(onlyA, onlyB), m.P, 0)
	}
}

// TestCompareRunsSameRun: a run compared with itself differs by exactly
// zero in every resample, and McNemar sees no discordant item.
func TestCompareRunsSameRun(t *testing.T) {
	items := cardSet(4, 40)
	c := compareRuns(t, Options{Urgent: schema.DefaultUrgent(), Bootstrap: Bootstrap{Resamples: 100, Seed: 1, Level: 0.95}}, items, items, items)
	require.Len(t, c.Pairs, 2, "each run after the first against the first")
	for _, pr := range c.Pairs {
		f1 := pr.Presence[schema.PleuralEffusion].F1
		assert.Equal(t, [3]float64{0, 0, 0}, [3]float64{f1.Value, f1.Low, f1.High})
		assert.Equal(t, McNemar{P: 1}, pr.Presence[schema.PleuralEffusion].McNemar)
		assert.Equal(t, [3]float64{0, 0, 0}, [3]float64{pr.MeanIoU.Value, pr.MeanIoU.Low, pr.MeanIoU.High})
	}
}

func TestCompareRunsReproducible(t *testing.T) {
	_, a, b := pairedSets(200)
	opts := Options{Bootstrap: Bootstrap{Resamples: 300, Seed: 77, Level: 0.9}}
	x, y := compareRuns(t, opts, a, b), compareRuns(t, opts, a, b)
	require.Equal(t, fmt.Sprint(x.Pairs), fmt.Sprint(y.Pairs))
	opts.Bootstrap.Seed = 78
	z := compareRuns(t, opts, a, b)
	require.NotEqual(t, fmt.Sprint(x.Pairs), fmt.Sprint(z.Pairs))
}

func TestCompareRunsNeedsTheSameItems(t *testing.T) {
	_, a, b := pairedSets(20)
	sa, err := ScoreItems(a, ProtocolCard)
	require.NoError(t, err)
	sb, err := ScoreItems(b[1:], ProtocolCard)
	require.NoError(t, err)
	_, err = CompareRuns(context.Background(), []NamedScores{{"A", sa}, {"B", sb}}, Options{})
	require.ErrorContains(t, err, "run B: its items are not those of run A")
}

func TestPreferenceTally(t *testing.T) {
	v := func(a, b string, p audit.Preference) audit.CompareVerdict {
		return audit.CompareVerdict{RunA: a, RunB: b, Preference: p}
	}
	var vs []audit.CompareVerdict
	for range 8 {
		vs = append(vs, v("v1", "v2", audit.PreferB))
	}
	vs = append(vs, v("v1", "v2", audit.PreferA), v("v1", "v2", audit.PreferA),
		v("v1", "v2", audit.PreferBothRight), v("v1", "v2", audit.PreferBothWrong), v("v1", "v2", audit.PreferUnsure),
		v("v1", "v2", "maybe"), v("v1", "q8", audit.PreferA))
	got := PreferenceTally(vs, 0.95)
	require.Len(t, got, 2)
	assert.Equal(t, "q8", got[0].RunB, "sorted by run names")
	tl := got[1]
	assert.Equal(t, [5]int{2, 8, 1, 1, 1}, [5]int{tl.ARight, tl.BRight, tl.BothRight, tl.BothWrong, tl.Unsure})
	assert.Equal(t, [3]int{8, 2, 2}, [3]int{tl.Wins, tl.Losses, tl.Ties})
	// 8 of 10: Wilson 95% interval 0.4902 to 0.9433 (Newcombe 1998, table I
	// method 3 gives the same construction).
	assert.InDelta(t, 0.8, tl.WinShare.Value, 1e-12)
	assert.InDelta(t, 0.4902, tl.WinShare.Low, 5e-5)
	assert.InDelta(t, 0.9433, tl.WinShare.High, 5e-5)
	assert.False(t, tl.WinShare.SmallN)
	assert.InDelta(t, 0.109375, tl.SignP, 1e-12) // 2 · (1 + 10 + 45) / 1024
	assert.True(t, got[0].WinShare.SmallN)
	none := PreferenceTally([]audit.CompareVerdict{v("a", "b", audit.PreferUnsure)}, 0)
	assert.True(t, math.IsNaN(none[0].WinShare.Value))
	assert.Equal(t, 1.0, none[0].SignP)
}

// TestAttachTally: a comparison keeps the tally of each of its pairs, the
// baseline as run A, and nothing else.
func TestAttachTally(t *testing.T) {
	c := Comparison{Bootstrap: BootstrapInfo{Bootstrap: Bootstrap{Level: 0.9}},
		Pairs: []Pair{{Baseline: "v1", Run: "v2"}, {Baseline: "v1", Run: "q8"}}}
	c.AttachTally([]audit.CompareVerdict{
		{RunA: "v1", RunB: "v2", Preference: audit.PreferB},
		{RunA: "v2", RunB: "v1", Preference: audit.PreferB}, // the other way round: not this comparison's
		{RunA: "v1", RunB: "q8", Preference: audit.PreferA},
		{RunA: "x", RunB: "y", Preference: audit.PreferA},
	})
	require.Len(t, c.Tally, 2)
	assert.Equal(t, [2]string{"v1", "v2"}, [2]string{c.Tally[0].RunA, c.Tally[0].RunB})
	assert.Equal(t, 1, c.Tally[0].Wins)
	assert.Equal(t, 1, c.Tally[1].Losses)
	z := 1.6448536269514722 // the 90% Wilson interval of 1/1
	assert.InDelta(t, 1/(1+z*z), c.Tally[0].WinShare.Low, 1e-9)
}
