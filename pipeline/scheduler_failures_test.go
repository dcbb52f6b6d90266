package pipeline

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ollama/ollama/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
)

// TestSchedulerDeterministicFailureNotRetried: a grounding reply the
// parser cannot use is what the same call gives again: it is stored with
// its provenance, a resumed run serves it without calling the model, and
// only RetryFailed or Rerun call again.
func TestSchedulerDeterministicFailureNotRetried(t *testing.T) {
	dir := t.TempDir()
	models := testModels(0, 0, 1, "")
	models[0].Respond = func(req *api.ChatRequest) ollamatest.Reply {
		return ollamatest.Reply{Content: "I cannot see any image."}
	}
	srv := schedServer(t, models...)
	st := openStore(t, dir)
	items := makeItems(t, dir, 2)
	host := schedHost(t, srv.URL(), schedOptions())

	first, _ := runAll(t, baseConfig(st, host), items)
	for _, it := range items {
		require.Equal(t, audit.StatusError, first[it.ID].Status)
		assert.Contains(t, first[it.ID].Err, "no usable findings list")
		assert.True(t, first[it.ID].Grounding.Deterministic)
	}
	served := srv.Stats(groundModel).Served
	assert.Equal(t, 3*len(items), served, "each item climbs the 3-attempt ladder")

	again, _ := runAll(t, baseConfig(st, host), items)
	assert.Equal(t, served, srv.Stats(groundModel).Served, "a resumed run does not repeat a deterministic failure")
	for _, it := range items {
		r := again[it.ID]
		require.Equal(t, audit.StatusError, r.Status)
		assert.True(t, r.Cached, "served from the store")
		assert.Equal(t, first[it.ID].Err, r.Err)
	}

	cfg := baseConfig(st, host)
	cfg.RetryFailed = true
	runAll(t, cfg, items)
	assert.Equal(t, 2*served, srv.Stats(groundModel).Served, "RetryFailed calls again")
	assert.Equal(t, len(items), srv.Stats(draftModel).Served, "good stages stay cached")
}

// TestSchedulerQueueTimeIsApart: an item's wall time includes the time its
// calls waited for a slot; Result.Queue says how much of it that was.
func TestSchedulerQueueTimeIsApart(t *testing.T) {
	r := newSleepRunner("fake://a", 30*time.Millisecond, time.Millisecond)
	s, err := newScheduler(baseConfig(nil), []stageRunner{r})
	require.NoError(t, err)
	items := makeItems(t, t.TempDir(), 4)
	results := map[string]*audit.Result{}
	require.NoError(t, s.RunAll(context.Background(), items, func(u audit.Update) {
		if u.Result != nil {
			results[u.ItemID] = u.Result
		}
	}))
	last := results[items[3].ID]
	require.Equal(t, audit.StatusDone, last.Status, last.Err)
	// With one slot, the last item's grounding waited for the three before.
	assert.Greater(t, last.Queue, last.Grounding.Wall, "queue time is reported apart from the stage's own time")
	assert.GreaterOrEqual(t, last.Wall, last.Queue+last.Grounding.Wall)
	assert.Less(t, results[items[0].ID].Queue, last.Queue)
}

// failingCache is a store whose outcome writes fail (a full disk).
type failingCache struct{ Cache }

var errDiskFull = errors.New("disk I/O error: database or disk is full")

func (failingCache) PutOutcome(context.Context, []audit.StageRecord, audit.ResultRecord) error {
	return errDiskFull
}

// TestSchedulerStoreFailureIsOnTheResult: a result whose store write failed
// says so, so run can count it as a failure.
func TestSchedulerStoreFailureIsOnTheResult(t *testing.T) {
	dir := t.TempDir()
	srv := schedServer(t, testModels(0, 0, 1, "")...)
	cfg := baseConfig(nil, schedHost(t, srv.URL(), schedOptions()))
	cfg.Store = failingCache{openStore(t, dir)}
	items := makeItems(t, dir, 3)
	results, _ := runAll(t, cfg, items)
	for _, it := range items {
		r := results[it.ID]
		assert.Equal(t, audit.StatusDone, r.Status, "the model's result itself is good")
		assert.Contains(t, r.StoreErr, "disk is full", it.ID)
	}
}

// TestSchedulerFailureKeepsStoredResult: a rerun that fails leaves the
// item's stored (good) result in place, so review and export still show it.
func TestSchedulerFailureKeepsStoredResult(t *testing.T) {
	dir := t.TempDir()
	srv := schedServer(t, testModels(0, 0, 1, "")...)
	st := openStore(t, dir)
	items := makeItems(t, dir, 1)
	host := schedHost(t, srv.URL(), schedOptions())
	runAll(t, baseConfig(st, host), items)
	good, ok, err := st.GetResult(context.Background(), items[0].ID)
	require.NoError(t, err)
	require.True(t, ok)

	srv.InjectFault(groundModel, ollamatest.FaultServerError, 1)
	s, err := NewScheduler(baseConfig(st, host))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)
	s.Rerun(items[0])
	for u := range s.Updates() {
		if u.Result != nil {
			assert.Equal(t, audit.StatusError, u.Result.Status, "this attempt failed, and says so")
			cancel()
		}
	}
	after, ok, err := st.GetResult(context.Background(), items[0].ID)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Empty(t, after.Error, "the failure did not replace the stored result")
	assert.True(t, sameResult(good, after), fmt.Sprint(after))
	r, ok := s.Lookup(context.Background(), items[0])
	require.True(t, ok)
	assert.Equal(t, audit.StatusDone, r.Status)
}
