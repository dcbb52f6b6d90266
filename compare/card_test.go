package compare

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// cardSet is a synthetic set where the card protocol's pooling pairs boxes
// of different items and several F1s are undefined: pneumothorax is in the
// truth but never predicted, nodule_mass predicted but never in the truth,
// cardiomegaly nowhere. Boxes cluster around a few anchors, so boxes of
// different items overlap.
func cardSet(seed uint64, n int) []EvalItem {
	r := rand.New(rand.NewPCG(seed, 99))
	anchors := []schema.Box{{Y0: 0.6, X0: 0.1, Y1: 0.8, X1: 0.4}, {Y0: 0.6, X0: 0.6, Y1: 0.8, X1: 0.9}, {Y0: 0.2, X0: 0.3, Y1: 0.4, X1: 0.5}}
	jitter := func() *schema.Box {
		a := anchors[r.IntN(len(anchors))]
		d := func() float64 { return (r.Float64() - 0.5) * 0.16 }
		b := schema.Box{Y0: a.Y0 + d(), X0: a.X0 + d(), Y1: a.Y1 + d(), X1: a.X1 + d()}
		return &b
	}
	items := make([]EvalItem, n)
	for i := range items {
		it := EvalItem{ID: fmt.Sprintf("c%03d", i)}
		for _, l := range []schema.Label{schema.PleuralEffusion, schema.LungOpacity} {
			if r.IntN(3) > 0 {
				it.Truth = append(it.Truth, schema.Finding{Label: l, Box: jitter()})
			}
			if r.IntN(3) > 0 {
				it.Pred = append(it.Pred, schema.Finding{Label: l, Box: jitter()})
			}
			if r.IntN(6) == 0 { // a second box, or a label-only finding
				it.Pred = append(it.Pred, schema.Finding{Label: l, Box: []*schema.Box{nil, jitter()}[r.IntN(2)]})
			}
		}
		if r.IntN(5) == 0 {
			it.Truth = append(it.Truth, schema.Finding{Label: schema.Pneumothorax, Box: jitter()})
		}
		if r.IntN(7) == 0 {
			it.Pred = append(it.Pred, schema.Finding{Label: schema.NoduleMass, Box: jitter()})
		}
		it.ParseFailed = r.IntN(25) == 0
		it.Missing = !it.ParseFailed && r.IntN(25) == 0
		items[i] = it
	}
	return items
}

// requireSameFigures holds a report's values to reference figures (NaN
// where undefined).
func requireSameFigures(t *testing.T, want map[string]float64, got map[string]Estimate, tol float64) {
	t.Helper()
	for name, w := range want {
		g, ok := got[name]
		require.True(t, ok, name)
		if math.IsNaN(w) {
			require.True(t, math.IsNaN(g.Value), "%s: want undefined, got %v", name, g.Value)
			continue
		}
		require.InDelta(t, w, g.Value, tol, name)
	}
}

func TestCardProtocolMatchesNaiveReference(t *testing.T) {
	urgent := schema.DefaultUrgent()
	for seed := range uint64(20) {
		items := cardSet(seed, 10+int(seed)*3)
		requireSameFigures(t, naiveFigures(items, nil, ProtocolCard, urgent), reportEstimates(evaluate(t, items, urgent, ProtocolCard)), 1e-12)
		requireSameFigures(t, naiveFigures(items, nil, ProtocolItem, urgent), reportEstimates(evaluate(t, items, urgent, ProtocolItem)), 1e-12)
	}
}

// TestCardProtocolPoolsAcrossItems shows on the synthetic set what the
// protocols differ in: card pools boxes across items (more matches), and
// leaves undefined what item calls 0.
func TestCardProtocolPoolsAcrossItems(t *testing.T) {
	items := cardSet(1, 60)
	card, item := evaluate(t, items, schema.DefaultUrgent(), ProtocolCard), evaluate(t, items, schema.DefaultUrgent(), ProtocolItem)
	assert.Greater(t, card.Localization.Loose.Matched, item.Localization.Loose.Matched, "pooling pairs boxes of different items")
	assert.Equal(t, card.Localization.Loose.TruthBoxes, item.Localization.Loose.TruthBoxes)
	for _, l := range schema.PositiveLabels() {
		c, i := card.Presence[l], item.Presence[l]
		assert.Equal(t, [4]int{i.N, i.TP, i.FP, i.FN}, [4]int{c.N, c.TP, c.FP, c.FN}, "%s: presence counts are the same", l)
	}
	for _, l := range []schema.Label{schema.Pneumothorax, schema.NoduleMass, schema.Cardiomegaly} {
		assert.True(t, math.IsNaN(card.Presence[l].F1.Value), "%s: card leaves the F1 undefined", l)
		assert.Zero(t, item.Presence[l].F1.Value, "%s: item sets it to 0", l)
	}
	assert.Equal(t, 2, card.MacroF1Labels, "card averages the two defined F1s")
	assert.Equal(t, 3, item.MacroF1Labels, "item averages the labels with N > 0")
}

