package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/cxr-auditor/cxr-auditor/internal/safefile"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// checkStore checks the store at path without creating or migrating it.
func checkStore(ctx context.Context, path string) doctorCheck {
	c := doctorCheck{Check: "store", Target: path}
	// Stat first: opening a named pipe would block the doctor for good.
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		c.Status, c.Message = checkFail, fmt.Sprintf("store %s is %s, not a store file; give --db a file name (run and review create it)", path, safefile.Kind(st.Mode()))
		return c
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		dir := filepath.Dir(path)
		f, err := os.CreateTemp(dir, ".cxr-auditor-doctor-*")
		if err != nil {
			c.Status, c.Message = checkFail, fmt.Sprintf("store %s does not exist and cannot be created: %v; create its folder (below) or choose a writable --db path", path, err)
			c.Fix = "mkdir -p " + shellQuote(dir)
			return c
		}
		name := f.Name()
		f.Close()
		os.Remove(name)
		c.Status, c.Message = checkOK, fmt.Sprintf("store %s does not exist yet; run or review will create it", path)
		return c
	}
	s, err := store.Open(ctx, path, store.ReadOnly())
	switch {
	case errors.Is(err, store.ErrOlderSchema):
		c.Status, c.Message = checkOK, fmt.Sprintf("store %s is from an older cxr-auditor; run or review will migrate it", path)
		return c
	case errors.Is(err, store.ErrNewerSchema):
		c.Status, c.Message = checkFail, fmt.Sprintf("store %s: %v; upgrade cxr-auditor, or use another --db", path, err)
		return c
	case err != nil:
		c.Status, c.Message = checkFail, fmt.Sprintf("store %s: %v; choose another --db path (this file is not a cxr-auditor store, or cannot be read)", path, err)
		return c
	}
	defer s.Close()
	items, err := s.Items(ctx)
	if err != nil {
		c.Status, c.Message = checkFail, fmt.Sprintf("store %s: %v; choose another --db path, or restore it from a backup", path, err)
		return c
	}
	c.Status, c.Message = checkOK, fmt.Sprintf("store %s opens: %d item(s)", path, len(items))
	if err := writable(path); err != nil {
		c.Status, c.Message = checkFail, fmt.Sprintf("store %s is not writable: %v; verdicts are saved to it: let your user write it (below)", path, err)
		c.Fix = "chmod u+w " + shellQuote(path)
	}
	return c
}

// writable reports whether path can be opened for writing, without
// changing it.
func writable(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	return f.Close()
}
