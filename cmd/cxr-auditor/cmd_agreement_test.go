package main

// Synthetic verdicts only: no real patient data exist here.

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/agreement"
	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// The known verdicts: ten items u01..u10 with one disagreement each
// (u01-u05 pneumothorax, u06-u10 nodule_mass; odd items missed_in_draft,
// even ones unsupported_by_image), judged by alice and bob (I image_right,
// D draft_right, B both_wrong, U unsure):
//
//	item   u01 u02 u03 u04 u05 u06 u07 u08 u09 u10
//	alice   I   I   I   D   D   I   D   B   I   U
//	bob     I   I   I   D   D   D   I   B   B   U
//
// and carol on u01 (I) and u02 (D) only.
var (
	aliceVotes = []audit.Decision{"image_right", "image_right", "image_right", "draft_right", "draft_right", "image_right", "draft_right", "both_wrong", "image_right", "unsure"}
	bobVotes   = []audit.Decision{"image_right", "image_right", "image_right", "draft_right", "draft_right", "draft_right", "image_right", "both_wrong", "both_wrong", "unsure"}
)

func agreementKey(i int) string {
	label, kind := "pneumothorax", "missed_in_draft"
	if i >= 5 {
		label = "nodule_mass"
	}
	if i%2 == 1 {
		kind = "unsupported_by_image"
	}
	return label + "/" + kind
}

// fillAgreementStore saves the known verdicts at loc through the store's
// own API, including replaced and undone verdicts that must not count.
func fillAgreementStore(t *testing.T, loc string) {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, loc)
	require.NoError(t, err)
	defer s.Close()
	save := func(item, key string, d audit.Decision, who string) {
		_, err := s.SaveVerdict(ctx, audit.Verdict{ItemID: item, DisagreementKey: key, Decision: d, Annotator: who})
		require.NoError(t, err)
	}
	for i := range 10 {
		item := fmt.Sprintf("u%02d", i+1)
		if i == 5 {
			save(item, agreementKey(i), "image_right", "bob") // replaced below
		}
		save(item, agreementKey(i), aliceVotes[i], "alice")
		save(item, agreementKey(i), bobVotes[i], "bob")
	}
	// alice changes u10 to both_wrong and takes it back: unsure stands.
	save("u10", agreementKey(9), "both_wrong", "alice")
	_, ok, err := s.UndoLastVerdict(ctx, "alice")
	require.NoError(t, err)
	require.True(t, ok)
	save("u01", agreementKey(0), "image_right", "carol")
	save("u02", agreementKey(1), "draft_right", "carol")
}

// agreementJSON runs the command with --json and decodes the report.
func agreementJSON(t *testing.T, args ...string) agreement.Report {
	t.Helper()
	r := invokeMain(t, "", append([]string{"agreement", "--json"}, args...)...)
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	var rep agreement.Report
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep), r.stdout)
	return rep
}

func groupOf(t *testing.T, rep agreement.Report, by, name string) agreement.Group {
	t.Helper()
	g, ok := rep.Group(by, name)
	require.True(t, ok, "group %s %s", by, name)
	return g
}

// TestAgreementCommandHandComputed checks the command's figures against
// ones computed by hand from the table above, on both back ends.
func TestAgreementCommandHandComputed(t *testing.T) {
	forEachStore(t, func(t *testing.T, loc string) {
		fillAgreementStore(t, loc)

		t.Run("two readers: Cohen", func(t *testing.T) { testAgreementCohen(t, loc) })

		t.Run("three readers: Fleiss", func(t *testing.T) {
			rep := agreementJSON(t, "--db", loc)
			assert.Equal(t, agreement.MethodFleiss, rep.Method)
			assert.Equal(t, []string{"alice", "bob", "carol"}, rep.Readers)
			// P_i: u01 1 (three I), u02 1/3 (I I D), then 1 where alice
			// and bob agree: P̄ = (1 + 1/3 + 5)/10 = 19/30. π = (I 5/12,
			// D 1/3, B 3/20, U 1/10): p_e = 571/1800; kappa = 569/1229.
			all := groupOf(t, rep, agreement.GroupAll, agreement.GroupAll)
			assert.InDelta(t, 19.0/30, *all.ObservedAgreement, 1e-12)
			assert.InDelta(t, 571.0/1800, *all.ExpectedAgreement, 1e-12)
			assert.InDelta(t, 569.0/1229, *all.Kappa.Value, 1e-12)
			assert.Len(t, all.Confusion, 3, "alice-bob, alice-carol, bob-carol")
		})

		t.Run("a named reader without verdicts is listed", func(t *testing.T) {
			rep := agreementJSON(t, "--db", loc, "--readers", "alice,bob,dave")
			assert.Equal(t, []string{"dave"}, rep.ReadersWithoutRatings)
			assert.Equal(t, agreement.MethodCohen, rep.Method)
		})

		t.Run("min readers 3 excludes the pairs", func(t *testing.T) {
			rep := agreementJSON(t, "--db", loc, "--min-readers", "3")
			all := groupOf(t, rep, agreement.GroupAll, agreement.GroupAll)
			assert.Equal(t, 2, all.Units)
			assert.Len(t, rep.Excluded, 8)
		})

		t.Run("text", func(t *testing.T) {
			r := invokeMain(t, "", "agreement", "--db", loc, "--readers", "alice,bob")
			require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
			assert.Contains(t, r.stdout, "Reader agreement: Cohen's kappa")
			assert.Contains(t, r.stdout, "Readers: alice, bob. Ratings: 20 on 10 units.")
			assert.Regexp(t, `(?m)^all\s+10\s+0\s+0\.700\s+0\.320\s+0\.559\s+0\.124 to 0\.994$`, r.stdout)
			assert.Contains(t, r.stdout, "  alice image_right, bob both_wrong: 1\n    u09 nodule_mass/missed_in_draft\n")
			assert.Empty(t, r.stderr)
		})

		t.Run("csv", func(t *testing.T) {
			r := invokeMain(t, "", "agreement", "--db", loc, "--readers", "alice,bob", "--csv")
			require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
			rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
			require.NoError(t, err)
			assert.Equal(t, agreement.CSVHeader, rows[0])
			found := false
			for _, row := range rows[1:] {
				if row[0] == "all" && row[3] == "kappa" {
					v, err := strconv.ParseFloat(row[4], 64)
					require.NoError(t, err)
					assert.InDelta(t, 0.38/0.68, v, 1e-12)
					found = true
				}
			}
			assert.True(t, found, "no kappa row for all")
		})
	})
}

