package worklist

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/prompts"
)

// TestLoadWorklistOutsidePaths: a worklist may only name files inside its
// own folder unless AllowOutsidePaths is given (issue 10: a worklist from
// elsewhere must not send local files to the model host).
func TestLoadWorklistOutsidePaths(t *testing.T) {
	outside := t.TempDir()
	writeFiles(t, outside, map[string]string{"secret.png": "x", "secret.txt": "a local file"})
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"in/a.png": "x", "in/a.txt": "Fine.", "sub/ok.png": "x"})
	require.NoError(t, os.Symlink(filepath.Join(outside, "secret.png"), filepath.Join(dir, "in", "link.png")))
	require.NoError(t, os.Symlink(outside, filepath.Join(dir, "in", "out")))
	require.NoError(t, os.Symlink(filepath.Join(dir, "sub"), filepath.Join(dir, "in", "sub")))
	wlPath := filepath.Join(dir, "in", "wl.csv")
	abs := filepath.Join(outside, "secret.png")
	writeFiles(t, dir, map[string]string{"in/wl.csv": "id,image,draft,draft_file\n" +
		"ok,a.png,,a.txt\n" + // 2
		"abs," + abs + ",x,\n" + // 3
		"dotdot,../sub/ok.png,x,\n" + // 4
		"link,link.png,x,\n" + // 5 symlink to a file outside
		"linkdir,out/secret.png,x,\n" + // 6 through a symlinked folder outside
		"draftabs,a.png,," + filepath.Join(outside, "secret.txt") + "\n" + // 7
		"draftdots,a.png,,../../" + filepath.Base(outside) + "/secret.txt\n" + // 8
		"inner,./sub/../a.png,x,\n", // 9 .. that stays inside
	})

	wl, err := Load(context.Background(), wlPath)
	require.NoError(t, err)
	assert.Equal(t, []string{"ok", "inner"}, ids(wl.Items))
	assert.Equal(t, []string{"3:abs", "4:dotdot", "5:link", "6:linkdir", "7:draftabs", "8:draftdots"}, problemLines(wl.Problems))
	want := []string{
		`image "` + abs + `" is an absolute path, outside the worklist's folder ` + filepath.Join(dir, "in"),
		`image "../sub/ok.png" leads outside the worklist's folder`,
		`image "link.png" is a symlink to ` + abs + `, outside the worklist's folder`,
		`image "out/secret.png" is a symlink to ` + abs,
		`draft_file "` + filepath.Join(outside, "secret.txt") + `" is an absolute path`,
		`draft_file "../../`,
	}
	for i, p := range wl.Problems {
		assert.ErrorIs(t, p, ErrOutsideFolder)
		assert.Contains(t, p.Error(), want[i])
	}

	wl, err = Load(context.Background(), wlPath, AllowOutsidePaths())
	require.NoError(t, err)
	assert.Empty(t, wl.Problems, "every path resolves when outside paths are allowed")
	assert.Len(t, wl.Items, 8)
	assert.Equal(t, "a local file", wl.Items[5].Draft)

	// A folder worklist: a symlinked image leading out is refused too.
	folder := t.TempDir()
	writeFiles(t, folder, map[string]string{"a.png": "x", "a.txt": "Fine.", "b.txt": "Fine."})
	require.NoError(t, os.Symlink(abs, filepath.Join(folder, "b.png")))
	wl, err = Load(context.Background(), folder)
	require.NoError(t, err)
	assert.Equal(t, []string{"a"}, ids(wl.Items))
	require.Len(t, wl.Problems, 1)
	assert.ErrorIs(t, wl.Problems[0], ErrOutsideFolder)
}

// TestLoadWorklistNonRegularFiles: a named pipe as worklist, image or
// draft_file is refused at once (reading it would block), and so is a
// draft file larger than a draft may be.
func TestLoadWorklistNonRegularFiles(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"a.png": "x", "a.txt": "Fine.",
		"big.txt": strings.Repeat("x", prompts.MaxDraftBytes+1),
		"wl.csv": "id,image,draft,draft_file\n" +
			"ok,a.png,,a.txt\n" +
			"fifoimg,fifo.png,x,\n" +
			"fifodraft,a.png,,fifo.txt\n" +
			"dirimg,sub,x,\n" +
			"big,a.png,,big.txt\n",
	})
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o700))
	for _, name := range []string{"fifo.png", "fifo.txt", "fifo.csv"} {
		require.NoError(t, syscall.Mkfifo(filepath.Join(dir, name), 0o600))
	}
	done := make(chan struct{})
	var wl List
	var err, fifoErr error
	go func() {
		defer close(done)
		wl, err = Load(context.Background(), filepath.Join(dir, "wl.csv"))
		_, fifoErr = Load(context.Background(), filepath.Join(dir, "fifo.csv"))
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Load blocked on a named pipe")
	}
	require.NoError(t, err)
	assert.Equal(t, []string{"ok"}, ids(wl.Items))
	assert.Equal(t, []string{"3:fifoimg", "4:fifodraft", "5:dirimg", "6:big"}, problemLines(wl.Problems))
	for i, want := range []string{"is a named pipe (FIFO), not an image file", "is a named pipe (FIFO), not a text file", "is a directory", "a draft may hold at most 16384"} {
		assert.Contains(t, wl.Problems[i].Error(), want)
	}
	require.Error(t, fifoErr)
	assert.Contains(t, fifoErr.Error(), "fifo.csv is a named pipe (FIFO)")
	assert.False(t, errors.Is(fifoErr, ErrNoItems))
}
