package pipeline

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

func TestRecordMemo(t *testing.T) {
	m := newRecordMemo(2)
	rec := func(key, raw string) audit.StageRecord { return audit.StageRecord{Key: key, Raw: raw} }
	m.put(rec("", "no key"))
	_, ok := m.get("")
	assert.False(t, ok, "a record without a key is not kept")

	m.put(rec("a", "a1"))
	m.put(rec("b", "b1"))
	m.put(rec("a", "a2")) // a newer record of a key replaces it, in place
	got, ok := m.get("a")
	require.True(t, ok)
	assert.Equal(t, "a2", got.Raw)

	m.put(rec("c", "c1")) // full: the oldest key (a) goes
	_, ok = m.get("a")
	assert.False(t, ok)
	for _, k := range []string{"b", "c"} {
		_, ok := m.get(k)
		assert.True(t, ok, k)
	}
	assert.Len(t, m.order, 2)
}

// probeCache counts the store probes (GetStage) per stage key.
type probeCache struct {
	Cache
	mu     sync.Mutex
	probes map[string]int
}

func (c *probeCache) GetStage(ctx context.Context, key string) (audit.StageRecord, bool, error) {
	c.mu.Lock()
	c.probes[key]++
	c.mu.Unlock()
	return c.Cache.GetStage(ctx, key)
}

// TestSchedulerSharedInputProbesStoreOnce: items that share an image,
// taken after the first one's record was stored, are served its record
// without a store probe each (issue 11: with instant replies the probe was
// 15% of a 100k-row run's CPU); a Rerun's new record then serves them.
func TestSchedulerSharedInputProbesStoreOnce(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t, dir)
	items := makeItems(t, dir, 6)
	for i := range items {
		items[i].ImagePath = items[0].ImagePath // one image, six drafts
	}
	pc := &probeCache{Cache: st, probes: map[string]int{}}
	cfg := baseConfig(st)
	cfg.Store = pc
	s, err := newScheduler(cfg, []stageRunner{newSleepRunner("fake://a", time.Millisecond, time.Millisecond)})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	runErr := make(chan error, 1)
	go func() { runErr <- s.Run(ctx) }()
	wait := func(ids ...string) map[string]*audit.Result {
		t.Helper()
		want := map[string]bool{}
		for _, id := range ids {
			want[id] = true
		}
		got := map[string]*audit.Result{}
		for len(got) < len(want) {
			select {
			case u := <-s.Updates():
				if u.Result != nil && want[u.ItemID] {
					got[u.ItemID] = u.Result
				}
			case <-ctx.Done():
				t.Fatalf("results of %v: %v", ids, ctx.Err())
			}
		}
		return got
	}
	s.Submit(items[:1])
	first := wait(items[0].ID)[items[0].ID]
	require.Equal(t, audit.StatusDone, first.Status)
	groundKey := first.Grounding.Key

	// One after another, so that none can follow another's call.
	for _, it := range items[1:] {
		s.Submit([]audit.Item{it})
		r := wait(it.ID)[it.ID]
		require.Equal(t, audit.StatusDone, r.Status)
		assert.Equal(t, groundKey, r.Grounding.Key)
	}
	pc.mu.Lock()
	assert.Equal(t, 1, pc.probes[groundKey], "the shared image's record probed once (the first item's miss)")
	pc.mu.Unlock()

	// A Rerun calls again; the items after it get its new record.
	s.Rerun(items[0])
	rerun := wait(items[0].ID)[items[0].ID]
	require.Equal(t, audit.StatusDone, rerun.Status)
	got, ok := s.memo.get(groundKey)
	require.True(t, ok)
	assert.True(t, rerun.Grounding.CreatedAt.After(first.Grounding.CreatedAt), "a new call")
	assert.True(t, got.CreatedAt.Equal(rerun.Grounding.CreatedAt), "the memo holds the newest record")
	stored, ok, err := st.GetStage(context.Background(), groundKey)
	require.NoError(t, err)
	require.True(t, ok)
	assert.WithinDuration(t, stored.CreatedAt, got.CreatedAt, time.Millisecond, "the memo holds what the store would return")

	cancel()
	require.NoError(t, <-runErr)
}
