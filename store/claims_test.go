package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/store"
)

func claimIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("it-%02d", i)
	}
	return ids
}

func newClaims(t *testing.T, s *store.Store, worker string, lease time.Duration) *store.Claims {
	t.Helper()
	c, err := s.Claims("run-1", worker, lease)
	require.NoError(t, err)
	return c
}

func TestClaimsLifecycle(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		s := be.open(t)
		a, b := newClaims(t, s, "a", time.Minute), newClaims(t, s, "b", time.Minute)
		ids := claimIDs(6)
		require.NoError(t, a.Join(ctx, ids))
		require.NoError(t, b.Join(ctx, ids), "joining again changes nothing")

		got, err := a.Claim(ctx, 2)
		require.NoError(t, err)
		assert.Equal(t, ids[:2], got, "in worklist order")
		got, err = b.Claim(ctx, 3)
		require.NoError(t, err)
		assert.Equal(t, ids[2:5], got, "never what another worker holds")

		p, err := a.Progress(ctx)
		require.NoError(t, err)
		assert.Equal(t, audit.TeamProgress{Items: 6, Running: 5, Pending: 1, Workers: 2, Round: 1}, p)

		require.NoError(t, a.Finish(ctx, ids[0], false))
		require.NoError(t, b.Finish(ctx, ids[2], true))
		require.NoError(t, a.Finish(ctx, ids[3], false), "not a's: left alone")
		done, err := b.DoneElsewhere(ctx, 0, 10)
		require.NoError(t, err)
		assert.Equal(t, []string{ids[0]}, done)
		done, err = a.DoneElsewhere(ctx, 0, 10)
		require.NoError(t, err)
		assert.Equal(t, []string{ids[2]}, done)
		done, err = a.DoneElsewhere(ctx, 3, 10)
		require.NoError(t, err)
		assert.Empty(t, done, "from a position on")

		require.NoError(t, b.Release(ctx, []string{ids[3], ids[4]}))
		got, err = a.Claim(ctx, 10)
		require.NoError(t, err)
		assert.Equal(t, []string{ids[3], ids[4], ids[5]}, got, "released items are taken at once")
		p, err = a.Progress(ctx)
		require.NoError(t, err)
		assert.Equal(t, audit.TeamProgress{Items: 6, Done: 2, Failed: 1, Running: 4, Workers: 1, Round: 1}, p)

		for _, id := range []string{ids[1], ids[3], ids[4], ids[5]} {
			require.NoError(t, a.Finish(ctx, id, false))
		}
		got, err = b.Claim(ctx, 10)
		require.NoError(t, err)
		assert.Empty(t, got, "everything is done")

		// Started again once finished: a new round, every item pending.
		require.NoError(t, b.Join(ctx, ids))
		p, err = b.Progress(ctx)
		require.NoError(t, err)
		assert.Equal(t, audit.TeamProgress{Items: 6, Pending: 6, Round: 2}, p)
		assert.Len(t, eventsOf(t, s, "run_round"), 1)

		_, err = s.Claims("", "a", time.Second)
		require.ErrorIs(t, err, store.ErrInvalid)
		_, err = s.Claims("r", "", time.Second)
		require.ErrorIs(t, err, store.ErrInvalid)
		_, err = s.Claims("r", "a", time.Millisecond)
		require.ErrorIs(t, err, store.ErrInvalid)
	})
}

// A lease renewed in time holds; one left to expire is taken over by
// another worker, and the takeover is an event naming both.
func TestClaimsLeaseExpiry(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		s := be.open(t)
		const lease = 400 * time.Millisecond
		a, b := newClaims(t, s, "a", lease), newClaims(t, s, "b", lease)
		ids := claimIDs(2)
		require.NoError(t, a.Join(ctx, ids))
		got, err := a.Claim(ctx, 1)
		require.NoError(t, err)
		require.Equal(t, ids[:1], got)

		// a renews for three leases' time: b never gets it.
		for range 6 {
			time.Sleep(lease / 3)
			require.NoError(t, a.Renew(ctx))
			got, err := b.Claim(ctx, 1)
			require.NoError(t, err)
			require.NotContains(t, got, ids[0])
		}
		// a stops renewing (dies): once the lease runs out, b takes it.
		require.Eventually(t, func() bool {
			got, err := b.Claim(ctx, 1)
			require.NoError(t, err)
			return slices.Contains(got, ids[0])
		}, 5*time.Second, 50*time.Millisecond)
		ev := eventsOf(t, s, "run_takeover")
		require.Len(t, ev, 1)
		assert.Equal(t, ids[0], ev[0].ItemID)
		assert.JSONEq(t, `{"run":"run-1","from":"a","to":"b"}`, ev[0].Data)

		// a, back, finds the item is b's now.
		require.NoError(t, a.Finish(ctx, ids[0], false))
		p, err := b.Progress(ctx)
		require.NoError(t, err)
		assert.Zero(t, p.Done)
	})
}

// Workers claiming at once, each through its own connection pool, never
// get the same item (FOR UPDATE SKIP LOCKED on PostgreSQL), and between
// them get every item.
func TestClaimsConcurrentWorkersNeverShare(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		loc := be.location(t)
		ids := claimIDs(60)
		var mu sync.Mutex
		owner := map[string]string{}
		var workers []*store.Claims
		for w := range 4 {
			s, err := store.Open(ctx, loc)
			require.NoError(t, err)
			t.Cleanup(func() { s.Close() })
			c := newClaims(t, s, fmt.Sprint("w", w), time.Minute)
			require.NoError(t, c.Join(ctx, ids))
			workers = append(workers, c)
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		for _, c := range workers {
			wg.Go(func() {
				<-start
				for {
					got, err := c.Claim(ctx, 3)
					if !assert.NoError(t, err) || len(got) == 0 {
						return
					}
					mu.Lock()
					for _, id := range got {
						assert.Empty(t, owner[id], "%s claimed by %s and %s", id, owner[id], c.Worker())
						owner[id] = c.Worker()
					}
					mu.Unlock()
					for _, id := range got {
						assert.NoError(t, c.Finish(ctx, id, false))
					}
				}
			})
		}
		close(start)
		wg.Wait()
		assert.Len(t, owner, len(ids))
	})
}
