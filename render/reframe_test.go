package render

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

func TestReframe(t *testing.T) {
	region := schema.Box{Y0: 0.2, X0: 0.4, Y1: 0.6, X1: 0.8}
	b, ok := Reframe(schema.Box{Y0: 0.3, X0: 0.5, Y1: 0.4, X1: 0.6}, region)
	require.True(t, ok)
	assert.InDeltaSlice(t, []float64{0.25, 0.25, 0.5, 0.5}, []float64{b.Y0, b.X0, b.Y1, b.X1}, 1e-9)
	b, ok = Reframe(schema.Box{Y0: 0, X0: 0, Y1: 0.4, X1: 0.6}, region)
	require.True(t, ok, "a box across the edge is clipped")
	assert.InDeltaSlice(t, []float64{0, 0, 0.5, 0.5}, []float64{b.Y0, b.X0, b.Y1, b.X1}, 1e-9)
	_, ok = Reframe(schema.Box{Y0: 0.7, X0: 0.1, Y1: 0.9, X1: 0.3}, region)
	assert.False(t, ok, "outside the region")
	_, ok = Reframe(schema.Box{Y0: 0.3, X0: 0.5, Y1: 0.4, X1: 0.6}, schema.Box{})
	assert.False(t, ok, "empty region")
}
