package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// ErrStoreReplaced marks a write refused because the database file this
// Store opened is no longer the file at its path: it was deleted, renamed
// or replaced (another program, or `rm cases.cxr.db*` from another shell).
// SQLite would go on writing into the old file, which no one can open any
// more, and report every write saved. Once seen, every later write of the
// Store is refused too; what was refused is kept in the rescue file
// (RescuePath) when it can be written.
var ErrStoreReplaced = errors.New("the store file was deleted or replaced while open")

// sameFile checks that the file held open is still the one at the path:
// the same device and inode, and not unlinked. It runs before and after
// every write transaction of a file store (two stat calls next to an
// fsync), so no write is ever reported saved into a file that has gone.
// The first failure is remembered: the store stays refused.
func (s *Store) sameFile() error {
	if s.lock == nil || (s.dialect != nil && s.dialect.postgres) {
		return nil
	}
	if err := s.lost.Load(); err != nil {
		return *err
	}
	err := s.compareFile()
	if err == nil {
		return nil
	}
	err = fmt.Errorf("%w: %v; nothing more is written to it: reopen the store (or restore it) and save again", ErrStoreReplaced, err)
	s.lost.CompareAndSwap(nil, &err)
	return *s.lost.Load()
}

func (s *Store) compareFile() error {
	held, err := s.lock.f.Stat()
	if err != nil {
		return fmt.Errorf("the open file cannot be checked: %w", err)
	}
	if links, ok := linkCount(held); ok && links == 0 {
		return errors.New("the open file was deleted")
	}
	now, err := os.Stat(s.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s no longer exists", s.path)
	case err != nil:
		return fmt.Errorf("%s cannot be checked: %w", s.path, err)
	case !os.SameFile(held, now):
		return fmt.Errorf("%s is now another file (moved or copied over the one opened)", s.path)
	}
	return nil
}

// Check reports whether the store can still be written: for a file store,
// that the file opened is still the one at its path (an error wrapping
// ErrStoreReplaced when not). Commands call it at the end of a session to
// say so in their exit status even when nothing was written after the
// file went. PostgreSQL stores always pass.
func (s *Store) Check() error {
	if err := s.sameFile(); err != nil {
		return s.errorf("check", err)
	}
	return nil
}

// RescuePath is where writes refused because the store file went
// (ErrStoreReplaced) are kept, one JSON object a line, for saving
// elsewhere: beside the store, "<store>.rescue.jsonl". "" for PostgreSQL.
func (s *Store) RescuePath() string {
	if s.path == "" || (s.dialect != nil && s.dialect.postgres) {
		return ""
	}
	return s.path + ".rescue.jsonl"
}

// Rescued is one line of the rescue file: what a refused write would have
// stored. Exactly one of Verdict, Note, Outcome is set.
type Rescued struct {
	// Store is the path the write was meant for; Kind is "verdict",
	// "note" or "outcome"; Reason why it was refused.
	Store  string    `json:"store"`
	Kind   string    `json:"kind"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
	// Verdict, Note or Outcome is the refused write.
	Verdict any `json:"verdict,omitempty"`
	Note    any `json:"note,omitempty"`
	Outcome any `json:"outcome,omitempty"`
}

// rescue keeps what a write refused with ErrStoreReplaced would have
// stored, and returns err naming where it is kept (or why it could not
// be). Other errors come back unchanged: their writes were not lost to a
// vanished file, and the caller still has them to retry.
func (s *Store) rescue(err error, r Rescued) error {
	if !errors.Is(err, ErrStoreReplaced) || s.RescuePath() == "" {
		return err
	}
	r.Store, r.At, r.Reason = s.path, s.now().UTC(), err.Error()
	line, merr := json.Marshal(r)
	if merr != nil {
		return fmt.Errorf("%w (and it could not be kept: %v)", err, merr)
	}
	s.rescueMu.Lock()
	defer s.rescueMu.Unlock()
	f, ferr := os.OpenFile(s.RescuePath(), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if ferr == nil {
		_, ferr = f.Write(append(line, '\n'))
		if serr := f.Sync(); ferr == nil {
			ferr = serr
		}
		if cerr := f.Close(); ferr == nil {
			ferr = cerr
		}
	}
	if ferr != nil {
		return fmt.Errorf("%w (and it could not be kept in %s: %v)", err, s.RescuePath(), ferr)
	}
	s.rescued.Add(1)
	return &RescuedError{Err: err, Path: s.RescuePath()}
}

// RescuedError is a write refused with ErrStoreReplaced whose content was
// kept in the rescue file: nothing of it is lost, though it is not in the
// store. errors.As finds it through the store's wrapping; a caller that
// may not import the store (the TUI) asks for the KeptIn method instead.
type RescuedError struct {
	// Err is why the write was refused (it wraps ErrStoreReplaced).
	Err error
	// Path is the rescue file (RescuePath) that holds the write.
	Path string
}

// Error says why the write was refused and where it was kept.
func (e *RescuedError) Error() string { return fmt.Sprintf("%v (kept in %s)", e.Err, e.Path) }

// Unwrap returns why the write was refused.
func (e *RescuedError) Unwrap() error { return e.Err }

// KeptIn returns the rescue file that holds the refused write.
func (e *RescuedError) KeptIn() string { return e.Path }

// RescuedCount returns how many refused writes this Store kept in its
// rescue file (RescuePath).
func (s *Store) RescuedCount() int { return int(s.rescued.Load()) }
