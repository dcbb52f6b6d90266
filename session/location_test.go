package session

import (
	"cmp"
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/store"
)

func TestStoreLocation(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == EnvDB {
				return v
			}
			return ""
		}
	}
	assert.Equal(t, "x.db", StoreLocation("x.db", "/w/wl.csv", env("postgres://h/db")), "--db first")
	assert.Equal(t, "postgres://h/db", StoreLocation("", "/w/wl.csv", env("postgres://h/db")), "then $CXR_AUDITOR_DB")
	assert.Equal(t, "/w/wl.cxr.db", StoreLocation("", "/w/wl.csv", env("")), "then beside the worklist")
	assert.Equal(t, "", StoreLocation("", "", env("")))
}

func TestStoreOptions(t *testing.T) {
	tests := []struct {
		value   string
		wantLen int
		wantErr string
	}{
		{"", 0, ""},
		{"250ms", 1, ""},
		{"2m", 1, ""},
		{"ten", 0, `CXR_AUDITOR_BUSY_TIMEOUT="ten": want a positive duration`},
		{"0s", 0, "want a positive duration"},
		{"-1s", 0, "want a positive duration"},
	}
	for _, tt := range tests {
		t.Run(cmp.Or(tt.value, "unset"), func(t *testing.T) {
			e := Env{Getenv: func(k string) string { return map[string]string{EnvBusyTimeout: tt.value}[k] }}
			opts, err := StoreOptions(e.Getenv)
			if tt.wantErr != "" {
				require.ErrorIs(t, err, ErrUsage)
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Len(t, opts, tt.wantLen)
			s, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "s.cxr.db"), opts...)
			require.NoError(t, err)
			require.NoError(t, s.Close())
		})
	}
}
