package compare

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

func box(y0, x0, y1, x1 float64) *schema.Box { return &schema.Box{Y0: y0, X0: x0, Y1: y1, X1: x1} }

func dl(l schema.Label, s schema.Status, span string) schema.DraftLabel {
	return schema.DraftLabel{Label: l, Status: s, Span: span}
}

func TestCompare(t *testing.T) {
	urgent := schema.DefaultUrgent()
	ptxBox := box(0.1, 0.6, 0.4, 0.9)
	effBox := box(0.6, 0.1, 0.9, 0.4)
	tests := []struct {
		name     string
		findings []schema.Finding
		draft    []schema.DraftLabel
		want     audit.Report
	}{
		{
			name: "nothing anywhere",
			want: audit.Report{Disagreements: []audit.Disagreement{}},
		},
		{
			name:     "agreement present both sides",
			findings: []schema.Finding{{Label: schema.PleuralEffusion, Box: effBox}},
			draft:    []schema.DraftLabel{dl(schema.PleuralEffusion, schema.StatusPresent, "small left effusion")},
			want:     audit.Report{Disagreements: []audit.Disagreement{}},
		},
		{
			name:     "missed in draft, urgent label with box",
			findings: []schema.Finding{{Label: schema.Pneumothorax, Box: ptxBox}},
			want: audit.Report{Urgent: true, Disagreements: []audit.Disagreement{
				{Label: schema.Pneumothorax, Kind: audit.MissedInDraft, Urgent: true, DraftSpans: []string{}, Boxes: []schema.Box{*ptxBox}},
			}, UrgentFindings: []audit.UrgentFinding{{Label: schema.Pneumothorax, Boxes: []schema.Box{*ptxBox}, DraftSpans: []string{}}}},
		},
		{
			name:     "urgent finding the draft reports: urgent item, no disagreement",
			findings: []schema.Finding{{Label: schema.Pneumothorax, Box: ptxBox}},
			draft:    []schema.DraftLabel{dl(schema.Pneumothorax, schema.StatusPresent, "small left pneumothorax")},
			want: audit.Report{Urgent: true, Disagreements: []audit.Disagreement{}, UrgentFindings: []audit.UrgentFinding{
				{Label: schema.Pneumothorax, Boxes: []schema.Box{*ptxBox}, DraftAgrees: true, DraftSpans: []string{"small left pneumothorax"}},
			}},
		},
		{
			name:     "missed in draft, non-urgent label without box",
			findings: []schema.Finding{{Label: schema.Cardiomegaly}},
			want: audit.Report{Disagreements: []audit.Disagreement{
				{Label: schema.Cardiomegaly, Kind: audit.MissedInDraft, DraftSpans: []string{}, Boxes: []schema.Box{}},
			}},
		},
		{
			name:     "contradicted by image",
			findings: []schema.Finding{{Label: schema.Pneumothorax, Box: ptxBox}},
			draft:    []schema.DraftLabel{dl(schema.Pneumothorax, schema.StatusAbsent, "no pneumothorax")},
			want: audit.Report{Urgent: true, Disagreements: []audit.Disagreement{
				{Label: schema.Pneumothorax, Kind: audit.ContradictedByImage, Urgent: true, DraftSpans: []string{"no pneumothorax"}, Boxes: []schema.Box{*ptxBox}},
			}, UrgentFindings: []audit.UrgentFinding{{Label: schema.Pneumothorax, Boxes: []schema.Box{*ptxBox}, DraftSpans: []string{"no pneumothorax"}}}},
		},
		{
			name:     "hedged in draft",
			findings: []schema.Finding{{Label: schema.NoduleMass, Box: effBox}},
			draft:    []schema.DraftLabel{dl(schema.NoduleMass, schema.StatusUncertain, "possible nodule")},
			want: audit.Report{Urgent: true, Disagreements: []audit.Disagreement{
				{Label: schema.NoduleMass, Kind: audit.HedgedInDraft, Urgent: true, DraftSpans: []string{"possible nodule"}, Boxes: []schema.Box{*effBox}},
			}, UrgentFindings: []audit.UrgentFinding{{Label: schema.NoduleMass, Boxes: []schema.Box{*effBox}, DraftSpans: []string{"possible nodule"}}}},
		},
		{
			name:  "unsupported by image is never urgent",
			draft: []schema.DraftLabel{dl(schema.Pneumothorax, schema.StatusPresent, "large right pneumothorax")},
			want: audit.Report{Disagreements: []audit.Disagreement{
				{Label: schema.Pneumothorax, Kind: audit.UnsupportedByImage, DraftSpans: []string{"large right pneumothorax"}, Boxes: []schema.Box{}},
			}},
		},
		{
			name:  "uncertain in draft, image silent: no disagreement",
			draft: []schema.DraftLabel{dl(schema.Pneumothorax, schema.StatusUncertain, "cannot exclude pneumothorax")},
			want:  audit.Report{Disagreements: []audit.Disagreement{}},
		},
		{
			name:  "absent in draft, image silent: agreement",
			draft: []schema.DraftLabel{dl(schema.Pneumothorax, schema.StatusAbsent, "no pneumothorax")},
			want:  audit.Report{Disagreements: []audit.Disagreement{}},
		},
		{
			name:     "present wins over absent (laterality not modelled), all spans kept in order",
			findings: nil,
			draft: []schema.DraftLabel{
				dl(schema.PleuralEffusion, schema.StatusAbsent, "no right effusion"),
				dl(schema.PleuralEffusion, schema.StatusPresent, "left effusion"),
			},
			want: audit.Report{Disagreements: []audit.Disagreement{
				{Label: schema.PleuralEffusion, Kind: audit.UnsupportedByImage, DraftSpans: []string{"no right effusion", "left effusion"}, Boxes: []schema.Box{}},
			}},
		},
		{
			name:     "present wins over uncertain: image yes gives agreement",
			findings: []schema.Finding{{Label: schema.LungOpacity}},
			draft: []schema.DraftLabel{
				dl(schema.LungOpacity, schema.StatusUncertain, "possible opacity"),
				dl(schema.LungOpacity, schema.StatusPresent, "consolidation"),
			},
			want: audit.Report{Disagreements: []audit.Disagreement{}},
		},
		{
			name:     "uncertain wins over absent",
			findings: []schema.Finding{{Label: schema.LungOpacity}},
			draft: []schema.DraftLabel{
				dl(schema.LungOpacity, schema.StatusAbsent, "no consolidation"),
				dl(schema.LungOpacity, schema.StatusUncertain, "possible opacity"),
			},
			want: audit.Report{Disagreements: []audit.Disagreement{
				{Label: schema.LungOpacity, Kind: audit.HedgedInDraft, DraftSpans: []string{"no consolidation", "possible opacity"}, Boxes: []schema.Box{}},
			}},
		},
		{
			name:     "no_finding implies absence: contradicted with the no_finding span",
			findings: []schema.Finding{{Label: schema.Pneumothorax, Box: ptxBox}, {Label: schema.Cardiomegaly}},
			draft:    []schema.DraftLabel{dl(schema.NoFinding, schema.StatusPresent, "no acute cardiopulmonary process")},
			want: audit.Report{Urgent: true, Disagreements: []audit.Disagreement{
				{Label: schema.Pneumothorax, Kind: audit.ContradictedByImage, Urgent: true, DraftSpans: []string{"no acute cardiopulmonary process"}, Boxes: []schema.Box{*ptxBox}},
				{Label: schema.Cardiomegaly, Kind: audit.ContradictedByImage, DraftSpans: []string{"no acute cardiopulmonary process"}, Boxes: []schema.Box{}},
			}, UrgentFindings: []audit.UrgentFinding{{Label: schema.Pneumothorax, Boxes: []schema.Box{*ptxBox}, DraftSpans: []string{"no acute cardiopulmonary process"}}}},
		},
		{
			name:     "no_finding with an uncertain mention stays uncertain",
			findings: []schema.Finding{{Label: schema.NoduleMass}},
			draft: []schema.DraftLabel{
				dl(schema.NoFinding, schema.StatusPresent, "no acute process"),
				dl(schema.NoduleMass, schema.StatusUncertain, "possible nodule"),
			},
			want: audit.Report{Urgent: true, Disagreements: []audit.Disagreement{
				{Label: schema.NoduleMass, Kind: audit.HedgedInDraft, Urgent: true, DraftSpans: []string{"possible nodule"}, Boxes: []schema.Box{}},
			}, UrgentFindings: []audit.UrgentFinding{{Label: schema.NoduleMass, Boxes: []schema.Box{}, DraftSpans: []string{"possible nodule"}}}},
		},
		{
			name:     "no_finding with a present mention: the mention wins",
			findings: nil,
			draft: []schema.DraftLabel{
				dl(schema.NoFinding, schema.StatusPresent, "no acute process"),
				dl(schema.Cardiomegaly, schema.StatusPresent, "enlarged heart"),
			},
			want: audit.Report{Disagreements: []audit.Disagreement{
				{Label: schema.Cardiomegaly, Kind: audit.UnsupportedByImage, DraftSpans: []string{"enlarged heart"}, Boxes: []schema.Box{}},
			}},
		},
		{
			name:     "no_finding that is only hedged does not imply absence",
			findings: []schema.Finding{{Label: schema.Cardiomegaly}},
			draft:    []schema.DraftLabel{dl(schema.NoFinding, schema.StatusUncertain, "probably normal")},
			want: audit.Report{Disagreements: []audit.Disagreement{
				{Label: schema.Cardiomegaly, Kind: audit.MissedInDraft, DraftSpans: []string{}, Boxes: []schema.Box{}},
			}},
		},
		{
			name:     "spans deduplicated, empty spans dropped",
			findings: []schema.Finding{{Label: schema.Pneumothorax}},
			draft: []schema.DraftLabel{
				dl(schema.Pneumothorax, schema.StatusAbsent, "no pneumothorax"),
				dl(schema.Pneumothorax, schema.StatusAbsent, ""),
				dl(schema.Pneumothorax, schema.StatusAbsent, "no pneumothorax"),
				dl(schema.Pneumothorax, schema.StatusAbsent, "lungs expanded"),
			},
			want: audit.Report{Urgent: true, Disagreements: []audit.Disagreement{
				{Label: schema.Pneumothorax, Kind: audit.ContradictedByImage, Urgent: true, DraftSpans: []string{"no pneumothorax", "lungs expanded"}, Boxes: []schema.Box{}},
			}, UrgentFindings: []audit.UrgentFinding{{Label: schema.Pneumothorax, Boxes: []schema.Box{}, DraftSpans: []string{"no pneumothorax", "lungs expanded"}}}},
		},
		{
			name: "boxes in finding order, nil boxes skipped",
			findings: []schema.Finding{
				{Label: schema.NoduleMass, Box: ptxBox},
				{Label: schema.NoduleMass},
				{Label: schema.PleuralEffusion, Box: ptxBox},
				{Label: schema.NoduleMass, Box: effBox},
			},
			draft: []schema.DraftLabel{dl(schema.PleuralEffusion, schema.StatusPresent, "effusion")},
			want: audit.Report{Urgent: true, Disagreements: []audit.Disagreement{
				{Label: schema.NoduleMass, Kind: audit.MissedInDraft, Urgent: true, DraftSpans: []string{}, Boxes: []schema.Box{*ptxBox, *effBox}},
			}, UrgentFindings: []audit.UrgentFinding{{Label: schema.NoduleMass, Boxes: []schema.Box{*ptxBox, *effBox}, DraftSpans: []string{}}}},
		},
		{
			name:     "unknown labels and statuses are ignored",
			findings: []schema.Finding{{Label: "atelectasis"}, {Label: schema.NoFinding}},
			draft: []schema.DraftLabel{
				dl(schema.Pneumothorax, "likely", "likely pneumothorax"),
				dl("fracture", schema.StatusPresent, "rib fracture"),
			},
			want: audit.Report{Disagreements: []audit.Disagreement{}},
		},
		{
			name: "every kind at once, in PositiveLabels order",
			findings: []schema.Finding{
				{Label: schema.Cardiomegaly},
				{Label: schema.NoduleMass},
				{Label: schema.Pneumothorax},
			},
			draft: []schema.DraftLabel{
				dl(schema.LungOpacity, schema.StatusPresent, "opacity"),
				dl(schema.NoduleMass, schema.StatusUncertain, "possible nodule"),
				dl(schema.Cardiomegaly, schema.StatusAbsent, "normal heart size"),
				dl(schema.PleuralEffusion, schema.StatusPresent, "effusion"),
			},
			want: audit.Report{Urgent: true, Disagreements: []audit.Disagreement{
				{Label: schema.PleuralEffusion, Kind: audit.UnsupportedByImage, DraftSpans: []string{"effusion"}, Boxes: []schema.Box{}},
				{Label: schema.Pneumothorax, Kind: audit.MissedInDraft, Urgent: true, DraftSpans: []string{}, Boxes: []schema.Box{}},
				{Label: schema.LungOpacity, Kind: audit.UnsupportedByImage, DraftSpans: []string{"opacity"}, Boxes: []schema.Box{}},
				{Label: schema.NoduleMass, Kind: audit.HedgedInDraft, Urgent: true, DraftSpans: []string{"possible nodule"}, Boxes: []schema.Box{}},
				{Label: schema.Cardiomegaly, Kind: audit.ContradictedByImage, DraftSpans: []string{"normal heart size"}, Boxes: []schema.Box{}},
			}, UrgentFindings: []audit.UrgentFinding{
				{Label: schema.Pneumothorax, Boxes: []schema.Box{}, DraftSpans: []string{}},
				{Label: schema.NoduleMass, Boxes: []schema.Box{}, DraftSpans: []string{"possible nodule"}},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			if want.UrgentFindings == nil {
				want.UrgentFindings = []audit.UrgentFinding{}
			}
			got := Compare(tt.findings, tt.draft, urgent)
			require.Equal(t, want, got)
		})
	}
}

func TestCompareWhitelist(t *testing.T) {
	findings := []schema.Finding{{Label: schema.Pneumothorax}, {Label: schema.Cardiomegaly}}
	tests := []struct {
		name       string
		whitelist  []schema.Label
		wantUrgent map[schema.Label]bool
	}{
		{"default", schema.DefaultUrgent(), map[schema.Label]bool{schema.Pneumothorax: true}},
		{"empty whitelist: nothing urgent", []schema.Label{}, map[schema.Label]bool{}},
		{"nil whitelist: nothing urgent", nil, map[schema.Label]bool{}},
		{"custom", []schema.Label{schema.Cardiomegaly}, map[schema.Label]bool{schema.Cardiomegaly: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := Compare(findings, nil, tt.whitelist)
			require.Len(t, rep.Disagreements, 2)
			any := false
			for _, d := range rep.Disagreements {
				assert.Equal(t, tt.wantUrgent[d.Label], d.Urgent, d.Label)
				any = any || d.Urgent
			}
			assert.Equal(t, any, rep.Urgent)
			assert.Len(t, rep.UrgentFindings, len(tt.wantUrgent))
		})
	}
}

func TestCompareImageOnly(t *testing.T) {
	ptx := box(0.1, 0.6, 0.4, 0.9)
	findings := []schema.Finding{{Label: schema.Cardiomegaly}, {Label: schema.Pneumothorax, Box: ptx}}
	assert.Equal(t, audit.Report{Urgent: true, ImageOnly: true, Disagreements: []audit.Disagreement{},
		UrgentFindings: []audit.UrgentFinding{{Label: schema.Pneumothorax, Boxes: []schema.Box{*ptx}, DraftSpans: []string{}}}},
		CompareImageOnly(findings, schema.DefaultUrgent()), "the image's urgent flags stay when the draft is unread")
	assert.Equal(t, audit.Report{ImageOnly: true, Disagreements: []audit.Disagreement{}, UrgentFindings: []audit.UrgentFinding{}},
		CompareImageOnly(findings[:1], schema.DefaultUrgent()))
	b, err := json.Marshal(CompareImageOnly(nil, nil))
	require.NoError(t, err)
	assert.JSONEq(t, `{"urgent":false,"disagreements":[],"urgent_findings":[],"image_only":true}`, string(b))
}

// A report stored before urgent findings existed still loads.
func TestReportFromBeforeUrgentFindings(t *testing.T) {
	var rep audit.Report
	require.NoError(t, json.Unmarshal([]byte(`{"urgent":true,"disagreements":[{"label":"pneumothorax","kind":"missed_in_draft","urgent":true,"draft_spans":[],"boxes":[]}]}`), &rep))
	assert.True(t, rep.Urgent)
	assert.Len(t, rep.Disagreements, 1)
	assert.Nil(t, rep.UrgentFindings)
	assert.False(t, rep.ImageOnly)
}

func TestCompareJSONHasNoNulls(t *testing.T) {
	for _, rep := range []audit.Report{
		Compare(nil, nil, nil),
		Compare([]schema.Finding{{Label: schema.Cardiomegaly}}, nil, nil),
	} {
		b, err := json.Marshal(rep)
		require.NoError(t, err)
		assert.NotContains(t, string(b), "null")
	}
}

// randomInput draws findings and draft labels from a small vocabulary,
// including out-of-vocabulary values, so every branch is reachable.
func randomInput(r *rand.Rand) ([]schema.Finding, []schema.DraftLabel, []schema.Label) {
	labels := append(schema.Labels(), "bogus")
	statuses := []schema.Status{schema.StatusPresent, schema.StatusAbsent, schema.StatusUncertain, "maybe"}
	spans := []string{"", "a", "b", "c"}
	fs := make([]schema.Finding, r.IntN(5))
	for i := range fs {
		fs[i].Label = labels[r.IntN(len(labels))]
		if r.IntN(2) == 0 {
			y, x := r.Float64()/2, r.Float64()/2
			fs[i].Box = box(y, x, y+0.3, x+0.3)
		}
	}
	ds := make([]schema.DraftLabel, r.IntN(6))
	for i := range ds {
		ds[i] = dl(labels[r.IntN(len(labels))], statuses[r.IntN(len(statuses))], spans[r.IntN(len(spans))])
	}
	var wl []schema.Label
	for _, l := range schema.Labels() {
		if r.IntN(2) == 0 {
			wl = append(wl, l)
		}
	}
	return fs, ds, wl
}

// TestCompareProperties checks invariants of Compare on random inputs.
func TestCompareProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	order := map[schema.Label]int{}
	for i, l := range schema.PositiveLabels() {
		order[l] = i
	}
	for range 5000 {
		fs, ds, wl := randomInput(r)
		rep := Compare(fs, ds, wl)
		require.Equal(t, rep, Compare(fs, ds, wl), "deterministic")
		require.NotNil(t, rep.Disagreements)

		shown := map[schema.Label]bool{}
		for _, f := range fs {
			shown[f.Label] = true
		}
		white := map[schema.Label]bool{}
		for _, l := range wl {
			white[l] = true
		}
		anyUrgent := false
		disagreeing := map[schema.Label]bool{}
		prev := -1
		for _, d := range rep.Disagreements {
			require.True(t, d.Label.Positive())
			require.Greater(t, order[d.Label], prev, "one per label, in PositiveLabels order")
			prev = order[d.Label]
			require.NotNil(t, d.DraftSpans)
			require.NotNil(t, d.Boxes)
			// The image side of the kind must match the findings.
			require.Equal(t, d.Kind != audit.UnsupportedByImage, shown[d.Label], "%+v", d)
			require.Equal(t, shown[d.Label] && white[d.Label], d.Urgent)
			if d.Kind == audit.UnsupportedByImage {
				require.Empty(t, d.Boxes)
				require.Contains(t, ds, dl(d.Label, schema.StatusPresent, firstPresentSpan(ds, d.Label)), "unsupported needs a present draft label")
			}
			if d.Kind == audit.MissedInDraft {
				require.Empty(t, d.DraftSpans)
			}
			anyUrgent = anyUrgent || d.Urgent
			disagreeing[d.Label] = true
		}
		wantUrgent := 0
		for _, l := range schema.PositiveLabels() {
			if shown[l] && white[l] {
				wantUrgent++
			}
		}
		require.Len(t, rep.UrgentFindings, wantUrgent, "every whitelisted label the image shows, whatever the draft says")
		for _, u := range rep.UrgentFindings {
			require.True(t, shown[u.Label] && white[u.Label])
			require.Equal(t, !disagreeing[u.Label], u.DraftAgrees, "the draft agrees exactly when no disagreement stands for the label")
			require.NotNil(t, u.Boxes)
			require.NotNil(t, u.DraftSpans)
		}
		require.Equal(t, wantUrgent > 0, rep.Urgent)
		require.True(t, !anyUrgent || rep.Urgent, "an urgent disagreement makes the item urgent")
	}
}

