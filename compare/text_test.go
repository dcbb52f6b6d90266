package compare

import (
	"bytes"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// The tables are golden files (go test ./compare -update rewrites them;
// review the diff).

func TestReportWriteText(t *testing.T) {
	items := cardSet(1, 60)
	for _, p := range []Protocol{ProtocolItem, ProtocolCard} {
		t.Run(string(p), func(t *testing.T) {
			rep := evaluateWith(t, items, Options{Protocol: p, Urgent: schema.DefaultUrgent(), Bootstrap: Bootstrap{Resamples: 500, Seed: 1, Level: 0.95}})
			var buf bytes.Buffer
			require.NoError(t, rep.WriteText(&buf))
			golden.RequireEqual(t, buf.Bytes())
		})
	}
}

func TestReportWriteTextNoIntervals(t *testing.T) {
	rep := evaluateWith(t, v1Items(), Options{Protocol: ProtocolCard, Urgent: schema.DefaultUrgent()})
	var buf bytes.Buffer
	require.NoError(t, rep.WriteText(&buf))
	golden.RequireEqual(t, buf.Bytes())
}

func TestComparisonWriteText(t *testing.T) {
	_, a, b := pairedSets(120)
	c := compareRuns(t, Options{Urgent: schema.DefaultUrgent(), Bootstrap: Bootstrap{Resamples: 500, Seed: 1, Level: 0.95}}, a, b, a)
	c.Runs[2].Name = "q8\x1b[31m"
	c.Pairs[1].Run = c.Runs[2].Name
	var buf bytes.Buffer
	require.NoError(t, c.WriteText(&buf))
	golden.RequireEqual(t, buf.Bytes())
}
