package compare

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

func f(l schema.Label, b *schema.Box) schema.Finding { return schema.Finding{Label: l, Box: b} }

// evaluate scores items without intervals.
func evaluate(t testing.TB, items []EvalItem, urgent []schema.Label, p Protocol) Report {
	t.Helper()
	s, err := ScoreItems(items, ProtocolCard)
	require.NoError(t, err)
	rep, err := Evaluate(context.Background(), s, Options{Protocol: p, Urgent: urgent})
	require.NoError(t, err)
	return rep
}

func ratio(num, den int) float64 {
	if den == 0 {
		return 0
	}
	return float64(num) / float64(den)
}

func TestEvaluatePresence(t *testing.T) {
	E, P, C := schema.PleuralEffusion, schema.Pneumothorax, schema.Cardiomegaly
	items := []EvalItem{
		{ID: "1", Truth: []schema.Finding{f(E, nil)}, Pred: []schema.Finding{f(E, nil), f(E, nil)}},         // E TP (duplicates count once)
		{ID: "2", Truth: []schema.Finding{f(E, nil)}, Pred: nil},                                            // E FN
		{ID: "3", Truth: nil, Pred: []schema.Finding{f(E, nil), f(C, nil)}},                                 // E FP, C FP
		{ID: "4", Truth: []schema.Finding{f(P, nil)}, Pred: []schema.Finding{f(P, nil)}, ParseFailed: true}, // P FN: failures predict nothing
		{ID: "5", Truth: []schema.Finding{f(P, nil)}, Pred: []schema.Finding{f(P, nil)}},                    // P TP
		{ID: "6", Truth: []schema.Finding{f(P, nil)}, Missing: true},                                        // P FN
		{ID: "7", Truth: []schema.Finding{f(schema.NoFinding, nil)}, Pred: []schema.Finding{f("bogus", nil)}},
	}
	m := evaluate(t, items, nil, ProtocolItem)
	assert.Equal(t, 7, m.Items)
	assert.Equal(t, 1, m.ParseFailures)
	assert.Equal(t, 1, m.Missing)

	tests := []struct {
		label             schema.Label
		n, tp, fp, fn     int
		precision, recall float64
	}{
		{E, 2, 1, 1, 1, 0.5, 0.5},
		{P, 3, 1, 0, 2, 1, 1.0 / 3},
		{C, 0, 0, 1, 0, 0, 0},                  // no truth positives: recall 0/0 = 0
		{schema.LungOpacity, 0, 0, 0, 0, 0, 0}, // nothing at all: every ratio 0
		{schema.NoduleMass, 0, 0, 0, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(string(tt.label), func(t *testing.T) {
			got, ok := m.Presence[tt.label]
			require.True(t, ok, "every positive label has an entry")
			assert.Equal(t, tt.n, got.N)
			assert.Equal(t, [3]int{tt.tp, tt.fp, tt.fn}, [3]int{got.TP, got.FP, got.FN})
			assert.InDelta(t, tt.precision, got.Precision.Value, 1e-12)
			assert.InDelta(t, tt.recall, got.Recall.Value, 1e-12)
			wantF1 := 0.0
			if tt.precision+tt.recall > 0 {
				wantF1 = 2 * tt.precision * tt.recall / (tt.precision + tt.recall)
			}
			assert.InDelta(t, wantF1, got.F1.Value, 1e-12)
			assert.True(t, math.IsNaN(got.F1.Low), "no resamples, no interval")
		})
	}
	assert.Len(t, m.Presence, 5, "no_finding and unknown labels are not scored")
	// Macro-F1 averages only labels with N > 0: effusion (0.5) and pneumothorax (0.5).
	assert.InDelta(t, 0.5, m.MacroF1.Value, 1e-12)
	assert.Equal(t, 2, m.MacroF1Labels)
}

func TestEvaluateEmpty(t *testing.T) {
	_, err := Evaluate(context.Background(), NewScores(ProtocolItem), Options{})
	require.ErrorIs(t, err, ErrNoItems)
	_, err = CompareRuns(context.Background(), nil, Options{})
	require.ErrorIs(t, err, ErrNoItems)
}

func TestEvaluateRejectsBadOptions(t *testing.T) {
	s, err := ScoreItems([]EvalItem{{ID: "a"}}, ProtocolCard)
	require.NoError(t, err)
	for _, o := range []Options{
		{Protocol: "pooled"},
		{Bootstrap: Bootstrap{Resamples: -1, Level: 0.95}},
		{Bootstrap: Bootstrap{Resamples: 10, Level: 1}},
		{Bootstrap: Bootstrap{Resamples: MaxResamples + 1, Level: 0.95}},
	} {
		_, err := Evaluate(context.Background(), s, o)
		require.Error(t, err, "%+v", o)
	}
}

func TestScoresRejectDuplicateIDs(t *testing.T) {
	_, err := ScoreItems([]EvalItem{{ID: "a"}, {ID: "b"}, {ID: "a"}}, ProtocolCard)
	require.ErrorContains(t, err, `item "a": duplicate id`)
}

func TestEvaluateLocalization(t *testing.T) {
	N := schema.NoduleMass
	left := box(0, 0, 0.5, 0.5)
	leftish := box(0, 0, 0.5, 0.4)     // IoU with left 0.8
	between := box(0, 0.25, 0.5, 0.75) // IoU 1/3 with left and with right
	right := box(0, 0.5, 0.5, 1)
	far := box(0.8, 0.8, 0.9, 0.9)
	tests := []struct {
		name                       string
		truth, pred                []schema.Finding
		matched3, matched5, tb, pb int
		meanIoU                    float64
	}{
		{
			name:  "one good match counts at both thresholds",
			truth: []schema.Finding{f(N, left)}, pred: []schema.Finding{f(N, leftish)},
			matched3: 1, matched5: 1, tb: 1, pb: 1, meanIoU: 0.8,
		},
		{
			name:  "a match between 0.3 and 0.5 counts only at 0.3",
			truth: []schema.Finding{f(N, left)}, pred: []schema.Finding{f(N, between)},
			matched3: 1, matched5: 0, tb: 1, pb: 1, meanIoU: 1.0 / 3,
		},
		{
			name:  "one prediction cannot match two truths",
			truth: []schema.Finding{f(N, left), f(N, right)}, pred: []schema.Finding{f(N, between)},
			matched3: 1, matched5: 0, tb: 2, pb: 1, meanIoU: 1.0 / 3,
		},
		{
			name: "greedy takes the highest IoU first",
			// between matches left and right equally (tie -> lower truth index,
			// left); leftish then cannot take left and matches nothing else.
			// Highest-first instead pairs left/leftish (0.8) then right/between.
			truth:    []schema.Finding{f(N, left), f(N, right)},
			pred:     []schema.Finding{f(N, between), f(N, leftish)},
			matched3: 2, matched5: 1, tb: 2, pb: 2, meanIoU: (0.8 + 1.0/3) / 2,
		},
		{
			name:  "label-only findings are in neither denominator",
			truth: []schema.Finding{f(N, left), f(N, nil)}, pred: []schema.Finding{f(N, nil), f(N, far)},
			matched3: 0, matched5: 0, tb: 1, pb: 1,
		},
		{
			name:  "boxes of another label do not match",
			truth: []schema.Finding{f(N, left)}, pred: []schema.Finding{f(schema.Pneumothorax, left)},
			matched3: 0, matched5: 0, tb: 1, pb: 1,
		},
		{
			name:  "invalid boxes are ignored",
			truth: []schema.Finding{f(N, left)}, pred: []schema.Finding{f(N, box(0.5, 0.5, 0.1, 0.1))},
			matched3: 0, matched5: 0, tb: 1, pb: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := evaluate(t, []EvalItem{{ID: "x", Truth: tt.truth, Pred: tt.pred}}, nil, ProtocolItem)
			l := m.Localization
			assert.Equal(t, [3]int{tt.matched3, tt.tb, tt.pb}, [3]int{l.Loose.Matched, l.Loose.TruthBoxes, l.Loose.PredBoxes})
			assert.Equal(t, [3]int{tt.matched5, tt.tb, tt.pb}, [3]int{l.Strict.Matched, l.Strict.TruthBoxes, l.Strict.PredBoxes})
			assert.InDelta(t, ratio(tt.matched3, tt.tb), l.Loose.Rate.Value, 1e-12)
			assert.InDelta(t, ratio(tt.matched3, tt.pb), l.Loose.Precision.Value, 1e-12)
			assert.InDelta(t, ratio(tt.matched5, tt.tb), l.Strict.Rate.Value, 1e-12)
			assert.InDelta(t, ratio(tt.matched5, tt.pb), l.Strict.Precision.Value, 1e-12)
			assert.InDelta(t, tt.meanIoU, l.MeanIoU.Value, 1e-12)
			assert.Equal(t, tt.matched3, l.MeanIoUPairs)
		})
	}
}

