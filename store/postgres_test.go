package store_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/store"
)

func TestIsPostgresAndRedact(t *testing.T) {
	for _, tt := range []struct {
		in     string
		pg     bool
		redact string
	}{
		{"postgres://ann:s3cret@db.example:5432/cxr?sslmode=require", true, "postgres://ann:xxxxx@db.example:5432/cxr?sslmode=require"},
		{"postgresql://ann@db.example/cxr?password=s3cret", true, "postgresql://ann@db.example/cxr?password=xxxxx"},
		{"POSTGRES://h/db", true, "postgres://h/db"},
		{"/data/wl.cxr.db", false, "/data/wl.cxr.db"},
		{"postgres.cxr.db", false, "postgres.cxr.db"},
	} {
		assert.Equal(t, tt.pg, store.IsPostgres(tt.in), tt.in)
		assert.Equal(t, tt.redact, store.RedactURL(tt.in), tt.in)
	}
}

// Credentials are never printed: not in Path, not in any error.
func TestPostgresNeverShowsThePassword(t *testing.T) {
	ctx := context.Background()
	loc := postgresLocation(t)
	secret := "Tr0ub4dor-s3cret"
	withPW := strings.Replace(loc, "cxr@", "cxr:"+secret+"@", 1)
	require.NotEqual(t, loc, withPW, "test URL shape")

	// The test server trusts local users: the password is not needed, and
	// must not show.
	s, err := store.Open(ctx, withPW)
	require.NoError(t, err)
	assert.NotContains(t, s.Path(), secret)
	assert.Contains(t, s.Path(), "xxxxx")
	require.NoError(t, s.Close())

	for _, bad := range []string{
		strings.Replace(withPW, "/postgres?", "/no_such_db?", 1),             // server error
		"postgres://cxr:" + secret + "@127.0.0.1:1/postgres?sslmode=disable", // connect error
		"postgres://cxr:" + secret + "@[::1:5432/db",                         // unparsable
		strings.Replace(withPW, "sslmode=disable", "sslmode=bogus", 1),       // bad parameter
	} {
		_, err := store.Open(ctx, bad)
		require.Error(t, err, bad)
		assert.NotContains(t, err.Error(), secret, "error shows the password: %v", err)
	}
	_, err = store.Open(ctx, strings.Replace(withPW, "/postgres?", "/no_such_db?", 1))
	assert.Contains(t, err.Error(), "database does not exist")
}

// sslmode is honoured: the test server has no TLS, so require fails and
// disable works.
func TestPostgresSSLModeHonoured(t *testing.T) {
	ctx := context.Background()
	loc := postgresLocation(t)
	if !strings.Contains(loc, "sslmode=disable") || strings.Contains(loc, "host=/") {
		t.Skip("needs the test server on a TCP port with sslmode=disable in its URL (as .ci/postgres.sh gives)")
	}
	s, err := store.Open(ctx, loc)
	require.NoError(t, err, "sslmode=disable")
	require.NoError(t, s.Close())
	_, err = store.Open(ctx, strings.Replace(loc, "sslmode=disable", "sslmode=require", 1))
	require.Error(t, err, "sslmode=require against a server without TLS must fail")
	assert.Contains(t, strings.ToLower(err.Error()), "tls")
}

// TestPostgresFromV1 upgrades a version-1 PostgreSQL store: its verdicts
// are kept and the schema reaches the current version.
func TestPostgresFromV1(t *testing.T) {
	ctx := context.Background()
	be := backends[1]
	loc := postgresLocation(t)
	store.CreateAtVersion(t, loc, 1)
	db := be.raw(t, loc)
	_, err := db.Exec(`INSERT INTO verdicts (item_id, disagreement_key, label, kind, decision, annotator, at)
		VALUES ('a1', 'pneumothorax/missed_in_draft', 'pneumothorax', 'missed_in_draft', 'image_right', 'rad1', '2025-12-01T10:00:00.000000000Z')`)
	require.NoError(t, err)
	_, err = store.Open(ctx, loc, store.ReadOnly())
	require.ErrorIs(t, err, store.ErrOlderSchema)

	s, err := store.Open(ctx, loc)
	require.NoError(t, err)
	defer s.Close()
	vs, err := s.Verdicts(ctx, "a1", "")
	require.NoError(t, err)
	require.Len(t, vs, 1)
	var v int
	require.NoError(t, db.QueryRow("SELECT version FROM cxr_schema").Scan(&v))
	assert.Equal(t, store.SchemaVersion(), v)

	// A schema holding another program's tables is refused, untouched.
	other := postgresLocation(t)
	odb := be.raw(t, other)
	_, err = odb.Exec("CREATE TABLE patients (id int)")
	require.NoError(t, err)
	_, err = store.Open(ctx, other)
	require.ErrorIs(t, err, store.ErrNotStore)
}

func TestInsecureWarningSQLite(t *testing.T) {
	s := openTemp(t)
	assert.False(t, s.Insecure())
	assert.Empty(t, s.InsecureWarning())
}

// FuzzRedactURL: a password in a postgres:// URL never survives RedactURL,
// whatever the user, password and host.
func FuzzRedactURL(f *testing.F) {
	f.Add("ann", "s3cret", "db.example:5432")
	f.Add("a:b", "p@ss/word?x=1", "[::1]")
	f.Add("", "pw%41", "h")
	f.Fuzz(func(t *testing.T, user, pw, host string) {
		if len(pw) < 4 || strings.ContainsAny(host, "/?#@") {
			t.Skip()
		}
		u := &url.URL{Scheme: "postgres", User: url.UserPassword(user, pw), Host: host, Path: "/db", RawQuery: "sslmode=require"}
		in := u.String()
		out := store.RedactURL(in)
		// The password may equal the user name or a part of the host:
		// only the password's own place counts, so compare the
		// parsed output's user info, and look for the password in the
		// rest of it.
		rest := out // an unparsable URL is replaced whole
		if ou, err := url.Parse(out); err == nil && ou.User != nil {
			if got, ok := ou.User.Password(); ok && got != "xxxxx" {
				t.Fatalf("RedactURL(%q) = %q shows the password", in, out)
			}
			if ou.User.Username() != user {
				t.Fatalf("RedactURL(%q) = %q lost the user name %q", in, out, user)
			}
			rest = strings.Replace(out, ou.User.String()+"@", "", 1)
		}
		// Outside its place the password may still appear where the
		// input has the same text (a port "0000"): more often than there
		// is a leak.
		noUser := *u
		noUser.User = nil
		inRest := noUser.String()
		for _, shown := range []string{pw, url.QueryEscape(pw), url.PathEscape(pw), u.User.String()} {
			if len(shown) >= 4 && strings.Count(rest, shown) > strings.Count(inRest, shown) {
				t.Fatalf("RedactURL(%q) = %q shows the password", in, out)
			}
		}
		q := "postgres://h/db?password=" + url.QueryEscape(pw)
		if out := store.RedactURL(q); strings.Contains(out, url.QueryEscape(pw)) && pw != "xxxxx" {
			t.Fatalf("RedactURL(%q) = %q shows the password", q, out)
		}
	})
}
