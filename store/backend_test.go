package store_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for raw access
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/store"
)

// The store test suite runs against both back ends, table-driven over
// them: SQLite always, PostgreSQL when CXR_TEST_POSTGRES names a server
// (a URL such as postgres://cxr@/postgres?host=/tmp/cxr-pg). Each
// PostgreSQL case gets a schema of its own, dropped afterwards.
const postgresEnv = "CXR_TEST_POSTGRES"

// postgresSkip says how to run the PostgreSQL cases.
const postgresSkip = "PostgreSQL case skipped: set " + postgresEnv + " to a server's URL to run it; " +
	`a throwaway local server: eval "$(.ci/postgres.sh start /tmp/cxr-pg)" (needs Debian's postgresql), as .ci/run does`

// backend is one of the store's back ends, as the tests see it.
type backend struct {
	name string
	// location returns where a fresh, empty store may be opened.
	location func(t testing.TB) string
	// raw opens the database at location directly, as another program
	// would (not through the store).
	raw func(t testing.TB, location string) *sql.DB
}

var backends = []backend{
	{
		name: "sqlite",
		location: func(t testing.TB) string {
			return filepath.Join(t.TempDir(), "wl.cxr.db")
		},
		raw: func(t testing.TB, location string) *sql.DB {
			db, err := openRaw(location)
			require.NoError(t, err)
			t.Cleanup(func() { db.Close() })
			return db
		},
	},
	{
		name:     "postgres",
		location: postgresLocation,
		raw: func(t testing.TB, location string) *sql.DB {
			db, err := sql.Open("pgx", location)
			require.NoError(t, err)
			t.Cleanup(func() { db.Close() })
			return db
		},
	},
}

// forEachBackend runs fn as a subtest per back end.
func forEachBackend(t *testing.T, fn func(t *testing.T, be backend)) {
	t.Helper()
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) { fn(t, be) })
	}
}

// open opens a fresh store of this back end, closed when the test ends.
func (be backend) open(t testing.TB, opts ...store.Option) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), be.location(t), opts...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

var postgresAdmin = sync.OnceValues(func() (*sql.DB, error) {
	return sql.Open("pgx", os.Getenv(postgresEnv))
})

// postgresLocation makes an empty schema on the test server and returns
// the server's URL with search_path set to it. It skips the test when no
// server is configured.
func postgresLocation(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(postgresEnv)
	if dsn == "" {
		t.Skip(postgresSkip)
	}
	admin, err := postgresAdmin()
	require.NoError(t, err)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	_, err = admin.Exec("CREATE SCHEMA " + schema)
	require.NoError(t, err, "%s: create a schema on the test server", postgresEnv)
	t.Cleanup(func() { _, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE") })
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema
}
