package agreement

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

const (
	ir = "image_right"
	dr = "draft_right"
	bw = "both_wrong"
	un = "unsure"
)

// rate builds the ratings of one unit, reader by reader ("alice:image_right").
func rate(item string, l schema.Label, k audit.Kind, votes ...string) []Rating {
	var out []Rating
	for _, v := range votes {
		reader, cat, _ := strings.Cut(v, ":")
		out = append(out, Rating{ItemID: item, Key: string(l) + "/" + string(k), Label: l, Kind: k, Reader: reader, Category: cat})
	}
	return out
}

// workedExample is the two-reader example of docs/metrics.md ("Reader
// agreement"): ten units rated by alice and bob, one rated by alice alone.
func workedExample() []Rating {
	var rs []Rating
	for _, u := range [][]Rating{
		rate("a1", schema.Pneumothorax, audit.MissedInDraft, "alice:"+ir, "bob:"+ir),
		rate("a1", schema.PleuralEffusion, audit.UnsupportedByImage, "alice:"+dr, "bob:"+dr),
		rate("a2", schema.Pneumothorax, audit.ContradictedByImage, "alice:"+ir, "bob:"+ir),
		rate("a2", schema.Cardiomegaly, audit.UnsupportedByImage, "alice:"+dr, "bob:"+bw),
		rate("a3", schema.NoduleMass, audit.MissedInDraft, "alice:"+ir, "bob:"+un),
		rate("a3", schema.PleuralEffusion, audit.HedgedInDraft, "alice:"+un, "bob:"+un),
		rate("a4", schema.Pneumothorax, audit.MissedInDraft, "alice:"+ir, "bob:"+ir),
		rate("a4", schema.LungOpacity, audit.UnsupportedByImage, "alice:"+bw, "bob:"+bw),
		rate("a5", schema.Cardiomegaly, audit.MissedInDraft, "alice:"+ir, "bob:"+dr),
		rate("a5", schema.NoduleMass, audit.UnsupportedByImage, "alice:"+dr, "bob:"+dr),
		rate("a6", schema.Pneumothorax, audit.MissedInDraft, "alice:"+ir),
	} {
		rs = append(rs, u...)
	}
	return rs
}

func val(t *testing.T, p *float64) float64 {
	t.Helper()
	require.NotNil(t, p)
	return *p
}