// v1Items is a set built from per-finding counts that give the card's v1
// F1s (0.826, 0.767, 0.72, 0.27) and its pneumothorax 0/1, never
// predicted: every event on its own item, normal items to 273.
func v1Items() []EvalItem {
	type counts struct {
		l          schema.Label
		tp, fp, fn int
	}
	var items []EvalItem
	add := func(truth, pred []schema.Finding) {
		items = append(items, EvalItem{ID: fmt.Sprintf("v1-%03d", len(items)), Truth: truth, Pred: pred})
	}
	for _, c := range []counts{
		{schema.PleuralEffusion, 38, 8, 8}, // 76/92 = 0.826
		{schema.LungOpacity, 33, 10, 10},   // 66/86 = 0.767
		{schema.NoduleMass, 9, 4, 3},       // 18/25 = 0.720
		{schema.Cardiomegaly, 5, 20, 7},    // 10/37 = 0.270
		{schema.Pneumothorax, 0, 0, 1},     // recall 0/1, precision 0/0
	} {
		one := []schema.Finding{{Label: c.l}}
		for range c.tp {
			add(one, one)
		}
		for range c.fp {
			add(nil, one)
		}
		for range c.fn {
			add(one, nil)
		}
	}
	for len(items) < 273 {
		add(nil, nil)
	}
	return items
}

func TestCardProtocolV1MacroF1(t *testing.T) {
	items := v1Items()
	card := evaluate(t, items, schema.DefaultUrgent(), ProtocolCard)
	want := []float64{76.0 / 92, 66.0 / 86, 18.0 / 25, 10.0 / 37}
	mean := (want[0] + want[1] + want[2] + want[3]) / 4
	assert.InDelta(t, mean, card.MacroF1.Value, 1e-12)
	assert.Equal(t, "0.646", fmt.Sprintf("%.3f", card.MacroF1.Value), "the card's macro-F1")
	assert.Equal(t, 4, card.MacroF1Labels)
	ptx := card.Presence[schema.Pneumothorax]
	assert.True(t, math.IsNaN(ptx.Precision.Value) && math.IsNaN(ptx.F1.Value))
	assert.Zero(t, ptx.Recall.Value)
	assert.Equal(t, UrgentRecall{Found: 0, N: 1}, UrgentRecall{Found: card.UrgentRecall[schema.Pneumothorax].Found, N: card.UrgentRecall[schema.Pneumothorax].N})

	item := evaluate(t, items, schema.DefaultUrgent(), ProtocolItem)
	assert.Equal(t, "0.517", fmt.Sprintf("%.3f", item.MacroF1.Value), "the item protocol counts pneumothorax's F1 as 0 over five labels")
}

func TestCardProtocolTooManyPairs(t *testing.T) {
	b := &schema.Box{Y0: 0.1, X0: 0.1, Y1: 0.9, X1: 0.9}
	items := make([]EvalItem, 40)
	for i := range items {
		fs := []schema.Finding{{Label: schema.Cardiomegaly, Box: b}}
		items[i] = EvalItem{ID: fmt.Sprint(i), Truth: fs, Pred: fs}
	}
	s, err := ScoreItems(items, ProtocolCard)
	require.NoError(t, err)
	s.maxPairs = 1000 // 40 x 40 = 1,600 overlapping pairs
	_, err = Evaluate(context.Background(), s, Options{Protocol: ProtocolCard})
	require.ErrorIs(t, err, ErrTooLarge)
	require.ErrorContains(t, err, "use --protocol item")
}

