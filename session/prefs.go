package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/cxr-auditor/cxr-auditor/internal/safefile"
)

// workstationPrefs are the reviewer's choices the workstation remembers
// from one session to the next. They are the reviewer's own, not the
// worklist's, so they live in the user's configuration folder, not in
// the store.
type workstationPrefs struct {
	// UrgentFirst lists urgent items first (the s key).
	UrgentFirst bool `json:"urgent_first"`
}

// prefsFile is the preferences a session opened with, where they live,
// and why they could not be read (shown in the workstation).
type prefsFile struct {
	workstationPrefs
	path string
	err  error
}

func loadPrefsFile(env Env) prefsFile {
	f := prefsFile{path: prefsPath(env)}
	f.workstationPrefs, f.err = loadPrefs(f.path)
	return f
}

// prefsPath is $XDG_CONFIG_HOME/cxr-auditor/workstation.json, else
// $HOME/.config/...; "" when neither is set (nothing is remembered).
func prefsPath(env Env) string {
	dir := env.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home := env.Getenv("HOME")
		if home == "" {
			return ""
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "cxr-auditor", "workstation.json")
}

// loadPrefs reads the preferences at path. A missing file (or path "")
// gives the defaults; a file that cannot be read or parsed gives the
// defaults and an error naming it, for the caller to show.
func loadPrefs(path string) (workstationPrefs, error) {
	var p workstationPrefs
	if path == "" {
		return p, nil
	}
	if _, err := safefile.Regular(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return p, nil
		}
		return p, fmt.Errorf("preferences %s: %w", path, err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return p, fmt.Errorf("preferences %s: %w", path, err)
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return workstationPrefs{}, fmt.Errorf("preferences %s: not valid JSON (%w); using the defaults", path, err)
	}
	return p, nil
}

// savePrefs writes p to path (its folder created), replacing the file
// whole: a crash leaves the old file or the new one.
func savePrefs(path string, p workstationPrefs) error {
	if path == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("preferences: %w", err)
	}
	f, err := safefile.Create(path)
	if err != nil {
		return fmt.Errorf("preferences %s: %w", path, err)
	}
	b, _ := json.MarshalIndent(p, "", "  ")
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Abort()
		return fmt.Errorf("preferences %s: %w", path, err)
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("preferences %s: %w", path, err)
	}
	return nil
}