// The worked example, by hand. Overall table (rows alice, columns bob; order
// image_right, draft_right, both_wrong, unsure):
//
//	IR  3 1 0 1        rows (alice) .5 .3 .1 .1
//	DR  0 2 1 0        cols (bob)   .3 .3 .2 .2
//	BW  0 0 1 0        p_o = 7/10 = .7
//	U   0 0 0 1        p_e = .15 + .09 + .02 + .02 = .28, κ = .42/.72 = 7/12
//
// SE (Fleiss, Cohen & Everitt 1969), 1 − κ = 5/12:
//
//	diagonal .3(1−.8·5/12)² + .2(1−.6·5/12)² + 2·.1(1−.3·5/12)² = .398958
//	off      (5/12)²·[.1(.3+.3)² + .1(.3+.1)² + .1(.3+.1)²] = .173611·.068 = .011806
//	corr     (7/12 − .28·5/12)² = .466667² = .217778
//	Var = (.398958 + .011806 − .217778)/(10·.72²) = .037228, SE = .192944
//	95% CI = 7/12 ± 1.959964·.192944 = .205171 to .961496
//
// Per group (unit a6 is excluded everywhere it belongs):
//
//	pneumothorax            a1 a2 a4 all image_right/image_right: undefined
//	pleural_effusion        DR/DR, U/U: p_o 1, p_e .5, κ 1, SE 0
//	cardiomegaly            DR/BW, IR/DR: p_o 0, p_e .25, κ −1/3
//	nodule_mass             IR/U, DR/DR: p_o .5, p_e .25, κ 1/3
//	lung_opacity            one unit BW/BW: undefined
//	missed_in_draft         IR/IR IR/U IR/IR IR/DR: p_o .5, p_e .5, κ 0
//	contradicted_by_image   one unit IR/IR: undefined
//	hedged_in_draft         one unit U/U: undefined
//	unsupported_by_image    DR/DR DR/BW BW/BW DR/DR: p_o .75, p_e .5, κ .5
func TestAgreementWorkedExample(t *testing.T) {
	rep, err := Measure(workedExample(), Options{Readers: []string{"alice", "bob", "carol"}})
	require.NoError(t, err)
	assert.Equal(t, MethodCohen, rep.Method)
	assert.Equal(t, "fleiss-cohen-everitt-1969", rep.SEMethod)
	assert.Equal(t, []string{"alice", "bob"}, rep.Readers)
	assert.Equal(t, []string{"carol"}, rep.ReadersWithoutRatings)
	assert.Equal(t, 21, rep.Ratings)
	assert.Equal(t, 11, rep.Units)
	assert.Equal(t, []ExcludedUnit{{ItemID: "a6", Key: "pneumothorax/missed_in_draft",
		Label: schema.Pneumothorax, Kind: audit.MissedInDraft, Readers: []string{"alice"}}}, rep.Excluded)
	require.Len(t, rep.Groups, 10)

	all, ok := rep.Group(GroupAll, GroupAll)
	require.True(t, ok)
	assert.Equal(t, 10, all.Units)
	assert.Equal(t, 20, all.Ratings)
	assert.Equal(t, 7, all.Unanimous)
	assert.Equal(t, 1, all.Excluded)
	assert.InDelta(t, 0.7, val(t, all.ObservedAgreement), 1e-12)
	assert.InDelta(t, 0.28, val(t, all.ExpectedAgreement), 1e-12)
	assert.InDelta(t, 7.0/12, val(t, all.Kappa.Value), 1e-12)
	assert.InDelta(t, 0.192944, val(t, all.Kappa.SE), 1e-6)
	assert.InDelta(t, 0.205171, val(t, all.Kappa.Low), 1e-6)
	assert.InDelta(t, 0.961496, val(t, all.Kappa.High), 1e-6)

	require.Len(t, all.Confusion, 1)
	c := all.Confusion[0]
	assert.Equal(t, "alice", c.ReaderA)
	assert.Equal(t, "bob", c.ReaderB)
	assert.Equal(t, [][]int{{3, 1, 0, 1}, {0, 2, 1, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}, c.Counts)
	assert.Equal(t, 10, c.Units)
	assert.InDelta(t, 0.7, val(t, c.Agreement), 1e-12)
	assert.Equal(t, []ConfusionCell{
		{A: ir, B: dr, Count: 1, Units: []UnitRef{{"a5", "cardiomegaly/missed_in_draft"}}},
		{A: ir, B: un, Count: 1, Units: []UnitRef{{"a3", "nodule_mass/missed_in_draft"}}},
		{A: dr, B: bw, Count: 1, Units: []UnitRef{{"a2", "cardiomegaly/unsupported_by_image"}}},
	}, c.Disagreements)

	tests := []struct {
		by, name       string
		units, exclude int
		po, pe, kappa  float64 // NaN: kappa undefined
		undefined      string
		seZero         bool // FCE's variance vanishes: no interval
	}{
		{GroupLabel, "pneumothorax", 3, 1, 1, 1, math.NaN(), `every rating in this group is "image_right"`, false},
		{GroupLabel, "pleural_effusion", 2, 0, 1, 0.5, 1, "", true},
		{GroupLabel, "cardiomegaly", 2, 0, 0, 0.25, -1.0 / 3, "", true},
		{GroupLabel, "nodule_mass", 2, 0, 0.5, 0.25, 1.0 / 3, "", false},
		{GroupLabel, "lung_opacity_consolidation", 1, 0, 1, 1, math.NaN(), `every rating in this group is "both_wrong"`, false},
		{GroupKind, "missed_in_draft", 4, 1, 0.5, 0.5, 0, "", true},
		{GroupKind, "contradicted_by_image", 1, 0, 1, 1, math.NaN(), `"image_right"`, false},
		{GroupKind, "hedged_in_draft", 1, 0, 1, 1, math.NaN(), `"unsure"`, false},
		{GroupKind, "unsupported_by_image", 4, 0, 0.75, 0.5, 0.5, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.by+"/"+tt.name, func(t *testing.T) {
			g, ok := rep.Group(tt.by, tt.name)
			require.True(t, ok)
			assert.Equal(t, tt.units, g.Units)
			assert.Equal(t, tt.exclude, g.Excluded)
			assert.InDelta(t, tt.po, val(t, g.ObservedAgreement), 1e-12)
			assert.InDelta(t, tt.pe, val(t, g.ExpectedAgreement), 1e-12)
			if math.IsNaN(tt.kappa) {
				assert.Nil(t, g.Kappa.Value)
				assert.Nil(t, g.Kappa.SE)
				assert.Nil(t, g.Kappa.Low)
				assert.Contains(t, g.Kappa.Undefined, tt.undefined)
				return
			}
			assert.InDelta(t, tt.kappa, val(t, g.Kappa.Value), 1e-12)
			assert.Empty(t, g.Kappa.Undefined)
			if tt.seZero {
				// e.g. cardiomegaly: two units, both disagreeing; every
				// FCE term cancels. A zero-width interval would mislead.
				assert.InDelta(t, 0, val(t, g.Kappa.SE), 0)
				assert.Nil(t, g.Kappa.Low)
				assert.Nil(t, g.Kappa.High)
				assert.Contains(t, g.Kappa.NoCI, "standard error is 0")
				return
			}
			lo, hi := val(t, g.Kappa.Low), val(t, g.Kappa.High)
			assert.LessOrEqual(t, lo, *g.Kappa.Value)
			assert.GreaterOrEqual(t, hi, *g.Kappa.Value)
			assert.GreaterOrEqual(t, lo, -1.0)
			assert.LessOrEqual(t, hi, 1.0, "the interval is clipped to [−1, 1]")
		})
	}
	// unsupported_by_image: SE .375 (FCE 1969) puts the upper bound at
	// .5 + 1.96·.375 = 1.235, clipped to 1.
	g, _ := rep.Group(GroupKind, "unsupported_by_image")
	assert.InDelta(t, 0.375, val(t, g.Kappa.SE), 1e-12)
	assert.InDelta(t, 1, val(t, g.Kappa.High), 0)
}

// The published tables, fed through Measure as individual ratings, give
// the published figures: the public path loses nothing on the way.
func TestAgreementPublishedThroughRatings(t *testing.T) {
	t.Run("cohen sas skin condition", func(t *testing.T) {
		cats := []string{"terrible", "poor", "marginal", "clear"}
		table := [][]int{{10, 4, 1, 0}, {5, 10, 12, 2}, {2, 4, 12, 5}, {0, 2, 6, 13}}
		var rs []Rating
		n := 0
		for i, row := range table {
			for j, c := range row {
				for range c {
					n++
					id := fmt.Sprintf("patient%02d", n)
					rs = append(rs, rate(id, schema.Pneumothorax, audit.MissedInDraft, "derm1:"+cats[i], "derm2:"+cats[j])...)
				}
			}
		}
		rep, err := Measure(rs, Options{Categories: cats})
		require.NoError(t, err)
		all, _ := rep.Group(GroupAll, GroupAll)
		assert.Equal(t, 88, all.Units)
		assert.Equal(t, table, all.Confusion[0].Counts)
		assert.InDelta(t, 0.3449, val(t, all.Kappa.Value), tol(4))
		assert.InDelta(t, 0.0724, val(t, all.Kappa.SE), tol(4))
		assert.InDelta(t, 0.2030, val(t, all.Kappa.Low), tol(4))
		assert.InDelta(t, 0.4868, val(t, all.Kappa.High), tol(4))
		off := 0
		for _, cell := range all.Confusion[0].Disagreements {
			assert.Len(t, cell.Units, cell.Count)
			off += cell.Count
		}
		assert.Equal(t, 88-45, off, "every off-diagonal patient is listed once")
	})
	t.Run("fleiss wikipedia", func(t *testing.T) {
		cats := []string{"1", "2", "3", "4", "5"}
		rep, err := Measure(countsToRatings(wikipediaFleiss, cats), Options{Categories: cats})
		require.NoError(t, err)
		assert.Equal(t, MethodFleiss, rep.Method)
		all, _ := rep.Group(GroupAll, GroupAll)
		assert.Equal(t, 10, all.Units)
		assert.Equal(t, 140, all.Ratings)
		assert.InDelta(t, 0.378, val(t, all.ObservedAgreement), tol(3))
		assert.InDelta(t, 0.213, val(t, all.ExpectedAgreement), tol(3))
		assert.InDelta(t, 0.210, val(t, all.Kappa.Value), tol(3))
		assert.Len(t, all.Confusion, 14*13/2, "one table per pair of raters")
	})
	t.Run("fleiss 1971", func(t *testing.T) {
		cats := []string{"depression", "personality", "schizophrenia", "neurosis", "other"}
		rep, err := Measure(countsToRatings(fleiss1971, cats), Options{Categories: cats})
		require.NoError(t, err)
		all, _ := rep.Group(GroupAll, GroupAll)
		assert.InDelta(t, 0.4302445, val(t, all.Kappa.Value), tol(7))
	})
	t.Run("gwet unequal raters", func(t *testing.T) {
		// Subject 12 has one rating: Measure excludes it (Gwet keeps its
		// rating in π), so P̄ is Gwet's 0.8181818 and κ is the hand-checked
		// value on subjects 1-11: π from 11 subjects gives p_e = 0.2345041,
		// κ = (0.8181818 − 0.2345041)/(1 − 0.2345041) = 0.7624831.
		cats := []string{"1", "2", "3", "4", "5"}
		rep, err := Measure(countsToRatings(gwetRaw4Raters, cats), Options{Categories: cats})
		require.NoError(t, err)
		require.Len(t, rep.Excluded, 1)
		assert.Equal(t, "s12", rep.Excluded[0].ItemID)
		all, _ := rep.Group(GroupAll, GroupAll)
		assert.Equal(t, 11, all.Units)
		assert.InDelta(t, 0.8181818, val(t, all.ObservedAgreement), tol(7))
		assert.InDelta(t, 0.2345041, val(t, all.ExpectedAgreement), tol(7))
		assert.InDelta(t, 0.7624831, val(t, all.Kappa.Value), tol(7))
	})
}

// countsToRatings expands per-subject category counts into ratings by
// readers r01, r02, … (the same reader names on every subject).
func countsToRatings(counts [][]int, cats []string) []Rating {
	var rs []Rating
	for i, row := range counts {
		reader := 0
		for k, n := range row {
			for range n {
				reader++
				rs = append(rs, rate(fmt.Sprintf("s%02d", i+1), schema.PleuralEffusion, audit.HedgedInDraft,
					fmt.Sprintf("r%02d:%s", reader, cats[k]))...)
			}
		}
	}
	return rs
}

// Fleiss with three readers and a unit per reader count, by hand (see
// TestFleissKappaUnequalReadersHandComputed for the arithmetic): units
// (A A B), (A A), (A B) give κ = −5/13; the unit rated once is excluded.
func TestAgreementFleissUnequalReaders(t *testing.T) {
	var rs []Rating
	rs = append(rs, rate("i1", schema.Pneumothorax, audit.MissedInDraft, "ann:"+ir, "ben:"+ir, "cat:"+dr)...)
	rs = append(rs, rate("i2", schema.Pneumothorax, audit.MissedInDraft, "ann:"+ir, "cat:"+ir)...)
	rs = append(rs, rate("i3", schema.NoduleMass, audit.MissedInDraft, "ben:"+ir, "cat:"+dr)...)
	rs = append(rs, rate("i4", schema.NoduleMass, audit.MissedInDraft, "ann:"+bw)...)
	rep, err := Measure(rs, Options{})
	require.NoError(t, err)
	assert.Equal(t, MethodFleiss, rep.Method)
	assert.Equal(t, "gwet-2008", rep.SEMethod)
	all, _ := rep.Group(GroupAll, GroupAll)
	assert.Equal(t, 3, all.Units)
	assert.Equal(t, 7, all.Ratings)
	assert.Equal(t, 1, all.Unanimous)
	assert.Equal(t, 1, all.Excluded)
	assert.InDelta(t, 4.0/9, val(t, all.ObservedAgreement), 1e-12)
	assert.InDelta(t, -5.0/13, val(t, all.Kappa.Value), 1e-12)
	assert.NotNil(t, all.Kappa.SE)

	// Pairwise tables: ann-ben (i1), ann-cat (i1, i2), ben-cat (i1, i3).
	require.Len(t, all.Confusion, 3)
	pairs := map[string]Confusion{}
	for _, c := range all.Confusion {
		pairs[c.ReaderA+"-"+c.ReaderB] = c
	}
	assert.Equal(t, 1, pairs["ann-ben"].Units)
	assert.Equal(t, 2, pairs["ann-cat"].Units)
	assert.Equal(t, []ConfusionCell{{A: ir, B: dr, Count: 2, Units: []UnitRef{
		{"i1", "pneumothorax/missed_in_draft"}, {"i3", "nodule_mass/missed_in_draft"},
	}}}, pairs["ben-cat"].Disagreements)

	// nodule_mass: only i3 counts (i4 has one reader): one unit, no SE.
	g, _ := rep.Group(GroupLabel, "nodule_mass")
	assert.Equal(t, 1, g.Units)
	assert.Equal(t, 1, g.Excluded)
	assert.InDelta(t, -1, val(t, g.Kappa.Value), 1e-12)
	assert.Nil(t, g.Kappa.SE)
	assert.Contains(t, g.Kappa.NoCI, "one unit")

	// Requiring three readers leaves i1 alone: one unit.
	rep3, err := Measure(rs, Options{MinReaders: 3})
	require.NoError(t, err)
	all3, _ := rep3.Group(GroupAll, GroupAll)
	assert.Equal(t, 1, all3.Units)
	assert.Equal(t, 3, all3.Excluded)
	assert.Len(t, rep3.Excluded, 3)
}

func TestAgreementEdgeCases(t *testing.T) {
	tests := []struct {
		name      string
		ratings   []Rating
		opts      Options
		method    KappaMethod
		units     int // in the "all" group
		excluded  int
		undefined string // "" when kappa is defined
	}{
		{"empty input", nil, Options{}, MethodCohen, 0, 0, "no ratings"},
		{"empty input, fleiss asked", nil, Options{Method: MethodFleiss}, MethodFleiss, 0, 0, "no ratings"},
		{"one reader", rate("x", schema.Pneumothorax, audit.MissedInDraft, "ann:"+ir), Options{}, MethodCohen, 0, 1,
			"fewer than two readers rated anything"},
		{"named reader rated nothing", rate("x", schema.Pneumothorax, audit.MissedInDraft, "ann:"+ir),
			Options{Readers: []string{"ann", "ben"}}, MethodCohen, 0, 1, "fewer than two readers rated anything"},
		{"two readers, no shared unit", append(rate("x", schema.Pneumothorax, audit.MissedInDraft, "ann:"+ir),
			rate("y", schema.Pneumothorax, audit.MissedInDraft, "ben:"+ir)...), Options{}, MethodCohen, 0, 2,
			"no unit in this group was rated by both readers"},
		{"three readers, no unit with two", append(append(rate("x", schema.Pneumothorax, audit.MissedInDraft, "ann:"+ir),
			rate("y", schema.Pneumothorax, audit.MissedInDraft, "ben:"+ir)...), rate("z", schema.Pneumothorax, audit.MissedInDraft, "cat:"+ir)...),
			Options{}, MethodFleiss, 0, 3, "no unit in this group was rated by at least 2 readers"},
		{"every rating in one category", append(rate("x", schema.Pneumothorax, audit.MissedInDraft, "ann:"+un, "ben:"+un),
			rate("y", schema.Cardiomegaly, audit.MissedInDraft, "ann:"+un, "ben:"+un)...), Options{}, MethodCohen, 2, 0,
			`every rating in this group is "unsure": chance agreement is 1`},
		{"every rating in one category, fleiss", rate("x", schema.Pneumothorax, audit.MissedInDraft, "ann:"+un, "ben:"+un, "cat:"+un),
			Options{}, MethodFleiss, 1, 0, `every rating in this group is "unsure"`},
		{"two readers, fleiss asked", append(rate("x", schema.Pneumothorax, audit.MissedInDraft, "ann:"+ir, "ben:"+dr),
			rate("y", schema.Cardiomegaly, audit.MissedInDraft, "ann:"+ir, "ben:"+ir)...), Options{Method: MethodFleiss},
			MethodFleiss, 2, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := Measure(tt.ratings, tt.opts)
			require.NoError(t, err)
			assert.Equal(t, tt.method, rep.Method)
			require.Len(t, rep.Groups, 10, "every group is present, even empty")
			all, _ := rep.Group(GroupAll, GroupAll)
			assert.Equal(t, tt.units, all.Units)
			assert.Equal(t, tt.excluded, all.Excluded)
			assert.Len(t, rep.Excluded, tt.excluded)
			if tt.undefined == "" {
				assert.NotNil(t, all.Kappa.Value)
			} else {
				assert.Nil(t, all.Kappa.Value)
				assert.Contains(t, all.Kappa.Undefined, tt.undefined)
			}
			if all.Units == 0 {
				assert.Nil(t, all.ObservedAgreement)
				assert.Nil(t, all.ExpectedAgreement)
			}
			b, err := json.Marshal(rep)
			require.NoError(t, err, "never NaN or Inf")
			assert.NotContains(t, string(b), "null]", "slices are [] not null")
			for _, key := range []string{`"readers":[`, `"readers_without_ratings":[`, `"excluded":[`, `"confusion":[`} {
				assert.Contains(t, string(b), key)
			}
		})
	}
}

