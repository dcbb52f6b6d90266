package main

import (
	"path/filepath"
	"testing"

	"github.com/cxr-auditor/cxr-auditor/internal/pgtest"
)

// storeBackend is one of the store's back ends, as the command tests see
// it: where a fresh, empty store may be opened.
type storeBackend struct {
	name     string
	location func(t testing.TB) string
}

// storeBackends: SQLite always; PostgreSQL when CXR_TEST_POSTGRES names a
// server (otherwise its cases skip, saying how to run them).
var storeBackends = []storeBackend{
	{"sqlite", func(t testing.TB) string { return filepath.Join(t.TempDir(), "wl.cxr.db") }},
	{"postgres", pgtest.URL},
}

// forEachStore runs fn as a subtest per back end.
func forEachStore(t *testing.T, fn func(t *testing.T, loc string)) {
	t.Helper()
	for _, be := range storeBackends {
		t.Run(be.name, func(t *testing.T) { fn(t, be.location(t)) })
	}
}
