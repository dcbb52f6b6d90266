package agreement

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

func workedReport(t *testing.T) Report {
	t.Helper()
	rep, err := Measure(workedExample(), Options{Readers: []string{"alice", "bob", "carol"}})
	require.NoError(t, err)
	return rep
}

// The CLI's text tables, for the worked example (go test -update rewrites
// testdata/TestAgreementWriteText.golden; review the diff).
func TestAgreementWriteText(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, workedReport(t).WriteText(&buf))
	for line := range strings.Lines(buf.String()) {
		assert.Equal(t, strings.TrimRight(line, " \n"), strings.TrimSuffix(line, "\n"), "no trailing blanks")
	}
	golden.RequireEqual(t, buf.Bytes())
}

// Item ids, keys and reader names come from files and users: they are
// printed quoted when they hold control characters, so they cannot move the
// cursor or recolour the terminal.
func TestAgreementWriteTextQuotesControlCharacters(t *testing.T) {
	rs := rate("evil\x1b[2J", schema.Pneumothorax, audit.MissedInDraft, "ann\t:"+ir, "ben:"+dr)
	rs = append(rs, rate("ok", schema.Pneumothorax, audit.MissedInDraft, "ann\t:"+dr, "ben:"+dr)...)
	rep, err := Measure(rs, Options{})
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, rep.WriteText(&buf))
	out := buf.String()
	assert.NotContains(t, out, "\x1b")
	assert.Contains(t, out, `"evil\x1b[2J"`)
	assert.Contains(t, out, `"ann\t"`)

	// A lone 0x9b byte (CSI on 8-bit terminals) and a right-to-left override.
	rs = rate("csi\x9b2J", schema.Pneumothorax, audit.MissedInDraft, "x:"+ir, "y\u202e:"+dr)
	rep, err = Measure(rs, Options{})
	require.NoError(t, err)
	buf.Reset()
	require.NoError(t, rep.WriteText(&buf))
	out = buf.String()
	assert.NotContains(t, out, "\x9b")
	assert.NotContains(t, out, "\u202e")
	assert.Contains(t, out, `"csi\x9b2J"`)
	assert.Contains(t, out, `"y\u202e"`)
}

type failingWriter struct{ after int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after <= 0 {
		return 0, errors.New("disk full")
	}
	w.after--
	return len(p), nil
}

func TestAgreementWritersReportErrors(t *testing.T) {
	rep := workedReport(t)
	for _, after := range []int{0, 3} {
		err := rep.WriteText(&failingWriter{after: after})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "agreement text: disk full")
	}
	err := rep.WriteCSV(&failingWriter{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "agreement csv: disk full")
}

func TestAgreementCSV(t *testing.T) {
	rep := workedReport(t)
	var buf bytes.Buffer
	require.NoError(t, rep.WriteCSV(&buf))
	recs, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err, "every row has the header's width")
	require.Equal(t, CSVHeader, recs[0])
	rows := recs[1:]

	find := func(by, group, stat string) []string {
		t.Helper()
		for _, r := range rows {
			if r[0] == by && r[1] == group && r[3] == stat {
				return r
			}
		}
		t.Fatalf("no row %s/%s/%s", by, group, stat)
		return nil
	}
	k := find("all", "all", "kappa")
	assert.Equal(t, "cohen", k[2])
	assert.Equal(t, "0.5833333333333333", k[4], "full precision")
	assert.Equal(t, "95% CI, fleiss-cohen-everitt-1969", find("all", "all", "kappa_ci_low")[11])
	assert.Equal(t, "0.7", find("all", "all", "observed_agreement")[4])

	// An undefined kappa is an empty cell (NaN in pandas) with the reason.
	u := find("label", "pneumothorax", "kappa")
	assert.Empty(t, u[4])
	assert.Contains(t, u[11], `every rating in this group is "image_right"`)
	assert.Empty(t, find("label", "pneumothorax", "kappa_ci_high")[4])
	// A zero standard error: the SE is 0, the bounds are empty, with why.
	se := find("label", "cardiomegaly", "kappa_se")
	assert.Equal(t, "0", se[4])
	assert.Contains(t, se[11], "standard error is 0")
	assert.Empty(t, find("label", "cardiomegaly", "kappa_ci_low")[4])

	var counts, units, excluded, silent int
	for _, r := range rows {
		switch r[3] {
		case "confusion_count":
			if r[0] == "all" {
				counts++
				assert.Equal(t, []string{"alice", "bob"}, r[5:7])
			}
		case "disagreement_unit":
			if r[0] == "all" {
				units++
				assert.NotEmpty(t, r[9])
				assert.NotEmpty(t, r[10])
				assert.NotEqual(t, r[7], r[8], "off-diagonal only")
			}
		case "excluded_unit":
			excluded++
			assert.Equal(t, []string{"a6", "pneumothorax/missed_in_draft"}, r[9:11])
			assert.Equal(t, "rated by alice", r[11])
		case "reader_without_ratings":
			silent++
			assert.Equal(t, "carol", r[5])
		}
	}
	assert.Equal(t, 16, counts, "4×4 cells of the one pair")
	assert.Equal(t, 3, units)
	assert.Equal(t, 1, excluded)
	assert.Equal(t, 1, silent)
	// 2 report counts + 2 readers + 1 silent + 1 excluded; per group 10
	// statistics; per group with a pair (every group here, Cohen) 2 + 16
	// rows plus its disagreement units (3 in all, 2 in cardiomegaly, 1 in
	// nodule_mass, 2 in missed_in_draft, 1 in unsupported_by_image).
	assert.Len(t, rows, 6+10*10+10*18+3+2+1+2+1)
}

func TestAgreementJSON(t *testing.T) {
	b, err := json.Marshal(workedReport(t))
	require.NoError(t, err)
	var got struct {
		Groups []struct {
			By    string         `json:"by"`
			Name  string         `json:"name"`
			Kappa map[string]any `json:"kappa"`
		} `json:"groups"`
		Excluded              []map[string]any `json:"excluded"`
		ReadersWithoutRatings []string         `json:"readers_without_ratings"`
		Level                 float64          `json:"ci_level"`
	}
	require.NoError(t, json.Unmarshal(b, &got))
	assert.InDelta(t, 0.95, got.Level, 0)
	assert.Equal(t, []string{"carol"}, got.ReadersWithoutRatings)
	require.Len(t, got.Excluded, 1)
	for _, g := range got.Groups {
		if g.Name != "pneumothorax" {
			continue
		}
		// Undefined: the keys are present and null, the reason beside them.
		for _, key := range []string{"value", "se", "ci_low", "ci_high"} {
			v, ok := g.Kappa[key]
			assert.True(t, ok, key)
			assert.Nil(t, v, key)
		}
		assert.Contains(t, g.Kappa["undefined"], "chance agreement is 1")
	}

	// The report survives a round trip unchanged.
	var back Report
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, workedReport(t), back)
}
