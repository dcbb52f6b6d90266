package prompts

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/cxr-auditor/cxr-auditor/internal/safefile"
)

// ErrExists is wrapped by WriteDir's error when a file it would write is
// already there and force is false.
var ErrExists = errors.New("already exists")

// WriteDir writes the embedded templates into dir (created if missing) as
// grounding.txt and draft.txt, for editing, and returns the paths written.
// Unless force is true it writes nothing when either file exists, and the
// error wraps ErrExists and names the file.
func WriteDir(dir string, force bool) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("prompts: %w", err)
	}
	files := []struct {
		path string
		text []byte
	}{
		{filepath.Join(dir, GroundingFile), groundingText},
		{filepath.Join(dir, DraftFile), draftText},
	}
	for _, f := range files {
		st, err := os.Lstat(f.path)
		switch {
		case err == nil && !force:
			return nil, fmt.Errorf("prompts: %s %w; nothing was written (pass --force to overwrite it)", f.path, ErrExists)
		case err == nil && !st.Mode().IsRegular():
			return nil, fmt.Errorf("prompts: %s is %s; nothing was written", f.path, safefile.Kind(st.Mode()))
		case err != nil && !errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("prompts: %w", err)
		}
	}
	var out []string
	for _, f := range files {
		w, err := safefile.Create(f.path)
		if err != nil {
			return out, fmt.Errorf("prompts: %w", err)
		}
		if _, err := w.Write(f.text); err != nil {
			w.Abort()
			return out, fmt.Errorf("prompts: %s: %w", f.path, err)
		}
		if err := w.Commit(); err != nil {
			return out, fmt.Errorf("prompts: %s: %w", f.path, err)
		}
		out = append(out, f.path)
	}
	return out, nil
}
