package demodata

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

var demoDir = filepath.Join("..", "..", "..", "..", "testdata", "demo")

// The committed demo is exactly what the scenario table generates: edit the
// table, then run `go generate ./ollama/replay`.
func TestCommittedDemoIsUpToDate(t *testing.T) {
	files, err := Files(t.Context(), false)
	require.NoError(t, err)
	require.Len(t, files, 2)
	names := make([]string, 0, len(files))
	for name, want := range files {
		names = append(names, name)
		got, err := os.ReadFile(filepath.Join(demoDir, filepath.FromSlash(name)))
		require.NoError(t, err, "run go generate ./ollama/replay")
		assert.True(t, slices.Equal(want, got), "%s is stale: run go generate ./ollama/replay", name)
	}
	assert.Contains(t, names, Worklist)
	assert.Contains(t, names, Recording)
}

// Rendering the phantoms is slow under the race detector and exercises no
// concurrency of this package, so the image check runs without it.
func TestCommittedDemoImagesAreUpToDate(t *testing.T) {
	if raceEnabled {
		t.Skip("renders six phantoms; run without -race")
	}
	files, err := Files(t.Context(), true)
	require.NoError(t, err)
	n := 0
	for _, s := range Scenarios() {
		if s.Gen == nil {
			continue
		}
		n++
		got, err := os.ReadFile(filepath.Join(demoDir, filepath.FromSlash(s.Image)))
		require.NoError(t, err, "run go generate ./ollama/replay")
		assert.True(t, slices.Equal(files[s.Image], got), "%s is stale: run go generate ./ollama/replay", s.Image)
	}
	assert.Positive(t, n)
}

func TestScenariosAreWellFormed(t *testing.T) {
	seenID, seenImage, seenDraft := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, s := range Scenarios() {
		t.Run(s.ID, func(t *testing.T) {
			assert.False(t, seenID[s.ID], "duplicate id")
			assert.False(t, seenImage[s.Image], "each item needs its own image: grounding replies are keyed by image")
			assert.False(t, seenDraft[s.Draft], "each item needs its own draft: draft replies are keyed by draft")
			seenID[s.ID], seenImage[s.Image], seenDraft[s.Draft] = true, true, true
			assert.NotEmpty(t, s.Shows)
			assert.Equal(t, s.Gen != nil, strings.HasPrefix(s.Image, ImagesDir+"/"), "generated images live in images/")
			truth, err := s.Truth()
			require.NoError(t, err)
			require.NotEmpty(t, truth)

			// Every span the draft model "copied" is verbatim from the draft.
			labels, _, err := schema.ExtractDraftLabels(s.DraftContent)
			require.NoError(t, err)
			require.NotEmpty(t, labels)
			for _, l := range labels {
				assert.Contains(t, s.Draft, l.Span, "span of %s", l.Label)
			}
		})
	}
}

func TestTruthOfUnknownImage(t *testing.T) {
	_, err := Scenario{ID: "x", Image: "../phantoms/nope.png"}.Truth()
	require.ErrorContains(t, err, "nope.png")
}