func TestEvaluateLocalizationPooled(t *testing.T) {
	N, P := schema.NoduleMass, schema.Pneumothorax
	a := box(0, 0, 0.5, 0.5)
	items := []EvalItem{
		{ID: "1", Truth: []schema.Finding{f(N, a), f(P, a)}, Pred: []schema.Finding{f(N, a)}},
		{ID: "2", Truth: []schema.Finding{f(N, a)}, Pred: []schema.Finding{f(N, a), f(P, a)}},
		{ID: "3", Truth: []schema.Finding{f(N, a)}, Pred: []schema.Finding{f(N, a)}, ParseFailed: true},
	}
	l := evaluate(t, items, nil, ProtocolItem).Localization.Strict
	// Truth boxes: 2 + 1 + 1 = 4; predicted: 1 + 2 + 0 (failed) = 3; matched: 1 + 1.
	assert.Equal(t, [3]int{2, 4, 3}, [3]int{l.Matched, l.TruthBoxes, l.PredBoxes})
	assert.InDelta(t, 0.5, l.Rate.Value, 1e-12)
	assert.InDelta(t, 2.0/3, l.Precision.Value, 1e-12)
}

func TestEvaluateUrgentRecall(t *testing.T) {
	P, N := schema.Pneumothorax, schema.NoduleMass
	items := []EvalItem{
		{ID: "1", Truth: []schema.Finding{f(P, nil)}, Pred: []schema.Finding{f(P, nil)}},
		{ID: "2", Truth: []schema.Finding{f(P, nil)}, Pred: []schema.Finding{f(N, nil)}},
		{ID: "3", Truth: nil, Pred: []schema.Finding{f(P, nil)}}, // a false positive is not in N
		{ID: "4", Truth: []schema.Finding{f(P, nil)}, Pred: []schema.Finding{f(P, nil)}, ParseFailed: true},
	}
	tests := []struct {
		name   string
		urgent []schema.Label
		want   map[schema.Label][2]int
	}{
		{"default", schema.DefaultUrgent(), map[schema.Label][2]int{P: {1, 3}, N: {}}},
		{"empty", []schema.Label{}, map[schema.Label][2]int{}},
		{"duplicates collapse", []schema.Label{P, P}, map[schema.Label][2]int{P: {1, 3}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := evaluate(t, items, tt.urgent, ProtocolItem)
			got := map[schema.Label][2]int{}
			for l, u := range rep.UrgentRecall {
				got[l] = [2]int{u.Found, u.N}
				assert.InDelta(t, ratio(u.Found, u.N), u.Recall.Value, 1e-12)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestReportJSONShape(t *testing.T) {
	items := []EvalItem{{ID: "1", Truth: []schema.Finding{f(schema.Pneumothorax, box(0, 0, 1, 1))}}}
	s, err := ScoreItems(items, ProtocolCard)
	require.NoError(t, err)
	m, err := Evaluate(context.Background(), s, Options{Urgent: schema.DefaultUrgent(), Bootstrap: Bootstrap{Resamples: 20, Seed: 3, Level: 0.9}})
	require.NoError(t, err)
	b, err := json.Marshal(m)
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(b, &got))
	require.ElementsMatch(t, []string{"protocol", "bootstrap", "items", "parse_failures", "missing", "parse_failure_rate",
		"presence", "macro_f1", "macro_f1_labels", "localization", "urgent_recall"}, keys(got))
	require.Equal(t, map[string]any{"method": "poisson", "resamples": 20.0, "seed": 3.0, "level": 0.9}, got["bootstrap"])
	estimate := func(v any) {
		t.Helper()
		m := v.(map[string]any)
		require.Subset(t, keys(m), []string{"value", "ci_low", "ci_high"})
		require.Subset(t, []string{"value", "ci_low", "ci_high", "small_n"}, keys(m))
	}
	presence := got["presence"].(map[string]any)
	require.Len(t, presence, 5)
	for _, l := range schema.PositiveLabels() {
		p := presence[string(l)].(map[string]any)
		require.ElementsMatch(t, []string{"n", "tp", "fp", "fn", "precision", "recall", "f1"}, keys(p))
		for _, k := range []string{"precision", "recall", "f1"} {
			estimate(p[k])
		}
	}
	estimate(got["macro_f1"])
	loc := got["localization"].(map[string]any)
	require.ElementsMatch(t, []string{"iou_0.3", "iou_0.5", "mean_iou", "mean_iou_pairs", "mean_iou_any_overlap", "mean_iou_any_overlap_pairs"}, keys(loc))
	for _, k := range []string{"iou_0.3", "iou_0.5"} {
		at := loc[k].(map[string]any)
		require.ElementsMatch(t, []string{"matched", "truth_boxes", "pred_boxes", "rate", "precision"}, keys(at))
		estimate(at["rate"])
		estimate(at["precision"])
	}
	ur := got["urgent_recall"].(map[string]any)
	require.ElementsMatch(t, []string{"pneumothorax", "nodule_mass"}, keys(ur))
	p := ur["pneumothorax"].(map[string]any)
	require.Equal(t, 0.0, p["found"])
	require.Equal(t, 1.0, p["n"])
	estimate(p["recall"])

	var back Report
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, m.Presence[schema.Pneumothorax].Recall.Value, back.Presence[schema.Pneumothorax].Recall.Value)
}

func TestEstimateJSONNull(t *testing.T) {
	b, err := json.Marshal(Estimate{Value: math.NaN(), Low: math.NaN(), High: 0.5, SmallN: true})
	require.NoError(t, err)
	require.JSONEq(t, `{"value": null, "ci_low": null, "ci_high": 0.5, "small_n": true}`, string(b))
	var e Estimate
	require.NoError(t, json.Unmarshal(b, &e))
	require.True(t, math.IsNaN(e.Value) && math.IsNaN(e.Low) && e.High == 0.5 && e.SmallN)
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func randomItems(r *rand.Rand, n int) []EvalItem {
	items := make([]EvalItem, n)
	for i := range items {
		fs, _, _ := randomInput(r)
		ts, _, _ := randomInput(r)
		items[i] = EvalItem{ID: "r" + strconv.Itoa(i), Pred: fs, Truth: ts, ParseFailed: r.IntN(20) == 0, Missing: r.IntN(30) == 0}
	}
	return items
}

// TestEvaluateProperties: ratios stay in [0,1] and finite, counts add up,
// the order of items does not matter, and each interval holds its value
// more often than not.
func TestEvaluateProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 100 {
		items := randomItems(r, 1+r.IntN(30))
		opts := Options{Urgent: schema.Labels(), Bootstrap: Bootstrap{Resamples: 50, Seed: 9, Level: 0.9}}
		m := evaluateWith(t, items, opts)
		unit := func(e Estimate) {
			vals := []float64{e.Value}
			if math.IsNaN(e.Low) || math.IsNaN(e.High) {
				// No resample had a denominator for it.
				require.True(t, math.IsNaN(e.Low) && math.IsNaN(e.High))
			} else {
				vals = append(vals, e.Low, e.High)
				require.LessOrEqual(t, e.Low, e.High)
			}
			for _, v := range vals {
				require.False(t, math.IsNaN(v) || math.IsInf(v, 0))
				require.GreaterOrEqual(t, v, 0.0)
				require.LessOrEqual(t, v, 1.0+1e-12)
			}
		}
		for _, p := range m.Presence {
			unit(p.Precision)
			unit(p.Recall)
			unit(p.F1)
			require.Equal(t, p.N, p.TP+p.FN)
			require.LessOrEqual(t, p.TP+p.FP+p.FN, len(items))
		}
		unit(m.MacroF1)
		for _, la := range []LocalizationAt{m.Localization.Loose, m.Localization.Strict} {
			unit(la.Rate)
			unit(la.Precision)
		}
		require.LessOrEqual(t, m.Localization.Strict.Matched, m.Localization.Loose.Matched)
		require.LessOrEqual(t, m.Localization.Loose.Matched, m.Localization.MeanIoUAnyPairs)
		unit(m.Localization.MeanIoU)
		if m.Localization.Loose.Matched > 0 {
			require.GreaterOrEqual(t, m.Localization.MeanIoU.Value, LooseIoU)
		}
		for _, u := range m.UrgentRecall {
			require.LessOrEqual(t, u.Found, u.N)
		}

		shuffled := append([]EvalItem(nil), items...)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		m2 := evaluateWith(t, shuffled, opts)
		require.Equal(t, fmt.Sprint(m.Presence), fmt.Sprint(m2.Presence), "presence, intervals included, ignores the order")
		require.Equal(t, fmt.Sprint(m.UrgentRecall), fmt.Sprint(m2.UrgentRecall))
		require.Equal(t, fmt.Sprint(m.Localization.Strict), fmt.Sprint(m2.Localization.Strict))
		require.InDelta(t, m.Localization.MeanIoU.Value, m2.Localization.MeanIoU.Value, 1e-9)
		require.Equal(t, fmt.Sprint(m.Localization.MeanIoU.Low), fmt.Sprint(m2.Localization.MeanIoU.Low), "fixed-point sums: the interval is exact")
	}
}

func evaluateWith(t testing.TB, items []EvalItem, opts Options) Report {
	t.Helper()
	s, err := ScoreItems(items, ProtocolCard)
	require.NoError(t, err)
	rep, err := Evaluate(context.Background(), s, opts)
	require.NoError(t, err)
	return rep
}

func BenchmarkCompare(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	type in struct {
		fs []schema.Finding
		ds []schema.DraftLabel
	}
	inputs := make([]in, 1024)
	for i := range inputs {
		inputs[i].fs, inputs[i].ds, _ = randomInput(r)
	}
	wl := schema.DefaultUrgent()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		x := inputs[i%len(inputs)]
		_ = Compare(x.fs, x.ds, wl)
		i++
	}
}

func BenchmarkScoreItems10k(b *testing.B) {
	items := randomItems(rand.New(rand.NewPCG(7, 8)), 10_000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ScoreItems(items, ProtocolCard); err != nil {
			b.Fatal(err)
		}
	}
}
