package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to make a schema
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/session"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// invokeMainEnv is invokeMain with environment variables.
func invokeMainEnv(t *testing.T, vars map[string]string, args ...string) cliResult {
	t.Helper()
	var out, errOut bytes.Buffer
	e := env{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, getenv: func(k string) string { return vars[k] }}
	code := realMain(context.Background(), e, args)
	return cliResult{stdout: out.String(), stderr: errOut.String(), code: code}
}

// TestExportAndDoctorOnPostgres: --db postgres://… and CXR_AUDITOR_DB reach
// a PostgreSQL store; the password never shows. Runs when
// CXR_TEST_POSTGRES names a server (see .ci/postgres.sh).
func TestExportAndDoctorOnPostgres(t *testing.T) {
	dsn := os.Getenv("CXR_TEST_POSTGRES")
	if dsn == "" {
		t.Skip(`PostgreSQL case skipped: set CXR_TEST_POSTGRES (eval "$(.ci/postgres.sh start /tmp/cxr-pg)")`)
	}
	admin, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	defer admin.Close()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "cmd_" + hex.EncodeToString(b)
	_, err = admin.Exec("CREATE SCHEMA " + schema)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE") })
	loc := dsn + "&search_path=" + schema
	secret := "pw-" + hex.EncodeToString(b)
	loc = strings.Replace(loc, "cxr@", "cxr:"+secret+"@", 1)

	s, err := store.Open(context.Background(), loc)
	require.NoError(t, err)
	require.NoError(t, s.PutItems(context.Background(), []audit.ItemRecord{{ID: "pg-a1", Image: "a1.png"}, {ID: "pg-a2", Image: "a2.png", Seq: 1}}))
	require.NoError(t, s.Close())

	r := invokeMainEnv(t, nil, "export", "--db", loc, "--format", "csv")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "pg-a1,a1.png,pending")

	wl := filepath.Join(t.TempDir(), "wl.csv")
	require.NoError(t, os.WriteFile(wl, []byte("id,image,draft\npg-a1,a1.png,Clear.\n"), 0o600))
	r = invokeMainEnv(t, map[string]string{session.EnvDB: loc}, "export", wl, "--format", "jsonl")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, `"id":"pg-a1"`, "CXR_AUDITOR_DB wins over the file beside the worklist")
	assert.NotContains(t, r.stdout, `"id":"pg-a2"`, "as with --db, the worklist is the subset")

	r = invokeMainEnv(t, map[string]string{session.EnvDB: loc}, "doctor", "--ollama", "http://127.0.0.1:1")
	assert.Contains(t, r.stdout, "✓ store postgres://cxr:xxxxx@")
	assert.Contains(t, r.stdout, "store schema: schema version")
	for _, out := range []string{r.stdout, r.stderr} {
		assert.NotContains(t, out, secret)
	}
}
