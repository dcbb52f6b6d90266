package store_test

// Benchmarks over synthetic data.

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// BenchmarkSaveVerdict measures one durable verdict (a transaction with the
// verdict and its event, fsynced: synchronous=FULL).
func BenchmarkSaveVerdict(b *testing.B) {
	ctx := context.Background()
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			s := be.open(b)
			i := 0
			for b.Loop() {
				_, err := s.SaveVerdict(ctx, audit.Verdict{ItemID: fmt.Sprintf("item-%d", i%1000), DisagreementKey: "pneumothorax/missed_in_draft",
					Decision: audit.ImageRight, Annotator: "rad1"})
				require.NoError(b, err)
				i++
			}
		})
	}
}

// BenchmarkGetStageHit measures a cache probe that hits (the scheduler's
// fast path when reopening a reviewed worklist).
func BenchmarkGetStageHit(b *testing.B) {
	ctx := context.Background()
	s := openTemp(b)
	const n = 1000
	for i := range n {
		require.NoError(b, s.PutStage(ctx, sampleStage(fmt.Sprintf("key-%d", i), audit.StageGrounding)))
	}
	i := 0
	for b.Loop() {
		_, ok, err := s.GetStage(ctx, fmt.Sprintf("key-%d", i%n))
		if err != nil || !ok {
			b.Fatalf("miss %d: %v", i, err)
		}
		i++
	}
}

// BenchmarkPutStage measures storing one model call (durable).
func BenchmarkPutStage(b *testing.B) {
	ctx := context.Background()
	s := openTemp(b)
	i := 0
	for b.Loop() {
		require.NoError(b, s.PutStage(ctx, sampleStage(fmt.Sprintf("key-%d", i), audit.StageGrounding)))
		i++
	}
}

// BenchmarkResults100k measures loading every result of a 100k-item worklist
// (what the TUI does when it opens).
func BenchmarkResults100k(b *testing.B) {
	ctx := context.Background()
	s := openTemp(b)
	const n = 100_000
	fillResults(b, s, n)
	b.ResetTimer()
	for b.Loop() {
		all, err := s.Results(ctx)
		require.NoError(b, err)
		if len(all) != n {
			b.Fatalf("got %d results, want %d", len(all), n)
		}
	}
}

func fillResults(tb testing.TB, s *store.Store, n int) {
	store.FillResults(tb, s, n, sampleReport())
}