func firstPresentSpan(ds []schema.DraftLabel, l schema.Label) string {
	for _, d := range ds {
		if d.Label == l && d.Status == schema.StatusPresent {
			return d.Span
		}
	}
	return "<none>"
}

// FuzzCompare drives Compare with inputs decoded from fuzz bytes (labels and
// statuses from a small vocabulary plus out-of-vocabulary values, arbitrary
// box coordinates) and checks it never panics, is deterministic, and always
// marshals to JSON without nulls.
func FuzzCompare(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, uint64(1))
	f.Add([]byte{5, 5, 0, 0, 0, 1, 1, 1}, uint64(42))
	f.Fuzz(func(t *testing.T, data []byte, seed uint64) {
		r := rand.New(rand.NewPCG(seed, uint64(len(data))))
		labels := append(schema.Labels(), "", "PTX")
		statuses := []schema.Status{schema.StatusPresent, schema.StatusAbsent, schema.StatusUncertain, ""}
		var fs []schema.Finding
		var ds []schema.DraftLabel
		for i, b := range data {
			l := labels[int(b)%len(labels)]
			if b&0x80 == 0 {
				fd := schema.Finding{Label: l}
				if b&0x40 != 0 {
					fd.Box = box(r.NormFloat64(), r.NormFloat64(), r.NormFloat64(), r.NormFloat64())
				}
				fs = append(fs, fd)
			} else {
				ds = append(ds, dl(l, statuses[i%len(statuses)], string(rune('a'+int(b)%3))))
			}
		}
		rep := Compare(fs, ds, schema.DefaultUrgent())
		require.Equal(t, rep, Compare(fs, ds, schema.DefaultUrgent()))
		b, err := json.Marshal(rep)
		require.NoError(t, err)
		require.NotContains(t, string(b), "null")
	})
}

