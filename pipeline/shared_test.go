package pipeline

// Synthetic images and drafts only.

import (
	"context"
	"crypto/sha256"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ollama/ollama/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/ollama"
	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// callCounter counts the model calls of each input (an image's bytes or a
// draft's prompt) on a fake Ollama server.
type callCounter struct {
	mu    sync.Mutex
	calls map[[32]byte]int
	// gate, when set, holds every reply until it is closed.
	gate chan struct{}
}

func (c *callCounter) respond(req *api.ChatRequest) ollamatest.Reply {
	if c.gate != nil {
		<-c.gate
	}
	var key [32]byte
	for _, m := range req.Messages {
		if len(m.Images) > 0 {
			key = sha256.Sum256(m.Images[0])
		} else if m.Role == "user" {
			key = sha256.Sum256([]byte(m.Content))
		}
	}
	c.mu.Lock()
	c.calls[key]++
	c.mu.Unlock()
	return respond(req)
}

// most returns the highest number of calls any one input had, and the
// number of distinct inputs called.
func (c *callCounter) most() (most, inputs int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.calls {
		most = max(most, n)
	}
	return most, len(c.calls)
}

func countingServer(t testing.TB, latency time.Duration) (*ollamatest.Server, *callCounter) {
	c := &callCounter{calls: map[[32]byte]int{}}
	ms := testModels(latency, latency, 4, "")
	for i := range ms {
		ms[i].Respond = c.respond
	}
	return schedServer(t, ms...), c
}

// worker is one shared-run process in miniature: its own store handle (a
// connection pool of its own), scheduler and claims.
type worker struct {
	claims  *store.Claims
	sched   *Scheduler
	results map[string]*audit.Result
}

func newWorker(t *testing.T, db, name string, url string, items []audit.Item, lease time.Duration) *worker {
	t.Helper()
	st, err := store.Open(context.Background(), db)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	s, err := NewScheduler(baseConfig(st, schedHost(t, url, schedOptions())))
	require.NoError(t, err)
	c, err := st.Claims(s.RunKey(items), name, lease)
	require.NoError(t, err)
	return &worker{claims: c, sched: s, results: map[string]*audit.Result{}}
}

func (w *worker) run(ctx context.Context, items []audit.Item, poll time.Duration) error {
	return w.sched.RunShared(ctx, items, w.claims, SharedOptions{Poll: poll}, func(u audit.Update) {
		if u.Result != nil {
			w.results[u.ItemID] = u.Result
		}
	})
}

// Two workers share a worklist: each item's two stages are called once in
// all, and each worker reports every item (the other's served from the
// store).
func TestRunSharedTwoWorkers(t *testing.T) {
	dir := t.TempDir()
	items := makeItems(t, dir, 12)
	srv, calls := countingServer(t, 20*time.Millisecond)
	// No model replies until both workers hold items: otherwise, on a
	// loaded machine, the first could finish the worklist before the
	// second claims anything.
	calls.gate = make(chan struct{})
	db := filepath.Join(dir, "shared.cxr.db")
	a := newWorker(t, db, "a", srv.URL(), items, 5*time.Second)
	b := newWorker(t, db, "b", srv.URL(), items, 5*time.Second)
	require.Equal(t, a.sched.RunKey(items), b.sched.RunKey(items), "same worklist and settings: one run")

	var wg sync.WaitGroup
	for _, w := range []*worker{a, b} {
		wg.Go(func() { assert.NoError(t, w.run(context.Background(), items, 50*time.Millisecond)) })
	}
	require.Eventually(t, func() bool {
		p, err := a.claims.Progress(context.Background())
		return err == nil && p.Workers == 2
	}, 30*time.Second, 5*time.Millisecond, "both workers claim items")
	close(calls.gate)
	wg.Wait()

	most, inputs := calls.most()
	assert.Equal(t, 1, most, "no input was called twice")
	assert.Equal(t, 2*len(items), inputs, "every image and every draft called")
	ran := 0
	for _, w := range []*worker{a, b} {
		require.Len(t, w.results, len(items))
		mine := 0
		for id, r := range w.results {
			assert.Equal(t, audit.StatusDone, r.Status, id)
			assert.NotNil(t, r.Report, id)
			if !r.Cached {
				mine++
			}
		}
		assert.Positive(t, mine, "each worker ran some items")
		ran += mine
	}
	assert.Equal(t, len(items), ran, "each item ran on one worker; the other served it from the store")
	p, err := a.claims.Progress(context.Background())
	require.NoError(t, err)
	assert.Equal(t, audit.TeamProgress{Items: 12, Done: 12, Round: 1}, p)
}

// A worker that claimed items and died (it never renews, never finishes):
// once its leases expire, the other worker runs them; nothing is lost.
func TestRunSharedTakesOverADeadWorkersItems(t *testing.T) {
	dir := t.TempDir()
	items := makeItems(t, dir, 6)
	srv, calls := countingServer(t, 5*time.Millisecond)
	db := filepath.Join(dir, "shared.cxr.db")
	const lease = 600 * time.Millisecond
	dead := newWorker(t, db, "dead", srv.URL(), items, lease)
	ctx := context.Background()
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	require.NoError(t, dead.claims.Join(ctx, ids))
	took, err := dead.claims.Claim(ctx, 3)
	require.NoError(t, err)
	require.Len(t, took, 3)

	live := newWorker(t, db, "live", srv.URL(), items, lease)
	start := time.Now()
	require.NoError(t, live.run(ctx, items, 100*time.Millisecond))
	assert.GreaterOrEqual(t, time.Since(start), lease/2, "the dead worker's items waited for its leases")
	require.Len(t, live.results, len(items))
	most, inputs := calls.most()
	assert.Equal(t, 1, most)
	assert.Equal(t, 2*len(items), inputs)
	p, err := live.claims.Progress(ctx)
	require.NoError(t, err)
	assert.Equal(t, 6, p.Done)
}

// A worker stopped by its context releases the items it had not finished,
// so another takes them at once, not a lease later.
func TestRunSharedStopReleases(t *testing.T) {
	dir := t.TempDir()
	items := makeItems(t, dir, 8)
	srv, _ := countingServer(t, 300*time.Millisecond)
	db := filepath.Join(dir, "shared.cxr.db")
	a := newWorker(t, db, "a", srv.URL(), items, time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.run(ctx, items, 50*time.Millisecond) }()
	require.Eventually(t, func() bool {
		p, err := a.claims.Progress(context.Background())
		return err == nil && p.Running > 0
	}, 5*time.Second, 10*time.Millisecond)
	cancel()
	err := <-done
	require.ErrorIs(t, err, context.Canceled)

	p, err := a.claims.Progress(context.Background())
	require.NoError(t, err)
	assert.Zero(t, p.Running, "nothing left leased to a stopped worker (an hour's lease)")
	b := newWorker(t, db, "b", srv.URL(), items, time.Hour)
	require.NoError(t, b.run(context.Background(), items, 50*time.Millisecond))
	assert.Len(t, b.results, len(items))
}

// Different settings are a different run: the run key changes.
func TestRunKey(t *testing.T) {
	items := []audit.Item{{ID: "a"}, {ID: "b"}}
	s1, err := NewScheduler(Config{Hosts: []*ollama.Host{{}}, GroundingModel: "g", DraftModel: "d"})
	require.NoError(t, err)
	s2, err := NewScheduler(Config{Hosts: []*ollama.Host{{}}, GroundingModel: "g2", DraftModel: "d"})
	require.NoError(t, err)
	assert.Equal(t, s1.RunKey(items), s1.RunKey(items))
	assert.NotEqual(t, s1.RunKey(items), s2.RunKey(items))
	assert.NotEqual(t, s1.RunKey(items), s1.RunKey(items[:1]))
	assert.NotEqual(t, s1.RunKey(items), s1.RunKey([]audit.Item{items[1], items[0]}), "the order is the worklist's")
}
