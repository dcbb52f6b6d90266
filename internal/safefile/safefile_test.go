package safefile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRegular(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f.txt")
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o600))
	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	link := filepath.Join(dir, "link")
	require.NoError(t, os.Symlink(file, link))

	_, err := Regular(file)
	require.NoError(t, err)
	_, err = Regular(link)
	require.NoError(t, err, "a symlink to a file is a file")
	_, err = Regular(filepath.Join(dir, "missing"))
	require.ErrorIs(t, err, fs.ErrNotExist)
	for _, tt := range []struct{ path, kind string }{
		{fifo, "a named pipe (FIFO)"},
		{dir, "a directory"},
		{"/dev/null", "a character device"},
	} {
		_, err := Regular(tt.path)
		require.ErrorIs(t, err, ErrNotRegular, tt.path)
		assert.Contains(t, err.Error(), tt.path+" is "+tt.kind)
	}
}

func TestSame(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.db")
	require.NoError(t, os.WriteFile(a, []byte("x"), 0o600))
	hard := filepath.Join(dir, "hard.db")
	require.NoError(t, os.Link(a, hard))
	soft := filepath.Join(dir, "soft.db")
	require.NoError(t, os.Symlink(a, soft))
	linkDir := filepath.Join(t.TempDir(), "d")
	require.NoError(t, os.Symlink(dir, linkDir))
	other := filepath.Join(dir, "b.db")
	require.NoError(t, os.WriteFile(other, []byte("x"), 0o600))
	t.Chdir(dir)

	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{"itself", a, a, true},
		{"dot slash", "./a.db", a, true},
		{"relative with ..", "../" + filepath.Base(dir) + "/a.db", a, true},
		{"hard link", hard, a, true},
		{"symlink", soft, a, true},
		{"through a symlinked folder", filepath.Join(linkDir, "a.db"), a, true},
		{"another file", other, a, false},
		{"not yet existing, same path", filepath.Join(linkDir, "a.db-wal"), a + "-wal", true},
		{"not yet existing, other path", "a.db-shm", a + "-wal", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Same(tt.a, tt.b))
			assert.Equal(t, tt.want, Same(tt.b, tt.a))
		})
	}
}

func TestCreateCommit(t *testing.T) {
	dir := t.TempDir()
	dst := filepath.Join(dir, "results.jsonl")
	require.NoError(t, os.WriteFile(dst, []byte("previous\n"), 0o644))

	f, err := Create(dst)
	require.NoError(t, err)
	_, err = f.WriteString("line 1\n")
	require.NoError(t, err)
	got, err := os.ReadFile(dst)
	require.NoError(t, err)
	assert.Equal(t, "previous\n", string(got), "the previous file is untouched until Commit")
	partial, err := os.ReadFile(f.Name())
	require.NoError(t, err)
	assert.Equal(t, "line 1\n", string(partial), "what was written is in the partial file (a crash keeps it)")
	assert.Regexp(t, `results\.jsonl\.[0-9]+\.partial$`, f.Name())

	require.NoError(t, f.Commit())
	got, err = os.ReadFile(dst)
	require.NoError(t, err)
	assert.Equal(t, "line 1\n", string(got))
	st, err := os.Stat(dst)
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o600), st.Mode().Perm())
	_, err = os.Stat(f.Name())
	assert.True(t, errors.Is(err, fs.ErrNotExist), "no partial file left")
	assert.Error(t, f.Commit(), "a second Commit")
}

func TestCreateAbort(t *testing.T) {
	dir := t.TempDir()
	dst := filepath.Join(dir, "out.csv")
	f, err := Create(dst)
	require.NoError(t, err)
	_, _ = f.WriteString("half")
	f.Abort()
	f.Abort()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "neither the destination nor a partial file")
}

func TestCreateRefusesNonRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	for _, dst := range []string{fifo, dir, "/dev/null"} {
		_, err := Create(dst)
		require.ErrorIs(t, err, ErrNotRegular, dst)
	}
}