func TestReviewRows(t *testing.T) {
	ptx := box(0.1, 0.6, 0.4, 0.9)
	agreed := Compare([]schema.Finding{{Label: schema.Pneumothorax, Box: ptx}, {Label: schema.Cardiomegaly}},
		[]schema.DraftLabel{dl(schema.Pneumothorax, schema.StatusPresent, "small pneumothorax")}, schema.DefaultUrgent())
	rows := agreed.ReviewRows()
	require.Len(t, rows, 2)
	assert.Equal(t, missedCardio(), rows[0])
	assert.Equal(t, audit.Disagreement{Label: schema.Pneumothorax, Kind: audit.UrgentConfirm, Urgent: true, DraftSpans: []string{"small pneumothorax"}, Boxes: []schema.Box{*ptx}}, rows[1])
	assert.Equal(t, "pneumothorax/urgent", rows[1].Key())
	assert.Equal(t, agreed.UrgentFindings[0].Key(), rows[1].Key(), "the row's verdict key is the finding's")
	assert.False(t, audit.UrgentConfirm.Valid(), "not a disagreement kind")
	assert.NotContains(t, audit.Kinds(), audit.UrgentConfirm)

	// An urgent finding a disagreement stands for gets no second row.
	denied := Compare([]schema.Finding{{Label: schema.Pneumothorax}}, []schema.DraftLabel{dl(schema.Pneumothorax, schema.StatusAbsent, "no pneumothorax")}, schema.DefaultUrgent())
	assert.Equal(t, denied.Disagreements, denied.ReviewRows())

	// Image only: every urgent finding is a row to confirm.
	only := CompareImageOnly([]schema.Finding{{Label: schema.NoduleMass}}, schema.DefaultUrgent())
	require.Len(t, only.ReviewRows(), 1)
	assert.Equal(t, audit.UrgentConfirm, only.ReviewRows()[0].Kind)
}

func missedCardio() audit.Disagreement {
	return audit.Disagreement{Label: schema.Cardiomegaly, Kind: audit.MissedInDraft, DraftSpans: []string{}, Boxes: []schema.Box{}}
}
