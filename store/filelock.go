package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"time"
)

// Every Store holds a shared advisory lock (flock(2)) on its database file
// for as long as it is open, so that other programs can tell a store in use
// (InUse) and Remove refuses to delete it.
//
// The lock is held on one descriptor per file per process, shared by every
// Store of the process open on that file (fileLocks). The reason is a trap
// of POSIX locks, which SQLite uses: closing any descriptor of a file drops
// every POSIX lock the process holds on it, including SQLite's own. So this
// package must never open and close the database file while one of its
// SQLite connections is open; it opens it once, reads the header through
// that descriptor, and closes it only after the last Store on the file has
// closed its connections.

// fileLock is this process's hold on one database file.
type fileLock struct {
	f    *os.File
	id   fileID
	refs int // Stores open on the file; guarded by fileLocks.mu
}

// fileLocks is the process-wide table of held files. It is package state
// on purpose: the POSIX lock trap above is process-wide too.
var fileLocks = struct {
	sync.Mutex
	m map[fileID]*fileLock
}{m: map[fileID]*fileLock{}}

// lockRetry is how long acquire waits between tries while Remove holds the
// file (Remove holds it only to unlink a few names).
const lockRetry = 5 * time.Millisecond

// acquireFile returns this process's hold on the file at path, taking a
// shared lock on it. When create is set and the file does not exist, it is
// created empty with mode 0600 (SQLite's -wal and -shm files then take the
// same mode). The file's identity is checked after locking, so a file
// deleted and recreated meanwhile (Remove) is never held by mistake.
func acquireFile(ctx context.Context, path string, create bool) (*fileLock, error) {
	for {
		l, retry, err := tryAcquire(path, create)
		if !retry {
			return l, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for the file to be free: %w", ctx.Err())
		case <-time.After(lockRetry):
		}
	}
}

func tryAcquire(path string, create bool) (l *fileLock, retry bool, err error) {
	fileLocks.Lock()
	defer fileLocks.Unlock()
	if fi, err := os.Stat(path); err == nil {
		if l := fileLocks.m[idOf(fi)]; l != nil {
			l.refs++
			return l, false, nil
		}
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) && create {
		f, err = os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return nil, true, nil // another process created it first
		}
	}
	if err != nil {
		return nil, false, err
	}
	switch locked, err := flockShared(f); {
	case err != nil:
		f.Close()
		return nil, false, fmt.Errorf("lock: %w", err)
	case !locked:
		f.Close() // safe: no SQLite connection of ours is open on it
		return nil, true, nil
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, false, err
	}
	if now, err := os.Stat(path); err != nil || !os.SameFile(fi, now) {
		f.Close() // deleted or replaced while we waited
		return nil, true, nil
	}
	l = &fileLock{f: f, id: idOf(fi), refs: 1}
	fileLocks.m[l.id] = l
	return l, false, nil
}

// release gives up one Store's hold; the last one closes the descriptor,
// which drops the lock. Call it only after that Store's connections are
// closed.
func (l *fileLock) release() error {
	fileLocks.Lock()
	defer fileLocks.Unlock()
	l.refs--
	if l.refs > 0 {
		return nil
	}
	delete(fileLocks.m, l.id)
	return l.f.Close()
}

// header reads the first bytes of the file through the held descriptor
// (never a new one: see the POSIX lock trap above).
func (l *fileLock) header(n int) ([]byte, error) {
	b := make([]byte, n)
	k, err := l.f.ReadAt(b, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return b[:k], nil
}

// InUse reports whether a cxr-auditor Store (of this process or of another
// one, read-write or read-only) has the database file at path open. A
// missing file is not in use. It is advisory: it sees cxr-auditor's own
// lock, not an sqlite3 shell. On platforms without flock(2) it always
// reports false.
func InUse(path string) (bool, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store %s: in use: %w", path, err)
	}
	fileLocks.Lock()
	defer fileLocks.Unlock()
	if fileLocks.m[idOf(fi)] != nil {
		return true, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return false, fmt.Errorf("store %s: in use: %w", path, err)
	}
	defer f.Close()
	free, err := flockTryExclusive(f)
	if err != nil {
		return false, fmt.Errorf("store %s: in use: %w", path, err)
	}
	return !free, nil
}

// Remove deletes the store at path with its -wal, -shm and -journal files,
// unless a Store has it open (ErrInUse, wrapped) or it is not a SQLite file
// (ErrNotStore; an empty file counts as a new store). A missing store is
// not an error. The check and the deletion happen under an exclusive lock,
// so no Store can open the file in between; one that was waiting opens a
// new, empty store afterwards.
func Remove(path string) error {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store %s: remove: %w", path, err)
	}
	if fi.IsDir() {
		return fmt.Errorf("store %s: remove: %w: it is a directory", path, ErrNotStore)
	}
	fileLocks.Lock()
	defer fileLocks.Unlock()
	if fileLocks.m[idOf(fi)] != nil {
		return fmt.Errorf("store %s: remove: %w (open in this process)", path, ErrInUse)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("store %s: remove: %w", path, err)
	}
	defer f.Close()
	free, err := flockTryExclusive(f)
	if err != nil {
		return fmt.Errorf("store %s: remove: %w", path, err)
	}
	if !free {
		return fmt.Errorf("store %s: remove: %w: another cxr-auditor session has it open; close it first", path, ErrInUse)
	}
	head := make([]byte, len(sqliteHeader))
	n, _ := f.ReadAt(head, 0)
	if n > 0 && !bytes.Equal(head[:n], []byte(sqliteHeader)) {
		return fmt.Errorf("store %s: remove: %w: the file is not an SQLite database (left untouched)", path, ErrNotStore)
	}
	for _, p := range []string{path + "-wal", path + "-shm", path + "-journal", path} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("store %s: remove: %w", path, err)
		}
	}
	return nil
}
