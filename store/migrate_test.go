package store_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/cxr-auditor/cxr-auditor/store"
)

func TestWriterIsDurable(t *testing.T) {
	s := openTemp(t)
	assert.Equal(t, "2", store.WriterPragma(t, s, "synchronous"), "synchronous=FULL")
	assert.Equal(t, "wal", store.WriterPragma(t, s, "journal_mode"))
	assert.Equal(t, "1", store.WriterPragma(t, s, "foreign_keys"))
	assert.Equal(t, "10000", store.WriterPragma(t, s, "busy_timeout"))
}

func TestMigrateFromV1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.cxr.db")
	store.CreateAtVersion(t, path, 1)

	// Data written by a version-1 cxr-auditor.
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	var v int
	require.NoError(t, db.QueryRow("PRAGMA user_version").Scan(&v))
	require.Equal(t, 1, v)
	_, err = db.Exec(`INSERT INTO verdicts (item_id, disagreement_key, label, kind, decision, annotator, at)
		VALUES ('a1', 'pneumothorax/missed_in_draft', 'pneumothorax', 'missed_in_draft', 'image_right', 'rad1', '2025-12-01T10:00:00.000000000Z')`)
	require.NoError(t, err)
	_, err = db.Exec(`INSERT INTO items (id, image, draft, seq) VALUES ('a1', 'img/a1.png', 'Clear.', 0)`)
	require.NoError(t, err)
	var indexes int
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = 'verdicts_current'`).Scan(&indexes))
	require.Zero(t, indexes, "version 1 has no indexes yet")
	require.NoError(t, db.Close())

	// A read-only open refuses to migrate.
	_, err = store.Open(ctx, path, store.ReadOnly())
	require.ErrorIs(t, err, store.ErrOlderSchema)
	assert.Contains(t, err.Error(), "version 1")

	s, err := store.Open(ctx, path)
	require.NoError(t, err)
	vs, err := s.Verdicts(ctx, "a1", "")
	require.NoError(t, err)
	require.Len(t, vs, 1)
	assert.Equal(t, audit.ImageRight, vs[0].Decision)
	items, err := s.Items(ctx)
	require.NoError(t, err)
	assert.Equal(t, []audit.ItemRecord{{ID: "a1", Image: "img/a1.png", Draft: "Clear."}}, items)
	require.NoError(t, s.Close())

	db, err = sql.Open("sqlite", path)
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, db.QueryRow("PRAGMA user_version").Scan(&v))
	assert.Equal(t, store.SchemaVersion(), v)
	require.NoError(t, db.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = 'verdicts_current'`).Scan(&indexes))
	assert.Equal(t, 1, indexes)
}

func TestRefuseNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "new.cxr.db")
	s, err := store.Open(ctx, path)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	_, err = db.Exec("PRAGMA user_version = 99")
	require.NoError(t, err)
	require.NoError(t, db.Close())
	before := fileSum(t, path)

	for _, opts := range [][]store.Option{nil, {store.ReadOnly()}} {
		_, err = store.Open(ctx, path, opts...)
		require.ErrorIs(t, err, store.ErrNewerSchema)
		assert.Contains(t, err.Error(), path)
		assert.Contains(t, err.Error(), "schema version 99")
		assert.Contains(t, err.Error(), "use a newer cxr-auditor")
	}
	assert.Equal(t, before, fileSum(t, path), "the newer file is left untouched")
}

func TestForeignSQLiteUntouched(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.db")
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	_, err = db.Exec("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)")
	require.NoError(t, err)
	require.NoError(t, db.Close())
	before := fileSum(t, path)
	_, err = store.Open(context.Background(), path)
	require.ErrorIs(t, err, store.ErrNotStore)
	assert.Equal(t, before, fileSum(t, path))
}

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return sha256.Sum256(b)
}

// A stage record written by a version-6 store (before the retry ladder)
// is still served after the migration, with no attempts, system message
// or ladder.
func TestStageRecordFromV6Loads(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v6.cxr.db")
	store.CreateAtVersion(t, path, 6)
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	_, err = db.Exec(`INSERT INTO stage_records (key, stage, item_id, image_hash, draft_hash, model, model_digest, prompt_digest, options, host,
		raw, thinking, done_reason, done, findings, labels, diagnostics, error,
		prompt_eval_count, eval_count, total_ns, load_ns, eval_ns, wall_ns, created_at, deterministic, model_input)
		VALUES ('k6', 'grounding', 'a1', 'img', '', 'm', 'sha256:d', 'p', '{}', 'h',
		'[{"label":"pneumothorax"}]', '', 'stop', 1, '[{"label":"pneumothorax"}]', 'null', '{"salvaged":false}', '',
		1, 2, 3, 4, 5, 6, '2025-12-01T10:00:00.000000000Z', 0, 'squash')`)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	s, err := store.Open(ctx, path)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	rec, ok, err := s.GetStage(ctx, "k6")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, []schema.Finding{{Label: schema.Pneumothorax}}, rec.Findings)
	assert.Nil(t, rec.Attempts)
	assert.Empty(t, rec.SystemDigest)
	assert.Empty(t, rec.Ladder)
}
