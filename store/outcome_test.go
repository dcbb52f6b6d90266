package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/store"
)

func TestPutOutcomeRoundTrip(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		s := be.open(t, store.WithClock(fakeClock()))
		g, d := sampleStage("g1", audit.StageGrounding), sampleStage("d1", audit.StageDraft)
		r := audit.ResultRecord{ItemID: "a1", GroundingKey: "g1", DraftKey: "d1", Report: sampleReport(),
			UpdatedAt: time.Date(2026, 5, 6, 7, 8, 9, 10, time.UTC)}
		require.NoError(t, s.PutOutcome(ctx, []audit.StageRecord{g, d}, r))

		for _, want := range []audit.StageRecord{g, d} {
			got, ok, err := s.GetStage(ctx, want.Key)
			require.NoError(t, err)
			require.True(t, ok, want.Key)
			assert.Equal(t, want, got)
		}
		got, ok, err := s.GetResult(ctx, "a1")
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, r, got)

		// No stages: only the result is replaced.
		r.Error, r.Report = "draft: boom", nil
		require.NoError(t, s.PutOutcome(ctx, nil, r))
		got, _, err = s.GetResult(ctx, "a1")
		require.NoError(t, err)
		assert.Equal(t, r, got)
	})
}

// TestPutOutcomeAtomic: one bad record rolls back the whole batch.
func TestPutOutcomeAtomic(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		good := sampleStage("g1", audit.StageGrounding)
		bad := sampleStage("", audit.StageDraft) // no Key
		okResult := audit.ResultRecord{ItemID: "a1", GroundingKey: "g1"}
		tests := []struct {
			name   string
			stages []audit.StageRecord
			result audit.ResultRecord
		}{
			{"bad stage after a good one", []audit.StageRecord{good, bad}, okResult},
			{"bad result after good stages", []audit.StageRecord{good}, audit.ResultRecord{}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx := context.Background()
				s := be.open(t)
				err := s.PutOutcome(ctx, tt.stages, tt.result)
				require.ErrorIs(t, err, store.ErrInvalid)
				assert.Contains(t, err.Error(), "put outcome item")
				_, ok, err := s.GetStage(ctx, "g1")
				require.NoError(t, err)
				assert.False(t, ok, "the good stage record was rolled back")
				all, err := s.Results(ctx)
				require.NoError(t, err)
				assert.Empty(t, all)
			})
		}
	})
}
