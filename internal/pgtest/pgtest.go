// Package pgtest gives tests outside package store a throwaway PostgreSQL
// store location, the way the store's own suite gets one: a schema of its
// own on the server named by CXR_TEST_POSTGRES, dropped when the test
// ends. Without that variable the test is skipped with a message naming
// how to run it. Use it only from tests.
package pgtest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for the admin connection
)

// Env names the test server's URL, as .ci/postgres.sh prints it (for
// example postgres://cxr@127.0.0.1:5432/postgres?sslmode=disable).
const Env = "CXR_TEST_POSTGRES"

// SkipMessage says how to run a skipped PostgreSQL test.
const SkipMessage = "PostgreSQL test skipped: set " + Env + " to a server's URL to run it; " +
	`a throwaway local server: eval "$(.ci/postgres.sh start /tmp/cxr-pg)" (needs Debian's postgresql), as .ci/run does`

var admin = sync.OnceValues(func() (*sql.DB, error) {
	return sql.Open("pgx", os.Getenv(Env))
})

// Available reports whether a test server is configured.
func Available() bool { return os.Getenv(Env) != "" }

// URL makes an empty schema on the test server and returns the server's
// URL with search_path set to it; the schema is dropped (with everything
// in it) when t ends. It skips t, with SkipMessage, when Env is unset, and
// fails t when the server cannot make the schema.
func URL(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(Env)
	if dsn == "" {
		t.Skip(SkipMessage)
	}
	db, err := admin()
	if err != nil {
		t.Fatalf("%s: %v", Env, err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("%s: create a schema on the test server: %v", Env, err)
	}
	t.Cleanup(func() { _, _ = db.Exec("DROP SCHEMA " + schema + " CASCADE") })
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema
}