// harnessScript restates the harness's rules (presence sets per image,
// undefined ratios as NaN, F1 undefined when precision or recall is,
// macro-F1 over the defined F1s, boxes pooled per label across images and
// matched greedily from the highest IoU, ties to the lower predicted then
// truth index, mean IoU at 0.3 and at 1e-9) in Python, independently of
// the Go code.
const harnessScript = `
import json, math, sys
LABELS = ["pleural_effusion", "pneumothorax", "lung_opacity_consolidation", "nodule_mass", "cardiomegaly"]
nan = float("nan")
def ratio(a, b): return nan if b == 0 else a / b
def f1(p, r):
    if math.isnan(p) or math.isnan(r): return nan
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)
def iou(a, b):
    ay0, ax0, ay1, ax1 = a; by0, bx0, by1, bx1 = b
    aa = max(0.0, ay1 - ay0) * max(0.0, ax1 - ax0); ab = max(0.0, by1 - by0) * max(0.0, bx1 - bx0)
    if aa <= 0 or ab <= 0: return 0.0
    inter = max(0.0, min(ay1, by1) - max(ay0, by0)) * max(0.0, min(ax1, bx1) - max(ax0, bx0))
    return 0.0 if inter <= 0 else inter / (aa + ab - inter)
def match(pred, gt, thr):
    cands = sorted(((iou(p, g), i, j) for i, p in enumerate(pred) for j, g in enumerate(gt) if iou(p, g) >= thr), key=lambda c: (-c[0], c[1], c[2]))
    up, ug, out = set(), set(), []
    for v, i, j in cands:
        if i in up or j in ug: continue
        up.add(i); ug.add(j); out.append(v)
    return out
def figures(data):
  cases = data["cases"]
  out = {}
  defined = []
  for l in LABELS:
      tp = sum(1 for c in cases if l in {f["label"] for f in c["pred"]} and l in {f["label"] for f in c["truth"]})
      fp = sum(1 for c in cases if l in {f["label"] for f in c["pred"]} and l not in {f["label"] for f in c["truth"]})
      fn = sum(1 for c in cases if l not in {f["label"] for f in c["pred"]} and l in {f["label"] for f in c["truth"]})
      p, r = ratio(tp, tp + fp), ratio(tp, tp + fn)
      out[l + "/precision"], out[l + "/recall"], out[l + "/f1"] = p, r, f1(p, r)
      if not math.isnan(f1(p, r)): defined.append(f1(p, r))
      if l in data["urgent"]: out["urgent/" + l] = r
  out["macro_f1"] = sum(defined) / len(defined) if defined else nan
  out["parse_failure_rate"] = ratio(sum(1 for c in cases if c["failed"]), len(cases))
  for thr, name in ((0.3, "iou_0.3"), (0.5, "iou_0.5"), (1e-9, "any")):
      tp = fp = fn = 0; ious = []
      for l in LABELS:
          pb = [f["box"] for c in cases for f in c["pred"] if f["label"] == l and f["box"] is not None]
          gb = [f["box"] for c in cases for f in c["truth"] if f["label"] == l and f["box"] is not None]
          m = match(pb, gb, thr)
          tp += len(m); fp += len(pb) - len(m); fn += len(gb) - len(m); ious += m
      if name == "any":
          out["mean_iou_any"] = sum(ious) / len(ious) if ious else nan
          continue
      out[name + "/rate"], out[name + "/precision"] = ratio(tp, tp + fn), ratio(tp, tp + fp)
      if thr == 0.3: out["mean_iou"] = sum(ious) / len(ious) if ious else nan
  return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in out.items()}
print(json.dumps([figures(d) for d in json.load(sys.stdin)]))
`

// TestCardProtocolMatchesPythonHarness runs the Python restatement of the
// harness's rules on the synthetic sets (when python3 is on PATH).
func TestCardProtocolMatchesPythonHarness(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not on PATH: the naive Go reference still runs (TestCardProtocolMatchesNaiveReference)")
	}
	script := filepath.Join(t.TempDir(), "harness.py")
	require.NoError(t, os.WriteFile(script, []byte(harnessScript), 0o600))
	urgent := schema.DefaultUrgent()
	type finding struct {
		Label schema.Label `json:"label"`
		Box   []float64    `json:"box"`
	}
	conv := func(fs []schema.Finding) []finding {
		out := []finding{}
		for _, f := range fs {
			var b []float64
			if f.Box != nil && f.Box.Valid() {
				b = []float64{f.Box.Y0, f.Box.X0, f.Box.Y1, f.Box.X1}
			}
			out = append(out, finding{f.Label, b})
		}
		return out
	}
	type pyCase struct {
		Truth  []finding `json:"truth"`
		Pred   []finding `json:"pred"`
		Failed bool      `json:"failed"`
	}
	sets := [][]EvalItem{cardSet(1, 60), cardSet(7, 25), v1Items()}
	var in []map[string]any
	for _, items := range sets {
		var cases []pyCase
		for _, it := range items {
			cases = append(cases, pyCase{conv(it.Truth), conv(naivePred(it)), it.ParseFailed})
		}
		in = append(in, map[string]any{"cases": cases, "urgent": urgent})
	}
	inb, err := json.Marshal(in)
	require.NoError(t, err)
	cmd := exec.Command(py, script)
	cmd.Stdin = bytes.NewReader(inb)
	outb, err := cmd.Output()
	require.NoError(t, err)
	var got []map[string]*float64
	require.NoError(t, json.Unmarshal(outb, &got))
	require.Len(t, got, len(sets))
	for i, items := range sets {
		want := map[string]float64{}
		for k, v := range got[i] {
			want[k] = fromNullable(v)
		}
		requireSameFigures(t, want, reportEstimates(evaluate(t, items, urgent, ProtocolCard)), 1e-12)
	}
}

func TestCardProtocolNeedsPooledScores(t *testing.T) {
	s, err := ScoreItems(cardSet(1, 5), ProtocolItem)
	require.NoError(t, err)
	_, err = Evaluate(context.Background(), s, Options{Protocol: ProtocolCard})
	require.ErrorContains(t, err, "NewScores(ProtocolCard)")
}
