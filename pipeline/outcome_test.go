package pipeline

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// countingCache counts the outcomes written one commit each.
type countingCache struct {
	Cache
	putOutcome atomic.Int64
}

func (c *countingCache) PutOutcome(ctx context.Context, stages []audit.StageRecord, result audit.ResultRecord) error {
	c.putOutcome.Add(1)
	return c.Cache.PutOutcome(ctx, stages, result)
}

// testBatcher passes outcomes to a *store.Batcher, except those of the
// items in fail (done gets the error, nothing is written) and refuse (Put
// fails, as a closed batcher's does).
type testBatcher struct {
	*store.Batcher
	fail, refuse map[string]error
	puts         atomic.Int64
}

func (b *testBatcher) Put(ctx context.Context, stages []audit.StageRecord, result audit.ResultRecord, done func(error)) error {
	if err := b.refuse[result.ItemID]; err != nil {
		return err
	}
	b.puts.Add(1)
	if err := b.fail[result.ItemID]; err != nil {
		done(err)
		return nil
	}
	return b.Batcher.Put(ctx, stages, result, done)
}

func newTestBatcher(t *testing.T, st *store.Store, opt store.BatchOptions) *testBatcher {
	b := &testBatcher{Batcher: store.NewBatcher(st, opt)}
	t.Cleanup(func() { b.Close() })
	return b
}

// TestSchedulerBatchedOutcomes: with Config.Batch, every item's outcome
// goes to the batcher (no commit of its own), and its Result is reported
// only once its commit returned: the store has it by then.
func TestSchedulerBatchedOutcomes(t *testing.T) {
	dir := t.TempDir()
	srv := schedServer(t, testModels(0, 0, 2, "")...)
	st := openStore(t, dir)
	cache := &countingCache{Cache: st}
	cfg := baseConfig(nil, schedHost(t, srv.URL(), schedOptions()))
	cfg.Store, cfg.Capacity = cache, 2
	b := newTestBatcher(t, st, store.BatchOptions{MaxItems: 8, MaxDelay: 20 * time.Millisecond})
	cfg.Batch = b
	items := makeItems(t, dir, 30)
	s, err := NewScheduler(cfg)
	require.NoError(t, err)
	var notYetStored []string
	require.NoError(t, s.RunAll(context.Background(), items, func(u audit.Update) {
		if u.Result == nil {
			return
		}
		assert.Empty(t, u.Result.StoreErr)
		if _, ok, err := st.GetResult(context.Background(), u.ItemID); err != nil || !ok {
			notYetStored = append(notYetStored, u.ItemID)
		}
	}))
	assert.Empty(t, notYetStored, "reported before their commit")
	assert.EqualValues(t, len(items), b.puts.Load())
	assert.Zero(t, cache.putOutcome.Load(), "no commit per item")
	for _, it := range items {
		r, ok, err := st.GetResult(context.Background(), it.ID)
		require.NoError(t, err)
		require.True(t, ok, it.ID)
		_, ok, err = st.GetStage(context.Background(), r.DraftKey)
		require.NoError(t, err)
		assert.True(t, ok, "the computed draft record is stored with the result")
	}

	// A cached rerun changes nothing: nothing is written.
	before := b.puts.Load()
	results, _ := runAll(t, cfg, items)
	for _, r := range results {
		assert.True(t, r.Cached)
	}
	assert.Equal(t, before, b.puts.Load())
}

// TestSchedulerBatchedOutcomeNotStored: an outcome whose commit failed, or
// that the batcher refused, is reported on its Result (StoreErr) and
// logged; it is not in the store, and the other items are.
func TestSchedulerBatchedOutcomeNotStored(t *testing.T) {
	dir := t.TempDir()
	srv := schedServer(t, testModels(0, 0, 1, "")...)
	st := openStore(t, dir)
	items := makeItems(t, dir, 6)
	b := newTestBatcher(t, st, store.BatchOptions{MaxDelay: 10 * time.Millisecond})
	b.fail = map[string]error{items[1].ID: errors.New("disk full")}
	b.refuse = map[string]error{items[2].ID: store.ErrBatcherClosed}
	var logs logLines
	cfg := baseConfig(st, schedHost(t, srv.URL(), schedOptions()))
	cfg.Batch, cfg.Logf = b, logs.logf
	results, _ := runAll(t, cfg, items)
	for i, it := range items {
		r := results[it.ID]
		require.Equal(t, audit.StatusDone, r.Status, r.Err)
		_, stored, err := st.GetResult(context.Background(), it.ID)
		require.NoError(t, err)
		switch i {
		case 1:
			assert.Equal(t, "disk full", r.StoreErr)
		case 2:
			assert.Equal(t, store.ErrBatcherClosed.Error(), r.StoreErr)
		default:
			assert.Empty(t, r.StoreErr, it.ID)
			assert.True(t, stored, it.ID)
			continue
		}
		assert.False(t, stored, it.ID)
		assert.Equal(t, 1, logs.count("item "+it.ID+": result not stored"), "%s", &logs)
	}
}

