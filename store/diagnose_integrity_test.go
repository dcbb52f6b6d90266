package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// filledStore makes a closed SQLite store with enough rows for many pages.
func filledStore(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cases.cxr.db")
	s, err := store.Open(ctx, path)
	require.NoError(t, err)
	items := make([]audit.ItemRecord, 2000)
	for i := range items {
		items[i] = audit.ItemRecord{ID: fmt.Sprintf("item-%04d", i), Image: fmt.Sprintf("/data/%04d.png", i), Draft: "No pneumothorax. Heart size normal.", Seq: i}
	}
	require.NoError(t, s.PutItems(ctx, items))
	require.NoError(t, s.Close())
	return path
}

// A healthy store passes doctor's integrity check; doctor does not count
// its own lock as "open in a session"; and it leaves no -wal or -shm
// behind (it did all three wrong).
func TestDiagnoseHealthyStoreLeavesNothing(t *testing.T) {
	path := filledStore(t)
	before, err := filepath.Glob(path + "*")
	require.NoError(t, err)
	cs := checksByName(store.Diagnose(context.Background(), path))
	assert.Equal(t, store.CheckOK, cs["integrity"].Status, "%+v", cs)
	assert.NotContains(t, cs["permissions"].Message, "open in a cxr-auditor session", "its own lock is not a session")
	after, err := filepath.Glob(path + "*")
	require.NoError(t, err)
	assert.Equal(t, before, after, "no file left behind")

	// Open elsewhere: then it is said.
	s, err := store.Open(context.Background(), path)
	require.NoError(t, err)
	defer s.Close()
	cs = checksByName(store.Diagnose(context.Background(), path))
	assert.Contains(t, cs["permissions"].Message, "open in a cxr-auditor session")
	assert.Equal(t, store.CheckOK, cs["integrity"].Status, "%+v", cs)
}

// A store with damaged pages fails doctor (it said "All checks passed"
// while run and export failed).
func TestDiagnoseDamagedPages(t *testing.T) {
	path := filledStore(t)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	require.NoError(t, err)
	fi, err := f.Stat()
	require.NoError(t, err)
	garbage := make([]byte, 4096)
	for i := range garbage {
		garbage[i] = byte(i*7 + 3)
	}
	// The last pages (the items' rows and index): the store still
	// opens, as it did for the reporter, but its pages do not read back.
	for off := fi.Size() - 3*4096; off < fi.Size(); off += 4096 {
		_, err = f.WriteAt(garbage, off)
		require.NoError(t, err)
	}
	require.NoError(t, f.Close())
	cs := checksByName(store.Diagnose(context.Background(), path))
	assert.Equal(t, store.CheckFail, cs["integrity"].Status, "%+v", cs)
	assert.Contains(t, cs["integrity"].Fix, ".recover")
}
