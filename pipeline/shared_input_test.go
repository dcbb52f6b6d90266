package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
)

// sharedItems returns n items whose images are copies of `images`
// distinct files (and whose drafts are all different).
func sharedItems(t *testing.T, dir string, n, images int) []audit.Item {
	t.Helper()
	items := make([]audit.Item, n)
	for i := range items {
		p := filepath.Join(dir, fmt.Sprintf("copy%03d.png", i))
		require.NoError(t, os.WriteFile(p, syntheticPNG(t, 64, 48, i%images), 0o644))
		items[i] = audit.Item{ID: fmt.Sprintf("item-%03d", i), ImagePath: p, Draft: fmt.Sprintf("Case %d. No pneumothorax.", i)}
	}
	return items
}

// TestSchedulerSharedImageSentOnce: 40 items sharing 2 images make 2
// grounding calls (they made 14: items prepared at the same time each
// missed the cache and called in parallel), and never two at once for one
// image; every item gets the findings.
func TestSchedulerSharedImageSentOnce(t *testing.T) {
	dir := t.TempDir()
	srv := schedServer(t, testModels(20*time.Millisecond, time.Millisecond, 4, "")...)
	cfg := baseConfig(openStore(t, dir), schedHost(t, srv.URL(), schedOptions()))
	cfg.Capacity = 4
	items := sharedItems(t, dir, 40, 2)
	results, _ := runAll(t, cfg, items)
	for _, it := range items {
		r := results[it.ID]
		require.Equal(t, audit.StatusDone, r.Status, r.Err)
		assert.Len(t, r.Findings, 2)
	}
	assert.Equal(t, 2, srv.Stats(groundModel).Served)
	assert.Equal(t, len(items), srv.Stats(draftModel).Served)

	// Identical drafts are parsed once too.
	for i := range items {
		items[i].ID, items[i].Draft = items[i].ID+"-b", "No acute findings."
	}
	runAll(t, cfg, items)
	assert.Equal(t, len(items)+1, srv.Stats(draftModel).Served)
}

// TestSchedulerSharedImageAfterTransientFailure: when the one call for a
// shared image fails transiently, the next item makes its own call; the
// failure is not handed on.
func TestSchedulerSharedImageAfterTransientFailure(t *testing.T) {
	dir := t.TempDir()
	srv := schedServer(t, testModels(20*time.Millisecond, time.Millisecond, 1, "")...)
	srv.InjectFault(groundModel, ollamatest.FaultServerError, 1)
	items := sharedItems(t, dir, 3, 1)
	results, _ := runAll(t, baseConfig(nil, schedHost(t, srv.URL(), schedOptions())), items)
	failed := 0
	for _, it := range items {
		if results[it.ID].Status == audit.StatusError {
			failed++
			assert.Contains(t, results[it.ID].Err, "ollama server error")
		}
	}
	assert.Equal(t, 1, failed, "only the item whose call failed")
	assert.Equal(t, 2, srv.Stats(groundModel).Requests)
}

// TestSchedulerRerunCallsAgainWithoutStore: without a store, the records
// kept for shared inputs (the run's only cache) do not stand in for the new
// call a Rerun asks for; an item sharing the image still follows the first
// call.
func TestSchedulerRerunCallsAgainWithoutStore(t *testing.T) {
	srv := schedServer(t, testModels(0, 0, 1, "")...)
	s, err := NewScheduler(baseConfig(nil, schedHost(t, srv.URL(), schedOptions())))
	require.NoError(t, err)
	items := sharedItems(t, t.TempDir(), 2, 1)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	runErr := make(chan error, 1)
	go func() { runErr <- s.Run(ctx) }()
	s.Submit(items)
	var results []*audit.Result
	for u := range s.Updates() {
		if u.Result == nil {
			continue
		}
		results = append(results, u.Result)
		switch len(results) {
		case 2:
			s.Rerun(items[0])
		case 3:
			cancel()
		}
	}
	require.NoError(t, <-runErr)
	require.Len(t, results, 3)
	rerun := results[2]
	assert.Equal(t, items[0].ID, rerun.ItemID)
	require.Equal(t, audit.StatusDone, rerun.Status, rerun.Err)
	assert.False(t, rerun.Cached, "the rerun called both models")

	assert.Equal(t, 2, srv.Stats(groundModel).Served, "one call for both items, one for the rerun")
	assert.Equal(t, 3, srv.Stats(draftModel).Served)
}
