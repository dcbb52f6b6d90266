package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Sentinel errors, matched with errors.Is.
var (
	// ErrInvalid marks input refused by validation (an empty ItemID, an
	// unknown Decision, ...). The message names the field.
	ErrInvalid = errors.New("invalid input")
	// ErrNotStore marks a file that is not a cxr-auditor database: not
	// SQLite at all (a worklist CSV passed by mistake, say), or a SQLite
	// database that belongs to another program. Such a file is left
	// untouched.
	ErrNotStore = errors.New("not a cxr-auditor database")
	// ErrNewerSchema marks a database written by a newer cxr-auditor than
	// this one; it is refused rather than misread or downgraded.
	ErrNewerSchema = errors.New("database schema is newer than this cxr-auditor")
	// ErrOlderSchema marks a database that needs a migration but was opened
	// read-only (ReadOnly); opening it once read-write upgrades it.
	ErrOlderSchema = errors.New("database schema is older than this cxr-auditor")
	// ErrDiskFull marks a write that failed because the disk (or the quota)
	// holding the database is full. Nothing of the failed operation was
	// saved; what was saved before is intact.
	ErrDiskFull = errors.New("the disk is full")
	// ErrReadOnlyStore marks a write refused because the database file, its
	// folder or its file system is read-only for this user (or the file
	// was moved or deleted while open). Read-only stores can still be
	// exported (the ReadOnly option).
	ErrReadOnlyStore = errors.New("the store is read-only")
	// ErrLocked marks an operation that waited for the store's write lock
	// longer than the busy timeout: another program holds a write
	// transaction open.
	ErrLocked = errors.New("the store is locked by another program")
	// ErrInUse marks a store that another Store (in this process or another
	// one) has open, so it must not be deleted (Remove).
	ErrInUse = errors.New("the store is in use")
	// ErrDamaged marks a database file SQLite found corrupt.
	ErrDamaged = errors.New("the database file is damaged")
)

// explain turns the terse errors of SQLite and of the file system into one
// that names the cause and what to do, wrapping both the matching sentinel
// and the original error. Errors already explained, and errors it does not
// recognise, are returned unchanged.
func (s *Store) explain(err error) error {
	if err == nil {
		return nil
	}
	for _, known := range []error{ErrDiskFull, ErrReadOnlyStore, ErrLocked, ErrNotStore, ErrDamaged, ErrInUse, ErrStoreReplaced} {
		if errors.Is(err, known) {
			return err
		}
	}
	if s.dialect != nil && s.dialect.postgres {
		if e := s.explainPostgres(err); e != nil {
			return e
		}
		return err
	}
	dir := filepath.Dir(s.path)
	var se *sqlite.Error
	if errors.As(err, &se) {
		code := se.Code()
		switch code & 0xff {
		case sqlite3.SQLITE_FULL:
			return s.diskFull(err)
		case sqlite3.SQLITE_IOERR:
			// SQLite reports a full disk as an I/O error when it is the
			// WAL index (-shm, SQLITE_IOERR_SHMSIZE) or a write of the WAL
			// that fails; the free space tells which.
			if free, ok := diskFree(dir); ok && free < lowDiskSpace {
				return s.diskFull(err)
			}
			return fmt.Errorf("disk I/O error on %s (the disk may be failing, full or unmounted; check `dmesg` and `df -h %s`): %w", dir, dir, err)
		case sqlite3.SQLITE_READONLY:
			if code == sqlite3.SQLITE_READONLY_DBMOVED {
				return fmt.Errorf("%w: %w: SQLite found it moved or deleted (by another program?); nothing more can be saved to it, reopen it: %w", ErrReadOnlyStore, ErrStoreReplaced, err)
			}
			return s.readOnlyErr(err)
		case sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH:
			return s.readOnlyErr(err)
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return fmt.Errorf("%w: waited %s for the write lock; another process holds a write transaction open (an sqlite3 shell in a transaction, or a hung program): finish or close it, then try again: %w", ErrLocked, s.busy, err)
		case sqlite3.SQLITE_NOTADB:
			return fmt.Errorf("%w: %w", ErrNotStore, err)
		case sqlite3.SQLITE_CORRUPT:
			return fmt.Errorf("%w: restore it from a backup, or try `sqlite3 %s .recover`: %w", ErrDamaged, s.path, err)
		case sqlite3.SQLITE_CANTOPEN:
			return fmt.Errorf("cannot open or create the file (does %s exist, and may you write in it?): %w", dir, err)
		}
		return err
	}
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return s.diskFull(err)
	case errors.Is(err, syscall.EROFS), errors.Is(err, fs.ErrPermission):
		return s.readOnlyErr(err)
	}
	return err
}

// lowDiskSpace is the free space below which an I/O error is taken for a
// full disk: SQLite grows its files by pages (4 KiB) and the WAL index by
// 32 KiB, so a disk with less than this left cannot take a transaction.
const lowDiskSpace = 256 << 10

func (s *Store) diskFull(err error) error {
	dir := filepath.Dir(s.path)
	free := "unknown"
	if n, ok := diskFree(dir); ok {
		free = formatBytes(n)
	}
	return fmt.Errorf("%w: no space left on the disk holding %s (%s free): free some space and try again; this operation was not saved, earlier ones are intact: %w", ErrDiskFull, dir, free, err)
}

// readOnlyErr says which of the file, its folder or the file system is
// read-only, as far as it can tell.
func (s *Store) readOnlyErr(err error) error {
	dir := filepath.Dir(s.path)
	why := "the file or its folder is read-only for this user"
	switch {
	case errors.Is(err, syscall.EROFS) || writable(dir) == syscall.EROFS:
		why = fmt.Sprintf("the file system holding %s is mounted read-only", dir)
	case fileExists(s.path) && writable(s.path) != nil:
		why = fmt.Sprintf("the file is read-only for this user (%s)", describeMode(s.path))
	case writable(dir) != nil:
		why = fmt.Sprintf("its folder %s is read-only for this user (SQLite must create the -wal and -shm files beside it)", dir)
	}
	return fmt.Errorf("%w: %s: make it writable, or open it read-only (`cxr-auditor export` can read it): %w", ErrReadOnlyStore, why, err)
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func describeMode(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("mode %04o", fi.Mode().Perm())
}

func formatBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
