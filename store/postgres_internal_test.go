package store

import (
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A non-local host without TLS is insecure, as a plain-http model host is.
func TestPostgresInsecure(t *testing.T) {
	for _, tt := range []struct {
		url      string
		insecure bool
	}{
		{"postgres://ann@db.example/cxr", true}, // sslmode=prefer (default) may fall back
		{"postgres://ann@db.example/cxr?sslmode=disable", true},
		{"postgres://ann@db.example/cxr?sslmode=allow", true},
		{"postgres://ann@db.example/cxr?sslmode=prefer", true},
		{"postgres://ann@db.example/cxr?sslmode=require", false},
		{"postgres://ann@db.example/cxr?sslmode=verify-full", false},
		{"postgres://ann@127.0.0.1/cxr?sslmode=disable", false},
		{"postgres://ann@localhost/cxr?sslmode=disable", false},
		{"postgres://ann@[::1]/cxr?sslmode=disable", false},
		{"postgres://ann@/cxr?host=/run/postgresql&sslmode=disable", false},
		{"postgres://ann@localhost,db.example/cxr?sslmode=disable", true}, // a fallback host
	} {
		cfg, err := pgconn.ParseConfig(tt.url)
		require.NoError(t, err, tt.url)
		assert.Equal(t, tt.insecure, pgInsecure(*cfg), tt.url)
	}
	s := &Store{path: "postgres://ann@db.example/cxr", insecure: true}
	assert.Contains(t, s.InsecureWarning(), "WITHOUT TLS")
	assert.Contains(t, s.InsecureWarning(), "sslmode=verify-full")
}
