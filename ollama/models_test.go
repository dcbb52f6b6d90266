package ollama

import (
	"context"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
)

func TestHostModels(t *testing.T) {
	srv := ollamatest.NewServer(
		ollamatest.Model{Name: testVision, Capabilities: []string{"completion", "vision"}},
		ollamatest.Model{Name: "other:7b", Capabilities: []string{"completion"}},
	)
	t.Cleanup(srv.Close)
	names, err := newHostFor(t, srv, hostTestOptions()).Models(context.Background())
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{testVision + ":latest", "other:7b"}, names)

	for _, tt := range []struct {
		model string
		want  bool
	}{
		{testVision, true},
		{testVision + ":latest", true},
		{"OTHER:7b", true},
		{"other", false}, // other:latest is not other:7b
		{"missing", false},
	} {
		assert.Equal(t, tt.want, HasModel(names, tt.model), tt.model)
	}
}

// TestHostModelsUnreachable: one attempt, no retries, and the error says the
// host cannot be reached.
func TestHostModelsUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	h, err := NewHost("http://"+addr, hostTestOptions())
	require.NoError(t, err)
	_, err = h.Models(context.Background())
	require.ErrorIs(t, err, ErrUnreachable)
	assert.Contains(t, err.Error(), addr)
}
