package store_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/store"
)

// checksByName indexes Diagnose's checks.
func checksByName(cs []store.Check) map[string]store.Check {
	m := map[string]store.Check{}
	for _, c := range cs {
		m[c.Name] = c
	}
	return m
}

func TestDiagnose(t *testing.T) {
	ctx := context.Background()
	forEachBackend(t, func(t *testing.T, be backend) {
		loc := be.location(t)
		// Nothing there yet: fine, it will be created.
		cs := checksByName(store.Diagnose(ctx, loc))
		require.Equal(t, store.CheckOK, cs["connection"].Status, "%+v", cs)

		// An older store: a warning with the command that upgrades it.
		store.CreateAtVersion(t, loc, 1)
		cs = checksByName(store.Diagnose(ctx, loc))
		assert.Equal(t, store.CheckOK, cs["connection"].Status, "%+v", cs)
		assert.Equal(t, store.CheckWarn, cs["schema"].Status, "%+v", cs)
		assert.Contains(t, cs["schema"].Message, "schema version 1")
		assert.Contains(t, cs["schema"].Fix, "cxr-auditor run")

		s, err := store.Open(ctx, loc)
		require.NoError(t, err)
		require.NoError(t, s.Close())
		cs = checksByName(store.Diagnose(ctx, loc))
		assert.Equal(t, store.CheckOK, cs["schema"].Status, "%+v", cs)
		assert.Equal(t, store.CheckOK, cs["permissions"].Status, "%+v", cs)
		if be.name == "postgres" {
			assert.Equal(t, store.CheckOK, cs["transport"].Status, "a local server: %+v", cs)
		}
	})
}

func TestDiagnoseFileProblems(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()

	fifo := filepath.Join(dir, "pipe.cxr.db")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	cs := store.Diagnose(ctx, fifo) // must not block
	require.Len(t, cs, 1)
	assert.Equal(t, store.CheckFail, cs[0].Status)
	assert.Contains(t, cs[0].Message, "not a regular file")

	csv := filepath.Join(dir, "wl.csv")
	require.NoError(t, os.WriteFile(csv, []byte("id,image\n"), 0o600))
	cs = store.Diagnose(ctx, csv)
	assert.Equal(t, store.CheckFail, cs[0].Status)
	assert.Contains(t, cs[0].Fix, "not a cxr-auditor store")

	cs = store.Diagnose(ctx, filepath.Join(dir, "missing", "x.cxr.db"))
	assert.Equal(t, store.CheckFail, cs[0].Status)
	assert.True(t, strings.HasPrefix(cs[0].Fix, "create the folder"), cs[0].Fix)
	assert.Equal(t, []string{"mkdir", "-p", filepath.Join(dir, "missing")}, cs[0].Command)
}

// A PostgreSQL user without write privileges is told the GRANT that fixes
// it, and the password never shows.
func TestDiagnosePostgresPermissions(t *testing.T) {
	ctx := context.Background()
	loc := postgresLocation(t)
	s, err := store.Open(ctx, loc)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	admin, err := postgresAdmin()
	require.NoError(t, err)
	_, _ = admin.Exec("DROP ROLE IF EXISTS cxr_reader")
	_, err = admin.Exec("CREATE ROLE cxr_reader LOGIN PASSWORD 'reader-pw-123'")
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = admin.Exec("DROP OWNED BY cxr_reader; DROP ROLE cxr_reader") })
	schema := loc[strings.LastIndex(loc, "search_path=")+len("search_path="):]
	_, err = admin.Exec("GRANT USAGE ON SCHEMA " + schema + " TO cxr_reader; GRANT SELECT ON ALL TABLES IN SCHEMA " + schema + " TO cxr_reader")
	require.NoError(t, err)
	reader := strings.Replace(loc, "cxr@", "cxr_reader:reader-pw-123@", 1)
	cs := checksByName(store.Diagnose(ctx, reader))
	require.Equal(t, store.CheckFail, cs["permissions"].Status, "%+v", cs)
	assert.Contains(t, cs["permissions"].Fix, "GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA "+schema+" TO cxr_reader")
	for _, c := range cs {
		assert.NotContains(t, c.Message+c.Fix, "reader-pw-123")
	}
}
