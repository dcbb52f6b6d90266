package session

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/cxr-auditor/cxr-auditor/internal/safefile"
	"github.com/cxr-auditor/cxr-auditor/tui"
)

// A signal (SIGTERM, SIGHUP: an SSH drop) stops the workstation without a
// chance to ask about unsaved notes. Their text is kept in a drafts file
// of the store and annotator, in the state directory, and brought back as
// unsaved drafts by the next session on that store.

// draftsPath is the drafts file of a store and annotator:
// $XDG_STATE_HOME/cxr-auditor/drafts/<digest>.json, else under
// ~/.local/state; "" when neither is set.
func draftsPath(env Env, store, annotator string) string {
	dir := env.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home := env.Getenv("HOME")
		if home == "" {
			return ""
		}
		dir = filepath.Join(home, ".local", "state")
	}
	sum := sha256.Sum256([]byte(store + "\x00" + annotator))
	return filepath.Join(dir, "cxr-auditor", "drafts", hex.EncodeToString(sum[:8])+".json")
}

// draftsFile is what a drafts file holds.
type draftsFile struct {
	Store     string            `json:"store"`
	Annotator string            `json:"annotator"`
	Drafts    map[string]string `json:"drafts"`
}

// saveDrafts writes drafts (by item id) to path, with 0600 permissions:
// notes are patient-adjacent text.
func saveDrafts(path, store, annotator string, drafts map[string]string) error {
	if path == "" {
		return errors.New("no state directory ($XDG_STATE_HOME or $HOME)")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("note drafts: %w", err)
	}
	f, err := safefile.Create(path)
	if err != nil {
		return fmt.Errorf("note drafts %s: %w", path, err)
	}
	b, _ := json.MarshalIndent(draftsFile{Store: store, Annotator: annotator, Drafts: drafts}, "", "  ")
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Abort()
		return fmt.Errorf("note drafts %s: %w", path, err)
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("note drafts %s: %w", path, err)
	}
	return nil
}

// takeDrafts reads the drafts file at path and removes it: the drafts
// now live in the session (which asks before quitting with them). A
// missing file gives none.
func takeDrafts(path string) (map[string]string, error) {
	if path == "" {
		return nil, nil
	}
	if _, err := safefile.Regular(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("note drafts %s: %w", path, err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("note drafts %s: %w", path, err)
	}
	var df draftsFile
	if err := json.Unmarshal(b, &df); err != nil {
		return nil, fmt.Errorf("note drafts %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil {
		return nil, fmt.Errorf("note drafts %s: %w", path, err)
	}
	return df.Drafts, nil
}

// keepDrafts saves the session's unsaved note texts when a signal ended
// it and says where, on stderr; nothing when there are none.
func (w *bench) keepDrafts() {
	drafts := w.model.NoteDrafts()
	if len(drafts) == 0 {
		return
	}
	ids := make([]string, 0, len(drafts))
	for k := range drafts {
		ids = append(ids, tui.NoteDraftName(k))
	}
	sort.Strings(ids)
	cmd := w.cfg.Command
	if err := saveDrafts(w.draftsPath, w.s.Store.Path(), w.cfg.Annotator, drafts); err != nil {
		WriteLine(w.env.Stderr, "cxr-auditor %s: stopped by a signal: the unsaved note on %s is LOST: %v",
			cmd, strings.Join(ids, ", "), err)
		return
	}
	WriteLine(w.env.Stderr, "cxr-auditor %s: stopped by a signal: the unsaved note on %s was kept as a draft in %s; "+
		"the next session on this store brings it back", cmd, strings.Join(ids, ", "), w.draftsPath)
}
