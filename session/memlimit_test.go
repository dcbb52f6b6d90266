package session

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestLimitMemory: reading a worklist behind the first frame sets the
// collector's soft limit, unless GOMEMLIMIT chose one.
func TestLimitMemory(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
	tests := []struct {
		name, env string
		want      int64
	}{
		{"unset", "", reviewMemoryLimit},
		{"GOMEMLIMIT set", "1GiB", 12345},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GOMEMLIMIT", tt.env)
			debug.SetMemoryLimit(12345)
			limitMemory()
			assert.Equal(t, tt.want, debug.SetMemoryLimit(-1))
		})
	}
}
