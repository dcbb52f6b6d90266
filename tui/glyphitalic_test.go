package tui

import (
	"strings"
	"testing"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAgreeMarkUpright: mlterm 3.9 drew the ✓ of "image and draft agree"
// as a missing-glyph box because the line is italic and its italic font
// lacks ✓; the mark is drawn upright, the words stay italic.
func TestAgreeMarkUpright(t *testing.T) {
	st := NewStyles(false)
	require.True(t, st.Disagreement.Empty.GetItalic(), "the premise: the empty pane's text is italic")
	p := disagreementPane{st: st.Disagreement}
	p.SetData(disagreementData{present: true, status: audit.StatusDone, loaded: true})
	out := p.View(40, 5)
	before, _, ok := strings.Cut(out, "✓")
	require.True(t, ok, out)
	assert.NotRegexp(t, `\x1b\[(?:[0-9]+;)*3(?:;[0-9]+)*m`, before, "no italic (SGR 3) before the mark")
	assert.Contains(t, out, "image and draft")
	assert.Equal(t, "✓ image and draft agree: no disagreement", strings.Split(stripANSI(out), "\n")[0])
}
