package pipeline

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/ollama"
	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
)

// downRunner is a sleepRunner that can be switched off: every call and
// lookup then fails as unreachable, as a killed Ollama's would.
type downRunner struct {
	*sleepRunner
	down  atomic.Bool
	calls atomic.Int64 // calls made while down
}

func (r *downRunner) unreachable() error {
	r.calls.Add(1)
	return fmt.Errorf("%s: %w: connection refused", r.url, ollama.ErrUnreachable)
}

func (r *downRunner) ModelInfo(ctx context.Context, model string) (ollama.ModelInfo, error) {
	if r.down.Load() {
		return ollama.ModelInfo{}, r.unreachable()
	}
	return r.sleepRunner.ModelInfo(ctx, model)
}

func (r *downRunner) GroundWith(ctx context.Context, model string, opt ollama.Options, png []byte) (audit.StageRecord, error) {
	if r.down.Load() {
		err := r.unreachable()
		return audit.StageRecord{Error: err.Error()}, err
	}
	return r.sleepRunner.GroundWith(ctx, model, opt, png)
}

func (r *downRunner) ParseDraftWith(ctx context.Context, model string, opt ollama.Options, draft string, think bool) (audit.StageRecord, error) {
	if r.down.Load() {
		err := r.unreachable()
		return audit.StageRecord{Error: err.Error()}, err
	}
	return r.sleepRunner.ParseDraftWith(ctx, model, opt, draft, think)
}

// TestSchedulerHostDownMidRun: the only host dies after the first result.
// No item fails (today each failed after its 1.75 s of retries, one after
// another): the calls wait, the host is reported once when it drops and
// once when it comes back, and the run finishes.
func TestSchedulerHostDownMidRun(t *testing.T) {
	r := &downRunner{sleepRunner: newSleepRunner("fake://only", 5*time.Millisecond, time.Millisecond)}
	var logs logLines
	cfg := baseConfig(nil)
	cfg.Logf = logs.logf
	s, err := newScheduler(cfg, []stageRunner{r})
	require.NoError(t, err)
	items := makeItems(t, t.TempDir(), 6)
	results := map[string]*audit.Result{}
	restarted := make(chan struct{})
	go func() {
		// Back once the scheduler has said no host can serve the models.
		for logs.count("no host can serve") == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond)
		r.down.Store(false)
		close(restarted)
	}()
	require.NoError(t, s.RunAll(context.Background(), items, func(u audit.Update) {
		if u.Result != nil {
			results[u.ItemID] = u.Result
			if len(results) == 1 {
				r.down.Store(true)
			}
		}
	}))
	<-restarted
	for _, it := range items {
		require.Equal(t, audit.StatusDone, results[it.ID].Status, results[it.ID].Err)
	}
	assert.Equal(t, 1, logs.count("host fake://only stopped answering"), "%s", &logs)
	assert.Equal(t, 1, logs.count("host fake://only answers again"), "%s", &logs)
	assert.NotContains(t, logs.String(), "not available")
	assert.LessOrEqual(t, r.calls.Load(), int64(30), "backed off instead of calling item after item")
}

// TestSchedulerOneOfTwoHostsDies: the other host takes the work; one line.
func TestSchedulerOneOfTwoHostsDies(t *testing.T) {
	a := &downRunner{sleepRunner: newSleepRunner("fake://a", 5*time.Millisecond, time.Millisecond)}
	b := newSleepRunner("fake://b", 5*time.Millisecond, time.Millisecond)
	var logs logLines
	cfg := baseConfig(nil)
	cfg.Logf = logs.logf
	s, err := newScheduler(cfg, []stageRunner{a, b})
	require.NoError(t, err)
	items := makeItems(t, t.TempDir(), 8)
	a.down.Store(false)
	n := 0
	results, _ := runAllWith(t, s, items, func(u audit.Update) {
		if u.Result != nil {
			if n++; n == 2 {
				a.down.Store(true)
			}
		}
	})
	for _, it := range items {
		require.Equal(t, audit.StatusDone, results[it.ID].Status, results[it.ID].Err)
	}
	assert.Equal(t, 1, logs.count("host fake://a stopped answering"), "%s", &logs)
	assert.Zero(t, logs.count("no host can serve"), "%s", &logs)
}

func runAllWith(t *testing.T, s *Scheduler, items []audit.Item, each func(audit.Update)) (map[string]*audit.Result, []audit.Update) {
	t.Helper()
	results := map[string]*audit.Result{}
	var updates []audit.Update
	require.NoError(t, s.RunAll(context.Background(), items, func(u audit.Update) {
		updates = append(updates, u)
		if u.Result != nil {
			results[u.ItemID] = u.Result
		}
		each(u)
	}))
	return results, updates
}

// TestSchedulerOfflineServesCache: with no host reachable, every cached
// result is served (marked cached and unverified), only the uncached item
// fails, as a host problem, and nothing stored is replaced.
func TestSchedulerOfflineServesCache(t *testing.T) {
	dir := t.TempDir()
	srv := schedServer(t, testModels(0, 0, 1, "")...)
	st := openStore(t, dir)
	items := makeItems(t, dir, 4)
	opt := schedOptions()
	opt.NumCtx = 2048
	runAll(t, baseConfig(st, schedHost(t, srv.URL(), opt)), items[:3])

	down := ollamatest.NewServer()
	url := down.URL()
	down.Close()
	opt.Retries = 0
	offline := baseConfig(st, schedHost(t, url, opt))
	s, err := NewScheduler(offline)
	require.NoError(t, err)
	require.ErrorIs(t, s.Preflight(context.Background()), ollama.ErrUnreachable)
	results, _ := runAllOn(t, s, items)
	for _, it := range items[:3] {
		r := results[it.ID]
		require.Equal(t, audit.StatusDone, r.Status, r.Err)
		assert.True(t, r.Cached)
		assert.True(t, r.Unverified, "no host confirmed the digest")
	}
	failed := results[items[3].ID]
	require.Equal(t, audit.StatusError, failed.Status)
	assert.Contains(t, failed.Err, "no Ollama host answered: "+url)
	assert.NotContains(t, failed.Err, "not available")
	for _, it := range items[:3] {
		rr, ok, err := st.GetResult(context.Background(), it.ID)
		require.NoError(t, err)
		require.True(t, ok)
		assert.Empty(t, rr.Error, "nothing stored was replaced")
	}

	// Lookup (review's fast path) serves them too, unverified.
	r, ok := s.Lookup(context.Background(), items[0])
	require.True(t, ok)
	assert.True(t, r.Unverified)
}
