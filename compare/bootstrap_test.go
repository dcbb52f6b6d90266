package compare

import (
	"context"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// TestPoissonCuts recomputes floor(2^32 · P(X <= k)), X ~ Poisson(1), in
// 200-bit arithmetic.
func TestPoissonCuts(t *testing.T) {
	const prec = 200
	e := new(big.Float).SetPrec(prec).SetInt64(0) // e^-1 = sum (-1)^j / j!
	term := new(big.Float).SetPrec(prec).SetInt64(1)
	for j := 1; j < 60; j++ {
		e.Add(e, term)
		term.Quo(term, new(big.Float).SetPrec(prec).SetInt64(int64(-j)))
	}
	cdf := new(big.Float).SetPrec(prec)
	pk := new(big.Float).SetPrec(prec).Set(e)
	scale := new(big.Float).SetPrec(prec).SetInt64(1 << 32)
	for k := range poissonCut {
		if k > 0 {
			pk.Quo(pk, new(big.Float).SetPrec(prec).SetInt64(int64(k)))
		}
		cdf.Add(cdf, pk)
		v, _ := new(big.Float).SetPrec(prec).Mul(cdf, scale).Int(nil)
		require.Equal(t, v.Uint64(), uint64(poissonCut[k]), "k=%d", k)
	}
}

// TestWeightsArePoisson: over many items and resamples the weights have
// the mean, variance and zero share of Poisson(1).
func TestWeightsArePoisson(t *testing.T) {
	const n = 400_000
	var sum, sq, zeros float64
	for i := range n {
		w := float64(weight(itemKey("item-"+strconv.Itoa(i%4000)), 17, i/4000))
		sum += w
		sq += w * w
		if w == 0 {
			zeros++
		}
	}
	mean := sum / n
	assert.InDelta(t, 1, mean, 5/math.Sqrt(n))
	assert.InDelta(t, 1, sq/n-mean*mean, 10/math.Sqrt(n))
	assert.InDelta(t, math.Exp(-1), zeros/n, 5*math.Sqrt(0.25/n))
}

// TestBootstrapMatchesNaive recomputes every interval of both protocols
// from the documented weights with the naive reference: the profiles,
// fixed point and workers change nothing. The card protocol's pooled
// localization has no interval.
func TestBootstrapMatchesNaive(t *testing.T) {
	urgent := []schema.Label{schema.Pneumothorax, schema.NoFinding}
	b := Bootstrap{Resamples: 120, Seed: 5, Level: 0.9}
	for _, p := range []Protocol{ProtocolItem, ProtocolCard} {
		for seed := range uint64(3) {
			items := cardSet(seed+40, 25)
			items[3].Truth = append(items[3].Truth, schema.Finding{Label: schema.NoFinding})
			rep := evaluateWith(t, items, Options{Protocol: p, Urgent: urgent, Bootstrap: b})
			got := reportEstimates(rep)
			perFigure := map[string][]float64{}
			for r := range b.Resamples {
				w := make([]int, len(items))
				for i, it := range items {
					w[i] = int(weight(itemKey(it.ID), b.Seed, r))
				}
				for name, v := range naiveFigures(items, w, p, urgent) {
					perFigure[name] = append(perFigure[name], v)
				}
			}
			for name, vals := range perFigure {
				if p == ProtocolCard && (strings.HasPrefix(name, "iou_") || strings.HasPrefix(name, "mean_iou")) {
					require.True(t, math.IsNaN(got[name].Low) && math.IsNaN(got[name].High), name)
					require.Equal(t, NoteNotResampled, got[name].Note, name)
					continue
				}
				lo, hi := naiveInterval(vals, b.Level)
				tol := 1e-12
				if strings.HasPrefix(name, "mean_iou") {
					tol = 1e-8 // the package sums IoUs in fixed point
				}
				require.InDelta(t, lo, got[name].Low, tol, "%s %s low", p, name)
				require.InDelta(t, hi, got[name].High, tol, "%s %s high", p, name)
			}
		}
	}
}

// TestBootstrapWald: on a large set where a recall's sampling distribution
// is known, the percentile interval is the normal one, p ± z·sqrt(p(1-p)/n),
// to within its Monte Carlo error.
func TestBootstrapWald(t *testing.T) {
	const n, found = 20_000, 6_000
	one := []schema.Finding{{Label: schema.Pneumothorax}}
	items := make([]EvalItem, n)
	for i := range items {
		items[i] = EvalItem{ID: fmt.Sprintf("w%05d", i), Truth: one}
		if i < found {
			items[i].Pred = one
		}
	}
	rep := evaluateWith(t, items, Options{Bootstrap: Bootstrap{Resamples: DefaultResamples, Seed: 2, Level: 0.95}})
	p := float64(found) / n
	half := 1.959964 * math.Sqrt(p*(1-p)/n)
	got := rep.Presence[schema.Pneumothorax].Recall
	assert.InDelta(t, p, got.Value, 1e-12)
	assert.InDelta(t, p-half, got.Low, 0.1*half)
	assert.InDelta(t, p+half, got.High, 0.1*half)
}

// TestBootstrapReproducible: the same seed gives the same intervals bit
// for bit, whatever the item order or the number of workers; another seed
// gives others.
func TestBootstrapReproducible(t *testing.T) {
	items := cardSet(3, 80)
	opts := Options{Urgent: schema.DefaultUrgent(), Bootstrap: Bootstrap{Resamples: 300, Seed: 42, Level: 0.95}}
	for _, p := range []Protocol{ProtocolItem, ProtocolCard} {
		opts.Protocol = p
		a := evaluateWith(t, items, opts)
		prev := runtime.GOMAXPROCS(1)
		b := evaluateWith(t, items, opts)
		runtime.GOMAXPROCS(4)
		c := evaluateWith(t, items, opts)
		runtime.GOMAXPROCS(prev)
		require.Equal(t, fmt.Sprint(a), fmt.Sprint(b), "one worker")
		require.Equal(t, fmt.Sprint(a), fmt.Sprint(c), "four workers")
		if p == ProtocolItem {
			shuffled := append([]EvalItem(nil), items...)
			rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			d := evaluateWith(t, shuffled, opts)
			require.Equal(t, fmt.Sprint(a.Presence), fmt.Sprint(d.Presence), "item order")
			require.Equal(t, a.Localization.MeanIoU.Low, d.Localization.MeanIoU.Low, "item order")
		}
		opts.Bootstrap.Seed++
		e := evaluateWith(t, items, opts)
		opts.Bootstrap.Seed--
		require.NotEqual(t, a.Presence[schema.PleuralEffusion].F1.Low, e.Presence[schema.PleuralEffusion].F1.Low, "another seed")
	}
}

func TestBootstrapCanceled(t *testing.T) {
	s, err := ScoreItems(cardSet(1, 50), ProtocolCard)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Evaluate(ctx, s, Options{Bootstrap: DefaultBootstrap()})
	require.ErrorIs(t, err, context.Canceled)
}

// weightScript restates the resampling generator of docs/metrics.md in
// Python: FNV-1a 64 of the id, SplitMix64's finalizer, the seed of the
// pair of resamples, the Poisson(1) inverse CDF on the even resample's
// high 32 bits or the odd one's low 32.
const weightScript = `
import math, sys
M = (1 << 64) - 1
def mix(z):
    z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M
    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M
    return z ^ (z >> 31)
def key(s):
    h = 0xcbf29ce484222325
    for b in s.encode():
        h = ((h ^ b) * 0x100000001b3) & M
    return mix(h)
cdf, p, cuts = 0.0, math.exp(-1), []
from fractions import Fraction
from decimal import Decimal, getcontext
getcontext().prec = 50
e, c = Decimal(-1).exp(), Decimal(0)
f = Decimal(1)
for k in range(12):
    if k: f *= k
    c += e / f
    cuts.append(int(c * (1 << 32)))
seed = int(sys.argv[1])
for line in sys.stdin:
    ident, r = line.split()
    r = int(r)
    ps = mix((seed + (r // 2 + 1) * 0x9e3779b97f4a7c15) & M)
    x = mix(key(ident) ^ ps)
    u = x >> 32 if r % 2 == 0 else x & 0xffffffff
    print(sum(1 for t in cuts if u >= t))
`

func TestWeightsMatchDocumentedGenerator(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not on PATH")
	}
	script := filepath.Join(t.TempDir(), "weights.py")
	require.NoError(t, os.WriteFile(script, []byte(weightScript), 0o600))
	var in strings.Builder
	var want []string
	const seed = 12345
	for i := range 300 {
		id, r := fmt.Sprintf("demo-%02d-é", i%40), i/40
		fmt.Fprintf(&in, "%s %d\n", id, r)
		want = append(want, strconv.FormatInt(weight(itemKey(id), seed, r), 10))
	}
	cmd := exec.Command(py, script, strconv.Itoa(seed))
	cmd.Stdin = strings.NewReader(in.String())
	out, err := cmd.Output()
	require.NoError(t, err)
	require.Equal(t, want, strings.Fields(string(out)))
}
