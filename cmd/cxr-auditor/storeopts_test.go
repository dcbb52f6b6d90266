package main

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/cxr-auditor/cxr-auditor/session"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// A bad CXR_AUDITOR_BUSY_TIMEOUT stops a command that writes to the store
// with a usage error naming the variable, before anything is stored.
func TestBadBusyTimeoutIsAUsageError(t *testing.T) {
	dir := t.TempDir()
	wl := runWorklist(t, dir, 1)
	var stdout, stderr strings.Builder
	e := env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
		getenv: func(k string) string { return map[string]string{session.EnvBusyTimeout: "soon"}[k] }}
	code := realMain(context.Background(), e, []string{"run", wl, "--ollama", "http://127.0.0.1:1"})
	assert.Equal(t, 2, code, stderr.String())
	assert.Contains(t, stderr.String(), "CXR_AUDITOR_BUSY_TIMEOUT")
	assert.NoFileExists(t, store.DefaultPath(wl))
}
