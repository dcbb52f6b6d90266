package render

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// The text listing names a truth box as the truth's, after the findings.
func TestTextListsTruthBoxes(t *testing.T) {
	enc, err := NewEncoder(ProtocolText, Caps{})
	require.NoError(t, err)
	b := schema.Box{Y0: 0.1, X0: 0.1, Y1: 0.2, X1: 0.2}
	p, err := enc.Encode(context.Background(), Request{Cols: 80, Rows: 10, ShowBoxes: true,
		Findings: []schema.Finding{{Label: schema.Pneumothorax, Box: &b}},
		Overlays: []Overlay{{Box: b, Label: schema.Pneumothorax, Tag: "M"}, {Box: b, Label: schema.NoduleMass, Tag: "T", Truth: true, Stroke: StrokeDashed}}})
	require.NoError(t, err)
	assert.Contains(t, p.Cells, "[M] pneumothorax: box")
	assert.Contains(t, p.Cells, "[T] nodule_mass [truth]: box")
}