func TestAgreementNamedReaderWithoutRatings(t *testing.T) {
	rep, err := Measure(workedExample(), Options{Readers: []string{"dave", "alice", "carol", "dave"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"carol", "dave"}, rep.ReadersWithoutRatings)
	assert.Equal(t, MethodCohen, rep.Method, "a silent reader does not turn two readers into three")
}

func TestAgreementErrors(t *testing.T) {
	good := Rating{ItemID: "x", Key: "pneumothorax/missed_in_draft", Label: schema.Pneumothorax, Kind: audit.MissedInDraft, Reader: "ann", Category: ir}
	with := func(f func(*Rating)) []Rating {
		r := good
		f(&r)
		return []Rating{{ItemID: "w", Key: "k", Label: schema.Cardiomegaly, Kind: audit.MissedInDraft, Reader: "ann", Category: ir}, r}
	}
	three := append(rate("x", schema.Pneumothorax, audit.MissedInDraft, "ann:"+ir, "ben:"+ir), rate("y", schema.Pneumothorax, audit.MissedInDraft, "cat:"+ir)...)
	tests := []struct {
		name    string
		ratings []Rating
		opts    Options
		target  error
		want    string
	}{
		{"empty item", with(func(r *Rating) { r.ItemID = "" }), Options{}, ErrInvalidRating, "rating 1 (item \"\", key \"pneumothorax/missed_in_draft\", reader \"ann\"): item_id is empty"},
		{"empty key", with(func(r *Rating) { r.Key = "" }), Options{}, ErrInvalidRating, "rating 1 (item \"x\", key \"\", reader \"ann\"): key is empty"},
		{"empty reader", with(func(r *Rating) { r.Reader = "" }), Options{}, ErrInvalidRating, "reader is empty"},
		{"unknown category", with(func(r *Rating) { r.Category = "maybe" }), Options{}, ErrInvalidRating,
			`category "maybe" is not one of image_right, draft_right, both_wrong, unsure`},
		{"no_finding label", with(func(r *Rating) { r.Label = schema.NoFinding }), Options{}, ErrInvalidRating, `label "no_finding" is not one of`},
		{"unknown kind", with(func(r *Rating) { r.Kind = "bogus" }), Options{}, ErrInvalidRating, `kind "bogus" is not one of missed_in_draft`},
		{"reader twice", append(with(func(*Rating) {}), good), Options{}, ErrInvalidRating,
			"rating 2 (item \"x\", key \"pneumothorax/missed_in_draft\", reader \"ann\"): the reader already rated this unit in rating 1"},
		{"unit label changes", append(with(func(*Rating) {}), Rating{ItemID: "x", Key: good.Key, Label: schema.Cardiomegaly, Kind: audit.MissedInDraft, Reader: "ben", Category: ir}),
			Options{}, ErrInvalidRating, "rating 2 (item \"x\", key \"pneumothorax/missed_in_draft\", reader \"ben\"): label/kind cardiomegaly/missed_in_draft differ from rating 1's pneumothorax/missed_in_draft"},
		{"one category", nil, Options{Categories: []string{"yes"}}, ErrInvalidOptions, "categories: want at least two, got 1"},
		{"empty category", nil, Options{Categories: []string{"yes", ""}}, ErrInvalidOptions, "categories: entry 2 is empty"},
		{"category twice", nil, Options{Categories: []string{"yes", "no", "yes"}}, ErrInvalidOptions, `categories: "yes" is listed twice`},
		{"empty reader name", nil, Options{Readers: []string{"ann", ""}}, ErrInvalidOptions, "readers: entry 2 is empty"},
		{"unknown method", nil, Options{Method: "scott"}, ErrInvalidOptions, `method "scott"`},
		{"min readers 1", nil, Options{MinReaders: 1}, ErrInvalidOptions, "min readers 1"},
		{"cohen with min readers 3", nil, Options{Method: MethodCohen, MinReaders: 3}, ErrInvalidOptions, "Cohen's kappa compares exactly 2 readers"},
		{"level 1", nil, Options{Level: 1}, ErrInvalidOptions, "confidence level 1"},
		{"level NaN", nil, Options{Level: math.NaN()}, ErrInvalidOptions, "confidence level NaN"},
		{"cohen with three readers", three, Options{Method: MethodCohen}, ErrInvalidOptions,
			"Cohen's kappa compares two readers; the ratings have 3 (ann, ben, cat): use Fleiss' kappa"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Measure(tt.ratings, tt.opts)
			require.ErrorIs(t, err, tt.target)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestParseKappaMethod(t *testing.T) {
	for in, want := range map[string]KappaMethod{"": MethodAuto, "auto": MethodAuto, "cohen": MethodCohen, "fleiss": MethodFleiss} {
		got, err := ParseKappaMethod(in)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	_, err := ParseKappaMethod("Cohen")
	require.ErrorIs(t, err, ErrInvalidOptions)
	assert.Contains(t, err.Error(), "want auto, cohen or fleiss")
}

// The order of the ratings changes nothing.
func TestAgreementIsDeterministic(t *testing.T) {
	rs := workedExample()
	rs = append(rs, rate("a2", schema.Cardiomegaly, audit.UnsupportedByImage, "carol:"+dr)...)
	rs = append(rs, rate("a5", schema.NoduleMass, audit.UnsupportedByImage, "carol:"+bw)...)
	want, err := Measure(rs, Options{})
	require.NoError(t, err)
	wantJSON, _ := json.Marshal(want)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		rng.Shuffle(len(rs), func(i, j int) { rs[i], rs[j] = rs[j], rs[i] })
		got, err := Measure(rs, Options{})
		require.NoError(t, err)
		gotJSON, _ := json.Marshal(got)
		require.JSONEq(t, string(wantJSON), string(gotJSON))
	}
}

// Measure copies Options.Categories: changing the caller's slice later
// does not change the report.
func TestAgreementCopiesCategories(t *testing.T) {
	cats := []string{"yes", "no"}
	rep, err := Measure(rate("x", schema.Pneumothorax, audit.MissedInDraft, "a:yes", "b:no"), Options{Categories: cats})
	require.NoError(t, err)
	cats[0] = "changed"
	assert.Equal(t, []string{"yes", "no"}, rep.Categories)
}
