package pipeline

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// TestRunAllLongWorklist: RunAll queues a long worklist a window at a
// time and forgets finished items, so the queue never knows more than a
// window's worth beyond those running; every distinct item has exactly one
// Result, repeated ids none of their own.
func TestRunAllLongWorklist(t *testing.T) {
	dir := t.TempDir()
	images := sharedItems(t, dir, 3, 3)
	n := 2*runAllWindow + 500
	var items []audit.Item
	for i := range n {
		it := images[i%3]
		it.ID, it.Draft = fmt.Sprintf("item-%05d", i), fmt.Sprintf("Case %d. No effusion.", i)
		items = append(items, it)
	}
	items = slices.Insert(items, runAllWindow+7, items[3]) // repeated ids
	items = append(items, items[n-1])
	s, err := newScheduler(baseConfig(nil), []stageRunner{newSleepRunner("fake://a", 0, 0)})
	require.NoError(t, err)
	var mu sync.Mutex
	most := 0
	s.beforeStage = func(context.Context, audit.Item, audit.Stage) {
		s.mu.Lock()
		k := len(s.q.items)
		s.mu.Unlock()
		mu.Lock()
		most = max(most, k)
		mu.Unlock()
	}
	results := map[string]int{}
	require.NoError(t, s.RunAll(context.Background(), items, func(u audit.Update) {
		if u.Result != nil {
			results[u.ItemID]++
		}
	}))
	assert.Len(t, results, n)
	for id, k := range results {
		assert.Equal(t, 1, k, id)
	}
	assert.LessOrEqual(t, most, runAllWindow+maxUnwritten, "items known at once")
	s.mu.Lock()
	assert.Empty(t, s.q.items, "finished items forgotten")
	s.mu.Unlock()
}
