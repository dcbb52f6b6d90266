//go:build unix

package realollama

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBinary(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "ollama")
	require.NoError(t, os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755))
	plain := filepath.Join(dir, "plain")
	require.NoError(t, os.WriteFile(plain, nil, 0o644))

	tests := []struct {
		name, bin, path string
		want            string
		wantErr         string
	}{
		{name: "OLLAMA_BIN", bin: exe, want: exe},
		{name: "OLLAMA_BIN wins over PATH", bin: exe, path: "/nonexistent", want: exe},
		{name: "ollama on PATH", path: dir, want: exe},
		{name: "neither", path: t.TempDir(), wantErr: "no ollama binary: set OLLAMA_BIN"},
		{name: "OLLAMA_BIN missing", bin: filepath.Join(dir, "nope"), wantErr: "no such file"},
		{name: "OLLAMA_BIN not executable", bin: plain, wantErr: "not an executable file"},
		{name: "OLLAMA_BIN a directory", bin: dir, wantErr: "not an executable file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("OLLAMA_BIN", tc.bin)
			t.Setenv("PATH", tc.path)
			got, err := Binary()
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestRequests(t *testing.T) {
	s := &Server{log: &syncBuffer{}}
	_, _ = s.log.Write([]byte(`time=2026-11-27T10:18:24.116Z level=INFO source=server.go:1 msg="x"
[GIN] 2026/11/27 - 10:18:24 | 200 |  496.673117ms |       127.0.0.1 | POST     "/api/chat"
[GIN] 2026/11/27 - 10:18:24 | 404 |      678.1µs |       127.0.0.1 | POST     "/api/chat"
[GIN] 2026/11/27 - 10:18:25 | 200 |     914.3µs |       127.0.0.1 | GET      "/api/tags"
[GIN] 2026/11/27 - 10:18:25 | 200 |          2m8s |       127.0.0.1 | POST     "/api/show"
`))
	assert.Equal(t, 2, s.Requests("POST", "/api/chat"))
	assert.Equal(t, 1, s.Requests("GET", "/api/tags"))
	assert.Equal(t, 1, s.Requests("POST", "/api/show"))
	assert.Equal(t, 0, s.Requests("GET", "/api/ps"))
}

func TestTail(t *testing.T) {
	assert.Equal(t, "b\nc", tail("a\nb\nc\n", 2))
	assert.Equal(t, "a", tail("a", 5))
}
