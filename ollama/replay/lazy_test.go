package replay_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/ollama"
	"github.com/cxr-auditor/cxr-auditor/ollama/replay"
	"github.com/cxr-auditor/cxr-auditor/prompts"
)

// TestLazyImages: with LazyImages the server starts without decoding any
// image (an undecodable one does not stop it) and answers each recorded
// image, in any order.
func TestLazyImages(t *testing.T) {
	ctx := t.Context()
	rows := []row{{"j", "junk.png", "No acute findings."}, {"b", "b.png", "Lungs are clear."}, {"a", "a.png", "Lungs are clear."}}
	rec := []string{
		`{"id":"j","stage":"grounding","content":"[]"}`, `{"id":"j","stage":"draft","content":"[]"}`,
		twoRecorded[2], twoRecorded[3],
		`{"id":"a","stage":"grounding","content":"[{\"label\": \"no_finding\"}]"}`, `{"id":"a","stage":"draft","content":"[]","thinking":"Nothing about the six labels."}`,
	}
	f := newFixture(t, rows, rec...)
	_, err := replay.NewServer(ctx, f.worklist, f.recording, replay.Options{})
	require.Error(t, err, "decoded at start without LazyImages")
	srv, err := replay.NewServer(ctx, f.worklist, f.recording, replay.Options{LazyImages: true})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	host, err := ollama.NewHost(srv.URL(), ollama.DefaultOptions())
	require.NoError(t, err)

	g, err := host.Ground(ctx, prompts.DefaultGroundingModel, modelInput(t, filepath.Join(f.dir, "a.png")))
	require.NoError(t, err)
	assert.Equal(t, `[{"label": "no_finding"}]`, g.Raw)
	g, err = host.Ground(ctx, prompts.DefaultGroundingModel, modelInput(t, filepath.Join(f.dir, "b.png")))
	require.NoError(t, err)
	assert.Equal(t, `[{"label": "pneumothorax", "box_2d": [0.1, 0.55, 0.6, 0.9]}]`, g.Raw)
}

// TestLazyImagesConflict: two rows with one model input and different
// recorded replies are answered in prose naming both, once keyed.
func TestLazyImagesConflict(t *testing.T) {
	ctx := t.Context()
	rows := []row{{"a", "a.png", "No acute findings."}, {"b", "a.png", "Lungs are clear."}}
	f := newFixture(t, rows, twoRecorded...)
	srv, err := replay.NewServer(ctx, f.worklist, f.recording, replay.Options{LazyImages: true})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	host, err := ollama.NewHost(srv.URL(), ollama.DefaultOptions())
	require.NoError(t, err)
	_, err = host.Ground(ctx, prompts.DefaultGroundingModel, modelInput(t, filepath.Join(f.dir, "b.png")))
	require.ErrorIs(t, err, ollama.ErrNoOutput, "not recorded: every row keyed")
	g, err := host.Ground(ctx, prompts.DefaultGroundingModel, modelInput(t, filepath.Join(f.dir, "a.png")))
	require.ErrorIs(t, err, ollama.ErrNoOutput)
	assert.Contains(t, g.Raw, "b: same model-input image as a")
}