func TestAgreementCommandErrors(t *testing.T) {
	ctx := context.Background()
	wl := writeTemp(t, "wl.csv", "id,image,draft\nu01,a.png,x\n")
	db := store.DefaultPath(wl)
	s, err := store.Open(ctx, db)
	require.NoError(t, err)
	for _, v := range []audit.Verdict{
		{ItemID: "u01", DisagreementKey: "pneumothorax/missed_in_draft", Decision: "image_right", Annotator: "alice"},
		{ItemID: "u01", DisagreementKey: "pneumothorax/missed_in_draft", Decision: "draft_right", Annotator: "bob"},
		// The store takes any key; no_finding is no unit of agreement.
		{ItemID: "u01", DisagreementKey: "no_finding/missed_in_draft", Decision: "image_right", Annotator: "alice"},
	} {
		_, err := s.SaveVerdict(ctx, v)
		require.NoError(t, err)
	}
	require.NoError(t, s.Close())

	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"a verdict that is no rating is named, the rest reported, exit 2", []string{wl}, 2,
			"Ratings: 2 on 1 units", `agreement: skipped verdict 3 (item "u01", key "no_finding/missed_in_draft", annotator "alice"): label "no_finding" is not a positive label`},
		{"no store", []string{"--db", wl + ".missing.db"}, 1, "", "no database at"},
		{"json and csv", []string{"--json", "--csv", wl}, 2, "", "give --json or --csv, not both"},
		{"bad method", []string{"--method", "kendall", wl}, 2, "", `method "kendall"`},
		{"cohen for three readers", []string{"--method", "cohen", "--readers", "alice,bob,carol", "--min-readers", "3", wl}, 2, "", "Cohen's kappa compares exactly 2 readers"},
		{"min readers 1", []string{"--min-readers", "1", wl}, 2, "", "--min-readers must be at least 2"},
		{"level 95", []string{"--level", "95", wl}, 2, "", "--level must be between 0 and 1"},
		{"empty reader", []string{"--readers", "alice,,bob", wl}, 2, "", "--readers: entry 2 is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := invokeMain(t, "", append([]string{"agreement"}, tt.args...)...)
			assert.Equal(t, tt.code, r.code, "stderr: %s", r.stderr)
			assert.Contains(t, r.stdout, tt.stdout)
			assert.Contains(t, r.stderr, tt.stderr)
		})
	}
}

// Reader names and item ids are outside text: nothing a terminal acts on
// reaches it, in any of the three forms, and no CSV cell is a formula.
func TestAgreementCommandHostileNames(t *testing.T) {
	ctx := context.Background()
	db := storeBackends[0].location(t)
	s, err := store.Open(ctx, db)
	require.NoError(t, err)
	evil := "\x1b]52;c;cm0gLXJmIH4=\x07=HYPERLINK(\"x\")\u202e"
	for _, who := range []string{"alice", evil} {
		_, err := s.SaveVerdict(ctx, audit.Verdict{ItemID: "=1+1" + evil, DisagreementKey: "pneumothorax/missed_in_draft", Decision: "image_right", Annotator: who})
		require.NoError(t, err)
	}
	require.NoError(t, s.Close())
	for _, form := range [][]string{nil, {"--json"}, {"--csv"}} {
		r := invokeMain(t, "", append([]string{"agreement", "--db", db}, form...)...)
		require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
		assertInert(t, fmt.Sprint(form), r.stdout)
		if len(form) == 1 && form[0] == "--csv" {
			rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
			require.NoError(t, err)
			for _, row := range rows {
				for _, cell := range row {
					if cell != "" {
						assert.NotContains(t, "=+@", cell[:1], "cell %q is a formula", cell)
					}
				}
			}
		}
	}
}

