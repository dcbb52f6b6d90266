package store_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/store"
)

func outcome(id string) store.Outcome {
	return store.Outcome{
		Stages: []audit.StageRecord{sampleStage("g-"+id, audit.StageGrounding), sampleStage("d-"+id, audit.StageDraft)},
		Result: audit.ResultRecord{ItemID: id, GroundingKey: "g-" + id, DraftKey: "d-" + id, Report: sampleReport()},
	}
}

func TestPutOutcomesPerItemErrors(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		s := be.open(t)
		bad := outcome("b")
		bad.Stages[1].Key = "" // invalid: the whole outcome is refused, not the batch
		errs := s.PutOutcomes(ctx, []store.Outcome{outcome("a"), bad, outcome("c")})
		require.Len(t, errs, 3)
		assert.NoError(t, errs[0])
		require.ErrorIs(t, errs[1], store.ErrInvalid)
		assert.Contains(t, errs[1].Error(), `put outcome item "b"`)
		assert.NoError(t, errs[2])
		for id, want := range map[string]bool{"a": true, "b": false, "c": true} {
			_, ok, err := s.GetResult(ctx, id)
			require.NoError(t, err)
			assert.Equal(t, want, ok, id)
		}
		_, ok, err := s.GetStage(ctx, "g-b")
		require.NoError(t, err)
		assert.False(t, ok, "b's good stage record was rolled back with it")

		// A transaction that cannot commit fails every outcome in it.
		ro, err := store.Open(ctx, s.Path(), store.ReadOnly())
		require.NoError(t, err)
		defer ro.Close()
		for _, err := range ro.PutOutcomes(ctx, []store.Outcome{outcome("x"), outcome("y")}) {
			require.ErrorIs(t, err, store.ErrReadOnlyStore)
		}
	})
}

func TestBatcherGroupsAndReports(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		s := be.open(t)
		b := store.NewBatcher(s, store.BatchOptions{MaxItems: 5, MaxDelay: time.Hour})
		defer b.Close()

		var mu sync.Mutex
		done := map[string]error{}
		put := func(ctx context.Context, id string) {
			o := outcome(id)
			require.NoError(t, b.Put(ctx, o.Stages, o.Result, func(err error) {
				mu.Lock()
				done[id] = err
				mu.Unlock()
			}))
		}
		reported := func() int {
			mu.Lock()
			defer mu.Unlock()
			return len(done)
		}
		for i := range 4 {
			put(ctx, fmt.Sprintf("a%d", i))
		}
		time.Sleep(50 * time.Millisecond)
		assert.Zero(t, reported(), "below MaxItems and MaxDelay: nothing committed yet")
		_, ok, err := s.GetResult(ctx, "a0")
		require.NoError(t, err)
		assert.False(t, ok)

		put(ctx, "a4") // the fifth fills the batch
		require.Eventually(t, func() bool { return reported() == 5 }, 5*time.Second, time.Millisecond)
		for id, err := range done {
			require.NoError(t, err, id)
			_, ok, err := s.GetResult(ctx, id)
			require.NoError(t, err)
			assert.True(t, ok, "reported stored, so it is", id)
		}

		// An outcome whose context ended before its commit is not stored and
		// says so; Flush commits the rest at once.
		cctx, cancel := context.WithCancel(ctx)
		put(cctx, "gone")
		put(ctx, "kept")
		cancel()
		require.NoError(t, b.Flush(ctx))
		mu.Lock()
		require.ErrorIs(t, done["gone"], context.Canceled)
		require.NoError(t, done["kept"])
		mu.Unlock()
		_, ok, err = s.GetResult(ctx, "gone")
		require.NoError(t, err)
		assert.False(t, ok)

		require.NoError(t, b.Close())
		require.ErrorIs(t, b.Put(ctx, nil, audit.ResultRecord{ItemID: "late"}, func(error) {}), store.ErrBatcherClosed)
		require.NoError(t, b.Close(), "Close twice")
	})
}

func TestBatcherManyWriters(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		s := be.open(t)
		b := store.NewBatcher(s, store.BatchOptions{MaxItems: 16, MaxDelay: 5 * time.Millisecond})
		const n = 200
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				o := outcome(fmt.Sprintf("w%03d", i))
				assert.NoError(t, b.PutOutcome(ctx, o.Stages, o.Result))
			})
		}
		// A verdict is not held back by the batches: it commits on its own.
		_, err := s.SaveVerdict(ctx, audit.Verdict{ItemID: "w000", DisagreementKey: "k", Decision: audit.Unsure, Annotator: "r"})
		require.NoError(t, err)
		wg.Wait()
		require.NoError(t, b.Close())
		all, err := s.Results(ctx)
		require.NoError(t, err)
		assert.Len(t, all, n)
	})
}

// A failed commit is never reported as stored: with the file gone
// read-only, every outcome of the batch gets the error.
func TestBatcherCommitFailure(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	ro, err := store.Open(ctx, s.Path(), store.ReadOnly())
	require.NoError(t, err)
	defer ro.Close()
	b := store.NewBatcher(ro, store.BatchOptions{})
	defer b.Close()
	for _, id := range []string{"a", "b"} {
		o := outcome(id)
		err := b.PutOutcome(ctx, o.Stages, o.Result)
		require.ErrorIs(t, err, store.ErrReadOnlyStore, id)
	}
}

const batchEnvDB = "CXR_STORE_BATCH_DB"

// TestHelperBatcher is not a test: it is the child of
// TestBatcherDurableAfterKill9. It puts outcomes through a Batcher from
// several goroutines and prints "stored ID" only when done reported nil,
// until it is killed.
func TestHelperBatcher(t *testing.T) {
	path := os.Getenv(batchEnvDB)
	if path == "" {
		t.Skip("child process of TestBatcherDurableAfterKill9; runs only when re-executed by it")
	}
	ctx := context.Background()
	s, err := store.Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	b := store.NewBatcher(s, store.BatchOptions{MaxItems: 8, MaxDelay: 20 * time.Millisecond})
	var out sync.Mutex
	for w := range 4 {
		go func() {
			for i := 0; ; i++ {
				id := fmt.Sprintf("w%d-%d", w, i)
				o := outcome(id)
				if err := b.PutOutcome(ctx, o.Stages, o.Result); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(3)
				}
				out.Lock()
				fmt.Fprintf(os.Stdout, "stored %s\n", id)
				out.Unlock()
			}
		}()
	}
	time.Sleep(time.Hour)
}

// TestBatcherDurableAfterKill9: every outcome the Batcher reported stored
// survives kill -9 of the process.
func TestBatcherDurableAfterKill9(t *testing.T) {
	skipDurability(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "wl.cxr.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperBatcher$", "-test.count=1")
	cmd.Env = append(os.Environ(), batchEnvDB+"="+path)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	lines := bufio.NewScanner(stdout)
	var acked []string
	for len(acked) < 100 && lines.Scan() {
		acked = append(acked, strings.TrimPrefix(lines.Text(), "stored "))
	}
	kill9(t, cmd)
	for lines.Scan() {
		acked = append(acked, strings.TrimPrefix(lines.Text(), "stored "))
	}
	require.GreaterOrEqual(t, len(acked), 100)

	s, err := store.Open(ctx, path)
	require.NoError(t, err)
	defer s.Close()
	for _, id := range acked {
		_, ok, err := s.GetResult(ctx, id)
		require.NoError(t, err)
		require.True(t, ok, "outcome %s was reported stored", id)
	}
	require.Equal(t, "ok", store.ReaderPragma(t, s, "integrity_check"))
}
