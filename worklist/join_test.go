package worklist

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestJoinUnder: the fast join gives filepath.Join's path for every kind
// of relative path, clean or not.
func TestJoinUnder(t *testing.T) {
	for _, tc := range []struct{ dir, rel string }{
		{"/w", "a.png"},
		{"/w", "sub/a.png"},
		{"/", "a.png"},
		{"/w", "./a.png"},
		{"/w", "sub/../a.png"},
		{"/w", "../a.png"},
		{"/w", "sub//a.png"},
		{"/w", "sub/"},
		{"/w", "."},
		{"/w", ".."},
		{"/w", "..a/b..png"},
		{"/w", ""},
		{"", "a.png"},
	} {
		assert.Equal(t, filepath.Join(tc.dir, tc.rel), joinUnder(tc.dir, tc.rel), "%q + %q", tc.dir, tc.rel)
	}
}

func FuzzJoinUnder(f *testing.F) {
	for _, s := range []string{"a.png", "./a", "a/../b", "a//b", "..", "a/", ""} {
		f.Add("/w/x", s)
	}
	f.Fuzz(func(t *testing.T, dir, rel string) {
		dir = filepath.Clean("/" + dir)
		if got, want := joinUnder(dir, rel), filepath.Join(dir, rel); got != want {
			t.Fatalf("joinUnder(%q, %q) = %q, want %q", dir, rel, got, want)
		}
	})
}