// testAgreementCohen: alice and bob, Cohen's kappa, against the figures
// worked by hand from the table above, overall and by label and kind.
func testAgreementCohen(t *testing.T, loc string) {
	rep := agreementJSON(t, "--db", loc, "--readers", "alice,bob")
	assert.Equal(t, agreement.MethodCohen, rep.Method)
	assert.Equal(t, []string{"alice", "bob"}, rep.Readers)
	assert.Equal(t, 20, rep.Ratings, "carol's verdicts are left out; replaced and undone ones never count")

	// 7 of 10 on the diagonal: p_o = 0.7. Margins alice I5 D3
	// B1 U1, bob I4 D3 B2 U1: p_e = (20+9+2+1)/100 = 0.32;
	// kappa = 0.38/0.68.
	all := groupOf(t, rep, agreement.GroupAll, agreement.GroupAll)
	assert.Equal(t, 10, all.Units)
	assert.Equal(t, 7, all.Unanimous)
	assert.InDelta(t, 0.7, *all.ObservedAgreement, 1e-12)
	assert.InDelta(t, 0.32, *all.ExpectedAgreement, 1e-12)
	assert.InDelta(t, 0.38/0.68, *all.Kappa.Value, 1e-12)
	// The Fleiss, Cohen & Everitt (1969) variance of
	// docs/metrics.md on this table: 0.0493158..., SE 0.2220716.
	assert.InDelta(t, 0.22207164560757647, *all.Kappa.SE, 1e-9)
	assert.InDelta(t, 0.38/0.68-1.959963984540054*0.22207164560757647, *all.Kappa.Low, 1e-9)

	require.Len(t, all.Confusion, 1)
	c := all.Confusion[0]
	assert.Equal(t, "alice", c.ReaderA)
	assert.Equal(t, [][]int{{3, 1, 1, 0}, {1, 2, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}, c.Counts)
	assert.Equal(t, []agreement.ConfusionCell{
		{A: "image_right", B: "draft_right", Count: 1, Units: []agreement.UnitRef{{ItemID: "u06", Key: "nodule_mass/unsupported_by_image"}}},
		{A: "image_right", B: "both_wrong", Count: 1, Units: []agreement.UnitRef{{ItemID: "u09", Key: "nodule_mass/missed_in_draft"}}},
		{A: "draft_right", B: "image_right", Count: 1, Units: []agreement.UnitRef{{ItemID: "u07", Key: "nodule_mass/missed_in_draft"}}},
	}, c.Disagreements)

	for _, tt := range []struct {
		by, name      string
		units         int
		po, pe, kappa float64
	}{
		// u01-u05: all agree; margins I3 D2 each: p_e = (9+4)/25.
		{agreement.GroupLabel, "pneumothorax", 5, 1, 13.0 / 25, 1},
		// u06-u10: 2 of 5 agree; alice I2 D1 B1 U1, bob I1 D1 B2
		// U1: p_e = (2+1+2+1)/25 = 0.24.
		{agreement.GroupLabel, "nodule_mass", 5, 0.4, 0.24, 0.16 / 0.76},
		// u01 u03 u05 u07 u09: 3 of 5; alice I3 D2, bob I3 D1 B1:
		// p_e = (9+2)/25 = 0.44.
		{agreement.GroupKind, "missed_in_draft", 5, 0.6, 0.44, 0.16 / 0.56},
		// u02 u04 u06 u08 u10: 4 of 5; alice I2 D1 B1 U1, bob I1
		// D2 B1 U1: p_e = 6/25.
		{agreement.GroupKind, "unsupported_by_image", 5, 0.8, 0.24, 0.56 / 0.76},
	} {
		g := groupOf(t, rep, tt.by, tt.name)
		assert.Equal(t, tt.units, g.Units, tt.name)
		assert.InDelta(t, tt.po, *g.ObservedAgreement, 1e-12, tt.name)
		assert.InDelta(t, tt.pe, *g.ExpectedAgreement, 1e-12, tt.name)
		assert.InDelta(t, tt.kappa, *g.Kappa.Value, 1e-12, tt.name)
	}
	empty := groupOf(t, rep, agreement.GroupLabel, "cardiomegaly")
	assert.Zero(t, empty.Units)
	assert.Nil(t, empty.Kappa.Value)
}
