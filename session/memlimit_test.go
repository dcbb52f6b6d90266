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

// TestRaiseMemoryLimit: the limit is raised above a live heap that
// outgrew it, never lowered, and left alone when GOMEMLIMIT chose it.
func TestRaiseMemoryLimit(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
	tests := []struct {
		name, env string
		limit     int64
		raised    bool
	}{
		{"below the live heap", "", 1, true},
		{"far above it", "", 1 << 50, false},
		{"GOMEMLIMIT set", "1", 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GOMEMLIMIT", tt.env)
			debug.SetMemoryLimit(tt.limit)
			raiseMemoryLimit()
			got := debug.SetMemoryLimit(-1)
			if tt.raised {
				assert.Greater(t, got, tt.limit)
			} else {
				assert.Equal(t, tt.limit, got)
			}
		})
	}
	assert.Equal(t, int64(9<<20), roomAbove(8<<20))
}
