package compare

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// row is a TruthError without its boxes, for compact expectations; iou is
// -1 when the row has none.
type row struct {
	key    string
	urgent bool
	iou    float64
}

func rowsOf(es []audit.TruthError) []row {
	out := []row{}
	for _, e := range es {
		r := row{key: e.Key(), urgent: e.Urgent, iou: -1}
		if e.IoU != nil {
			r.iou = float64(int(*e.IoU*1000+0.5)) / 1000
		}
		out = append(out, r)
	}
	return out
}

func TestTruthErrors(t *testing.T) {
	E, P, N := schema.PleuralEffusion, schema.Pneumothorax, schema.NoduleMass
	left := box(0, 0, 0.5, 0.5)
	leftish := box(0, 0, 0.5, 0.4)     // IoU 0.8 with left
	between := box(0, 0.25, 0.5, 0.75) // IoU 1/3 with left and right
	right := box(0, 0.5, 0.5, 1)
	low := box(0.5, 0, 1, 0.5)
	tests := []struct {
		name        string
		truth, pred []schema.Finding
		threshold   float64
		want        []row
	}{
		{name: "nothing on either side", want: []row{}},
		{
			name:  "missed: one row per truth finding, urgent when whitelisted",
			truth: []schema.Finding{f(P, left), f(P, right), f(E, nil)},
			want:  []row{{"pleural_effusion/missed/t2/p-", false, -1}, {"pneumothorax/missed/t0/p-", true, -1}, {"pneumothorax/missed/t1/p-", true, -1}},
		},
		{
			name: "spurious: one row per predicted finding, never urgent",
			pred: []schema.Finding{f(N, left), f(N, nil)},
			want: []row{{"nodule_mass/spurious/t-/p0", false, -1}, {"nodule_mass/spurious/t-/p1", false, -1}},
		},
		{
			name:  "matched with its IoU",
			truth: []schema.Finding{f(N, left)}, pred: []schema.Finding{f(N, leftish)},
			want: []row{{"nodule_mass/matched/t0/p0", false, 0.8}},
		},
		{
			name:  "under the threshold: mislocated",
			truth: []schema.Finding{f(N, left)}, pred: []schema.Finding{f(N, between)}, threshold: 0.5,
			want: []row{{"nodule_mass/mislocated/t0/p0", false, 0.333}},
		},
		{
			name:  "the default threshold, 0.3, makes it a match",
			truth: []schema.Finding{f(N, left)}, pred: []schema.Finding{f(N, between)},
			want: []row{{"nodule_mass/matched/t0/p0", false, 0.333}},
		},
		{
			name:  "disjoint boxes of one label pair up as one mislocated row",
			truth: []schema.Finding{f(E, left)}, pred: []schema.Finding{f(E, right)},
			want: []row{{"pleural_effusion/mislocated/t0/p0", false, 0}},
		},
		{
			name: "greedy from the highest IoU, leftovers paired, then the extra box",
			// left/leftish match (0.8); right and between pair up (1/3 < 0.5
			// threshold); low is left over and shown against the truth box
			// it overlaps most (left, IoU 0).
			truth: []schema.Finding{f(N, left), f(N, right)}, pred: []schema.Finding{f(N, between), f(N, leftish), f(N, low)},
			threshold: 0.5,
			want: []row{
				{"nodule_mass/matched/t0/p1", false, 0.8},
				{"nodule_mass/mislocated/t1/p0", false, 0.333},
				{"nodule_mass/mislocated/t0/p2", false, 0},
			},
		},
		{
			name:  "a truth box left over when the prediction has fewer boxes",
			truth: []schema.Finding{f(N, left), f(N, right)}, pred: []schema.Finding{f(N, leftish)},
			want: []row{{"nodule_mass/matched/t0/p0", false, 0.8}, {"nodule_mass/mislocated/t1/p0", false, 0}},
		},
		{
			name:  "label only on both sides: one matched row, no IoU",
			truth: []schema.Finding{f(P, nil)}, pred: []schema.Finding{f(P, nil), f(P, nil)},
			want: []row{{"pneumothorax/matched/t0/p0", false, -1}},
		},
		{
			name:  "boxes on one side only: nothing to locate",
			truth: []schema.Finding{f(P, nil)}, pred: []schema.Finding{f(P, left), f(P, right)},
			want: []row{{"pneumothorax/matched/t0/p0", false, -1}, {"pneumothorax/matched/t0/p1", false, -1}},
		},
		{
			name:  "invalid boxes take part in presence only; other labels never match",
			truth: []schema.Finding{f(N, left), f(schema.NoFinding, nil)}, pred: []schema.Finding{f(N, box(0.5, 0.5, 0.1, 0.1)), f(E, left)},
			want: []row{{"pleural_effusion/spurious/t-/p1", false, -1}, {"nodule_mass/matched/t0/p0", false, -1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := TruthErrors(tt.truth, tt.pred, schema.DefaultUrgent(), tt.threshold)
			assert.Equal(t, tt.want, rowsOf(got))
			for _, e := range got {
				if e.TruthIndex >= 0 {
					assert.Equal(t, tt.truth[e.TruthIndex].Box, e.Truth)
				}
				if e.PredIndex >= 0 {
					assert.Equal(t, tt.pred[e.PredIndex].Box, e.Pred)
				}
			}
		})
	}
}

// TestTruthErrorsAgreeWithEvaluate: the rows of every item add up to the
// item protocol's counts (presence and the matches at 0.3), so what the
// reviewer triages is what the table scores.
func TestTruthErrorsAgreeWithEvaluate(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for range 300 {
		items := randomItems(r, 1+r.IntN(4))
		m := evaluate(t, items, nil, ProtocolItem)
		var matched int
		missed, spurious := map[schema.Label]map[int]bool{}, map[schema.Label]map[int]bool{}
		for i, it := range items {
			for _, e := range TruthErrors(it.Truth, it.predicted(), nil, LooseIoU) {
				require.True(t, e.Kind.Valid())
				switch e.Kind {
				case audit.ErrorMissed:
					if missed[e.Label] == nil {
						missed[e.Label] = map[int]bool{}
					}
					missed[e.Label][i] = true
				case audit.ErrorSpurious:
					if spurious[e.Label] == nil {
						spurious[e.Label] = map[int]bool{}
					}
					spurious[e.Label][i] = true
				case audit.ErrorMatched:
					if e.IoU != nil {
						require.GreaterOrEqual(t, *e.IoU, LooseIoU)
						matched++
					}
				case audit.ErrorMislocated:
					require.NotNil(t, e.IoU)
					require.NotNil(t, e.Truth)
					require.NotNil(t, e.Pred)
				}
			}
		}
		for _, l := range schema.PositiveLabels() {
			require.Len(t, missed[l], m.Presence[l].FN, "%s: missed rows are the false negatives", l)
			require.Len(t, spurious[l], m.Presence[l].FP, "%s: spurious rows are the false positives", l)
		}
		require.Equal(t, m.Localization.Loose.Matched, matched, "matched rows are the matches at 0.3")
	}
}

func TestRunDifferences(t *testing.T) {
	E, P := schema.PleuralEffusion, schema.Pneumothorax
	left, leftish, right := box(0, 0, 0.5, 0.5), box(0, 0, 0.5, 0.4), box(0, 0.5, 0.5, 1)
	between := box(0, 0.25, 0.5, 0.75)
	a := []schema.Finding{f(E, left), f(P, left)}
	tests := []struct {
		name string
		b    []schema.Finding
		want []string
	}{
		{"the same findings: no difference", []schema.Finding{f(E, left), f(P, left)}, nil},
		{"close boxes are no difference", []schema.Finding{f(E, leftish), f(P, left)}, nil},
		{"a label only A has", []schema.Finding{f(E, left)}, []string{"pneumothorax/only_a/a1/b-"}},
		{"a label only B has", []schema.Finding{f(E, left), f(P, left), f(schema.Cardiomegaly, nil)}, []string{"cardiomegaly/only_b/a-/b2"}},
		{"a box under 0.5 has moved", []schema.Finding{f(E, between), f(P, left)}, []string{"pleural_effusion/moved/a0/b0"}},
		{"an extra box has moved too", []schema.Finding{f(E, left), f(E, right), f(P, left)}, []string{"pleural_effusion/moved/a0/b1"}},
		{"a label-only finding cannot be compared", []schema.Finding{f(E, nil), f(P, left)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, d := range RunDifferences(a, tt.b) {
				got = append(got, d.Key())
			}
			assert.Equal(t, tt.want, got)
		})
	}
}
