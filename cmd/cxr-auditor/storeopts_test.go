package main

import (
	"cmp"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/store"
)

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
			e := env{getenv: func(k string) string { return map[string]string{envBusyTimeout: tt.value}[k] }}
			opts, err := storeOptions(e)
			if tt.wantErr != "" {
				require.ErrorIs(t, err, errUsage)
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

// A bad CXR_AUDITOR_BUSY_TIMEOUT stops a command that writes to the store
// with a usage error naming the variable, before anything is stored.
func TestBadBusyTimeoutIsAUsageError(t *testing.T) {
	dir := t.TempDir()
	wl := runWorklist(t, dir, 1)
	var stdout, stderr strings.Builder
	e := env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
		getenv: func(k string) string { return map[string]string{envBusyTimeout: "soon"}[k] }}
	code := realMain(context.Background(), e, []string{"run", wl, "--ollama", "http://127.0.0.1:1"})
	assert.Equal(t, 2, code, stderr.String())
	assert.Contains(t, stderr.String(), "CXR_AUDITOR_BUSY_TIMEOUT")
	assert.NoFileExists(t, store.DefaultPath(wl))
}
