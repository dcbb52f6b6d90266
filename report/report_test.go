package report

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/agreement"
	"github.com/cxr-auditor/cxr-auditor/audit"
)

func sectionIDs(doc *Doc) []string {
	var ids []string
	for _, s := range doc.Sections {
		ids = append(ids, s.ID)
	}
	return ids
}

func TestBuildSectionsPresentWhenTheirDataIs(t *testing.T) {
	one := fixture(60, 1, 1)
	two := withPhantom(t, fixture(60, 2, 2))
	two.Verdicts = verdictsFor(two, 20)
	ratings, _ := agreement.FromVerdicts(two.Verdicts)
	rep, err := agreement.Measure(ratings, agreement.Options{MinReaders: 2, Level: 0.95})
	require.NoError(t, err)
	two.Agreement = &rep
	tests := []struct {
		name string
		in   Input
		want []string
	}{
		{"one run, no images", one, []string{"summary", "metrics", "plots", "pictures"}},
		{"two runs with readers", two, []string{"summary", "metrics", "plots", "agreement", "pictures"}},
		{"agreement only", Input{Agreement: &rep}, []string{"summary", "agreement"}},
		{"a study without truth: its disputes pictured", Input{Items: []Item{{ID: "a"}, {ID: "b"}},
			Study: &Study{Units: []audit.StudyUnit{{ItemID: "b", State: audit.UnitAdjudicated}}}}, []string{"summary", "agreement", "pictures"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := buildDoc(t, tt.in)
			assert.Equal(t, tt.want, sectionIDs(doc))
		})
	}
	_, err = Build(context.Background(), Input{})
	require.ErrorIs(t, err, ErrNothing)
}

func TestTablesReadAsEvalPrintsThem(t *testing.T) {
	in := fixture(80, 2, 3)
	doc := buildDoc(t, in)
	var f1 *Table
	for _, b := range doc.Sections[1].Blocks {
		if b.Table != nil && b.Table.ID == "presence-0" {
			f1 = b.Table
		}
	}
	require.NotNil(t, f1)
	// Every F1 cell is eval's formatting: value then [low, high].
	for _, row := range f1.Rows[:5] {
		assert.Regexp(t, `^(n/a|\d\.\d{3})( \[\d\.\d{3}, \d\.\d{3}\])?\*?$`, row[4].Text)
		assert.NotEmpty(t, row[4].ID)
	}
}

func TestWriteHTMLIsSelfContained(t *testing.T) {
	in := withPhantom(t, fixture(60, 2, 4))
	doc := buildDoc(t, in)
	var b bytes.Buffer
	require.NoError(t, WriteHTML(&b, doc))
	html := b.String()
	for _, bad := range []string{"http://", "https://", "src=\"http", "@import", "url("} {
		// The SVG namespace is a name, never fetched.
		assert.NotContains(t, strings.ReplaceAll(html, `xmlns="http://www.w3.org/2000/svg"`, ""), bad)
	}
	assert.Contains(t, html, "Content-Security-Policy")
	assert.Contains(t, html, "data:image/png;base64,")
	if dir := os.Getenv("CXR_REPORT_KEEP"); dir != "" {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "fixture.html"), b.Bytes(), 0o644))
	}
}