// TestSchedulerBatchedOutcomesOnStop: when Run stops, the outcomes waiting
// in the batcher are flushed, not left for its deadline (an hour here),
// and every Result is still reported.
func TestSchedulerBatchedOutcomesOnStop(t *testing.T) {
	dir := t.TempDir()
	srv := schedServer(t, testModels(0, 0, 1, "")...)
	st := openStore(t, dir)
	items := makeItems(t, dir, 5)
	b := newTestBatcher(t, st, store.BatchOptions{MaxItems: 1000, MaxDelay: time.Hour})
	cfg := baseConfig(st, schedHost(t, srv.URL(), schedOptions()))
	cfg.Batch = b
	s, err := NewScheduler(cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { assert.NoError(t, s.Run(ctx)) })
	s.Submit(items)
	require.Eventually(t, func() bool { return b.puts.Load() == int64(len(items)) }, time.Minute, time.Millisecond)
	cancel()
	reported := 0
	for u := range s.Updates() {
		if u.Result != nil {
			reported++
			assert.Empty(t, u.Result.StoreErr)
		}
	}
	wg.Wait()
	// Run's reader may miss updates sent after the stop (Updates drops
	// them), but every outcome is on disk.
	assert.LessOrEqual(t, reported, len(items))
	for _, it := range items {
		_, ok, err := st.GetResult(context.Background(), it.ID)
		require.NoError(t, err)
		assert.True(t, ok, it.ID)
	}
}

// TestSchedulerBatchedOutcomesFlushedWhenIdle: once every item running
// waits for its commit, the batcher is flushed rather than left to its
// deadline (an hour here): the last items of a run, or one item run alone,
// are reported as soon as they are stored.
func TestSchedulerBatchedOutcomesFlushedWhenIdle(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t, dir)
	items := makeItems(t, dir, 5)
	b := newTestBatcher(t, st, store.BatchOptions{MaxItems: 1000, MaxDelay: time.Hour})
	cfg := baseConfig(st)
	cfg.Batch = b
	s, err := newScheduler(cfg, []stageRunner{newSleepRunner("fake://a", time.Millisecond, time.Millisecond)})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, s.RunAll(ctx, items, nil), "the outcomes waited for the batcher's deadline")
	for _, it := range items {
		_, ok, err := st.GetResult(context.Background(), it.ID)
		require.NoError(t, err)
		assert.True(t, ok, it.ID)
	}
}

// A report stored before urgent findings existed is not the same as one
// compared now, so a cached rerun writes it again; reports equal but for
// nil and empty disagreement lists are the same.
func TestSameReportUrgentFindings(t *testing.T) {
	old := &audit.Report{Urgent: false, Disagreements: nil}
	now := &audit.Report{Urgent: true, Disagreements: []audit.Disagreement{},
		UrgentFindings: []audit.UrgentFinding{{Label: schema.NoduleMass, Boxes: []schema.Box{}, DraftAgrees: true, DraftSpans: []string{"nodule"}}}}
	assert.False(t, sameReport(old, now))
	assert.False(t, sameReport(&audit.Report{Disagreements: []audit.Disagreement{}}, &audit.Report{Disagreements: []audit.Disagreement{}, UrgentFindings: []audit.UrgentFinding{}}),
		"an old calm report is written again with its empty list")
	assert.True(t, sameReport(&audit.Report{UrgentFindings: []audit.UrgentFinding{}}, &audit.Report{Disagreements: []audit.Disagreement{}, UrgentFindings: []audit.UrgentFinding{}}))
	agreed := *now
	agreed.UrgentFindings = []audit.UrgentFinding{{Label: schema.NoduleMass, Boxes: []schema.Box{}, DraftSpans: []string{"nodule"}}}
	assert.False(t, sameReport(now, &agreed), "draft agreement is part of the report")
	assert.False(t, sameReport(now, &audit.Report{Urgent: true, ImageOnly: true, Disagreements: []audit.Disagreement{}, UrgentFindings: now.UrgentFindings}))
	assert.True(t, sameReport(now, now))
}
