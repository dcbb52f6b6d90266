package pipeline

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// TestSchedulerAutoCapacity runs a batch with AutoCapacity against a
// server whose draft model generates 4 at once: the draft slots start at
// one call, the tuner's choice is noted once per host and model, the
// server is never sent far more than it runs, and every item finishes.
func TestSchedulerAutoCapacity(t *testing.T) {
	if testing.Short() {
		t.Skip("several seconds of model calls")
	}
	// Replies of 100 ms, so that a call's own cost on a loaded machine
	// under the race detector (10-30 ms) does not hide the server's
	// parallelism: at 25 ms, 2 at once measured only 1.39x the
	// throughput of 1 in a CI run, and the tuner rightly kept 1.
	models := testModels(0, 100*time.Millisecond, 4, "")
	models[0].Capacity = 16
	srv := schedServer(t, models...)
	dir := t.TempDir()
	img := filepath.Join(dir, "img.png")
	require.NoError(t, os.WriteFile(img, syntheticPNG(t, 64, 48, 1), 0o644))
	items := make([]audit.Item, 250)
	for i := range items {
		// One image (one grounding call), a draft each.
		items[i] = audit.Item{ID: fmt.Sprintf("item-%03d", i), ImagePath: img, Draft: fmt.Sprintf("Case %d. No pneumothorax.", i)}
	}
	var mu sync.Mutex
	var notes []string
	cfg := baseConfig(nil, schedHost(t, srv.URL(), schedOptions()))
	cfg.AutoCapacity = true
	cfg.Notef = func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		notes = append(notes, fmt.Sprintf(format, args...))
	}
	results, _ := runAll(t, cfg, items)
	require.Len(t, results, len(items))
	for id, r := range results {
		require.Equal(t, audit.StatusDone, r.Status, id)
	}
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, notes, 1, "one choice, for the draft model (the grounding model had one call)")
	m := regexp.MustCompile(`^--jobs auto: ` + regexp.QuoteMeta(srv.URL()) + `, ` + draftModel + `: (\d+) at once \(.+\)$`).FindStringSubmatch(notes[0])
	require.NotNil(t, m, notes[0])
	n, _ := strconv.Atoi(m[1])
	// Measured on a shared machine, with the race detector at times: 3
	// to 5 seen (a borderline doubling, 1.49x of the 1.5x asked, lands
	// on 3); never the 16 it may try, nor over twice the server's 4.
	assert.GreaterOrEqual(t, n, 2, notes[0])
	assert.LessOrEqual(t, n, 8, notes[0])
	assert.Equal(t, 4, srv.Stats(draftModel).MaxConcurrent)
}

// TestSchedulerFixedCapacityIsNotTuned: without AutoCapacity the slots
// are Capacity from the start, and nothing is noted.
func TestSchedulerFixedCapacityIsNotTuned(t *testing.T) {
	// Replies slow enough for the jobs to pile up even under the race
	// detector; a tuner would hold 1 for its first 8 calls (2.4 s).
	srv := schedServer(t, testModels(300*time.Millisecond, 300*time.Millisecond, 4, "")...)
	var notes []string
	cfg := baseConfig(nil, schedHost(t, srv.URL(), schedOptions()))
	cfg.Capacity = 4
	cfg.Notef = func(format string, args ...any) { notes = append(notes, fmt.Sprintf(format, args...)) }
	results, _ := runAll(t, cfg, makeItems(t, t.TempDir(), 16))
	require.Len(t, results, 16)
	assert.Equal(t, 4, srv.Stats(draftModel).MaxConcurrent, "4 at once from the first calls")
	assert.Empty(t, notes)
}
