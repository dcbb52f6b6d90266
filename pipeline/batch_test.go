package pipeline

import (
	"context"
	"errors"
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

// streamItems is a worklist of n items of distinct ids over a few images.
func streamItems(t *testing.T, n int) []audit.Item {
	images := sharedItems(t, t.TempDir(), 3, 3)
	items := make([]audit.Item, n)
	for i := range items {
		it := images[i%3]
		it.ID, it.Draft = fmt.Sprintf("item-%05d", i), fmt.Sprintf("Case %d. No effusion.", i)
		items[i] = it
	}
	return items
}

// TestRunStream: RunStream takes a long worklist from its source a window
// at a time, gives every item one Result, and (with NewInOrderStream told
// each item as the source yields it) the results come out in worklist
// order; an error from the source stops the reading, the items read
// before it are finished, and the error is returned.
func TestRunStream(t *testing.T) {
	errRead := errors.New("worklist.csv:2601: read error")
	tests := []struct {
		name    string
		n       int
		failAt  int // the source yields errRead after this many items; -1 never
		wantErr error
	}{
		{"long worklist", 2*runAllWindow + 500, -1, nil},
		{"one item", 1, -1, nil},
		{"empty", 0, -1, nil},
		{"source fails", 3000, 2600, errRead},
		{"source fails at once", 10, 0, errRead},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items := streamItems(t, tt.n)
			s, err := newScheduler(baseConfig(nil), []stageRunner{newSleepRunner("fake://a", 0, 0)})
			require.NoError(t, err)
			var emitted []string
			o := NewInOrderStream(func(it audit.Item, r *audit.Result) {
				assert.Equal(t, it.ID, r.ItemID)
				emitted = append(emitted, it.ID)
			})
			yielded, most := 0, 0
			src := func(yield func(audit.Item, error) bool) {
				for i, it := range items {
					if i == tt.failAt {
						yield(audit.Item{}, errRead)
						return
					}
					o.Expect(it)
					yielded++
					most = max(most, len(o.items)-o.next)
					if !yield(it, nil) {
						return
					}
				}
			}
			results := 0
			err = s.RunStream(context.Background(), src, tt.n, func(u audit.Update) {
				o.Add(u)
				if u.Result != nil {
					results++
				}
			})
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, yielded, results, "one Result per item read")
			assert.Equal(t, 0, o.Flush())
			want := make([]string, 0, yielded)
			for _, it := range items[:yielded] {
				want = append(want, it.ID)
			}
			assert.Equal(t, want, nonNil(emitted), "worklist order")
			assert.LessOrEqual(t, most, runAllAhead, "items held by InOrder")
			s.mu.Lock()
			assert.Empty(t, s.q.items, "finished items forgotten")
			s.mu.Unlock()
		})
	}
}

// TestRunStreamStopped: a stop by ctx is reported as RunAll reports it,
// counting the items not yet read from the source as unfinished.
func TestRunStreamStopped(t *testing.T) {
	items := streamItems(t, 3000)
	s, err := newScheduler(baseConfig(nil), []stageRunner{newSleepRunner("fake://a", 0, 0)})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	results := 0
	err = s.RunStream(ctx, func(yield func(audit.Item, error) bool) {
		for _, it := range items {
			if !yield(it, nil) {
				return
			}
		}
	}, len(items), func(u audit.Update) {
		if u.Result != nil {
			results++
			if results == 10 {
				cancel()
			}
		}
	})
	require.ErrorIs(t, err, context.Canceled)
	assert.Regexp(t, `^run stopped with \d+ of 3000 items unfinished`, err.Error())
	assert.Less(t, results, len(items))
}

func TestAheadTracker(t *testing.T) {
	tests := []struct {
		name     string
		queue    int
		finish   []int // positions finished, in this order
		wantLen  int
		wantHeld int // finished ids kept (behind an unfinished one)
	}{
		{"none finished", 5, nil, 5, 0},
		{"in order", 5, []int{0, 1, 2}, 2, 0},
		{"held behind the first", 5, []int{1, 2, 4}, 5, 3},
		{"the first releases the held", 5, []int{1, 2, 4, 0}, 2, 1},
		{"all", 5, []int{4, 3, 2, 1, 0}, 0, 0},
		{"unknown id", 2, []int{7}, 2, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a aheadTracker
			for i := range tt.queue {
				a.queue(fmt.Sprint(i))
			}
			for _, i := range tt.finish {
				a.finish(fmt.Sprint(i))
			}
			assert.Equal(t, tt.wantLen, a.len())
			assert.Len(t, a.done, tt.wantHeld)
		})
	}
	// A long run in order keeps only a window of ids.
	var a aheadTracker
	for i := range 100_000 {
		a.queue(fmt.Sprint(i))
		a.finish(fmt.Sprint(i))
	}
	assert.Zero(t, a.len())
	assert.LessOrEqual(t, cap(a.order), 4*runAllWindow)
}
