package store_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// TestDeterministicFailureIsServed: a failure that calling again would
// repeat (audit.StageRecord.Deterministic) is a cache hit, so a resumed run
// does not repeat it; a later success still supersedes it, and a transient
// failure never is a hit.
func TestDeterministicFailureIsServed(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		s := be.open(t, store.WithClock(fakeClock()))

		cut := sampleStage("k1", audit.StageGrounding)
		cut.Error, cut.Deterministic, cut.ModelInput = "cut at num_predict=1 (done_reason length): raise --num-predict", true, "squash"
		require.NoError(t, s.PutStage(ctx, cut))
		got, ok, err := s.GetStage(ctx, "k1")
		require.NoError(t, err)
		require.True(t, ok, "a deterministic failure is served")
		assert.Equal(t, cut, got, "deterministic and model_input round-trip")

		good := sampleStage("k1", audit.StageGrounding)
		require.NoError(t, s.PutStage(ctx, good))
		got, ok, err = s.GetStage(ctx, "k1")
		require.NoError(t, err)
		require.True(t, ok)
		assert.Empty(t, got.Error, "a later success supersedes it")

		transient := sampleStage("k2", audit.StageDraft)
		transient.Error = "ollama host unreachable"
		require.NoError(t, s.PutStage(ctx, transient))
		_, ok, err = s.GetStage(ctx, "k2")
		require.NoError(t, err)
		assert.False(t, ok, "a transient failure is called again")
	})
}

func TestLastModelProfile(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		s := be.open(t)
		_, _, ok, err := s.LastModelProfile(ctx, "medgemma:4b")
		require.NoError(t, err)
		assert.False(t, ok)

		for i, d := range []string{"sha-old", "sha-new"} {
			r := sampleStage("k"+d, audit.StageGrounding)
			r.ModelDigest = d
			r.CreatedAt = r.CreatedAt.AddDate(0, 0, i)
			require.NoError(t, s.PutStage(ctx, r))
		}
		failed := sampleStage("kf", audit.StageGrounding)
		failed.ModelDigest, failed.Error = "sha-failed", "timeout"
		require.NoError(t, s.PutStage(ctx, failed))
		other := sampleStage("ko", audit.StageDraft)
		other.Model, other.ModelDigest = "other", "sha-other"
		require.NoError(t, s.PutStage(ctx, other))

		d, opts, ok, err := s.LastModelProfile(ctx, "medgemma:4b")
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, "sha-new", d, "the latest successful record's digest, failures and other models aside")
		assert.Equal(t, sampleStage("", audit.StageGrounding).Options, opts)
	})
}

// TestMigrateFromV2KeepsStageRecords: records stored before version 3 read
// back as not deterministic, without a model input.
func TestMigrateFromV2KeepsStageRecords(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v2.cxr.db")
	store.CreateAtVersion(t, path, 2)
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	_, err = db.Exec(`INSERT INTO stage_records (key, stage, item_id, model, model_digest, raw, done, error, created_at)
		VALUES ('k', 'grounding', 'a1', 'm', 'sha', '[]', 1, '', '2025-12-01T10:00:00.000000000Z'),
		       ('kf', 'grounding', 'a1', 'm', 'sha', '[', 1, 'no usable output', '2025-12-01T10:00:00.000000000Z')`)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	s, err := store.Open(ctx, path)
	require.NoError(t, err)
	defer s.Close()
	got, ok, err := s.GetStage(ctx, "k")
	require.NoError(t, err)
	require.True(t, ok)
	assert.False(t, got.Deterministic)
	assert.Empty(t, got.ModelInput)
	_, ok, err = s.GetStage(ctx, "kf")
	require.NoError(t, err)
	assert.False(t, ok, "an old failure was not known to be deterministic: it is called again")
}
