package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// applicationID tags our database files in the SQLite header ("CXRA"), so a
// SQLite file of another program is recognised and left alone.
const applicationID = 0x43585241

// sqliteHeader is the first 16 bytes of every SQLite 3 database file.
const sqliteHeader = "SQLite format 3\x00"

// defaultBusyTimeout is how long a connection waits for another process's
// write lock (or a WAL recovery) before giving up with ErrLocked.
const defaultBusyTimeout = 10 * time.Second

// openSQLite opens the file store at s.path: the file lock first (creating
// the file 0600 when it is new), then the header check, then the pools.
func (s *Store) openSQLite(ctx context.Context) error {
	if err := s.checkDir(); err != nil {
		return err
	}
	if s.readOnly {
		if _, err := os.Stat(s.path); errors.Is(err, fs.ErrNotExist) {
			return s.errorf("open", fmt.Errorf("database does not exist: %w", err))
		}
	} else if fi, err := os.Stat(s.path); err == nil && !fi.IsDir() && fi.Size() > 0 {
		// A read-write open of a file this user cannot write would open
		// read-only in SQLite and fail at the first verdict: say it now.
		if werr := writable(s.path); werr != nil {
			return s.errorf("open", s.readOnlyErr(werr))
		}
	}
	if fi, err := os.Stat(s.path); err == nil && fi.IsDir() {
		return s.errorf("open", fmt.Errorf("%w: it is a directory", ErrNotStore))
	}
	l, err := acquireFile(ctx, s.path, !s.readOnly)
	if err != nil {
		return s.errorf("open", err)
	}
	s.lock = l
	if err := s.checkHeader(); err != nil {
		return err
	}
	if !s.readOnly {
		w, err := sql.Open("sqlite", s.dsn(true, false))
		if err != nil {
			return s.errorf("open", err)
		}
		// One write connection: SQLite (even in WAL mode) admits one
		// writer at a time. Several write connections would contend on
		// the file lock and fall back to busy_timeout's sleep-and-retry,
		// which is unfair and can time out under load; one connection
		// makes database/sql queue writers in Go, in order, and honour
		// each caller's context while it waits.
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxLifetime(0)
		w.SetConnMaxIdleTime(0)
		s.w = w
		if err := w.PingContext(ctx); err != nil {
			return s.errorf("open", err)
		}
		if err := s.migrate(ctx, len(migrations)); err != nil {
			return err
		}
	}
	immutable := false
	if s.readOnly {
		var err error
		if immutable, err = s.needsImmutable(); err != nil {
			return s.errorf("open", err)
		}
	}
	r, err := sql.Open("sqlite", s.dsn(false, immutable))
	if err != nil {
		return s.errorf("open", err)
	}
	// Readers never block the writer in WAL mode, and the writer never
	// blocks them, so reads get their own small pool.
	r.SetMaxOpenConns(readConns)
	r.SetMaxIdleConns(readConns)
	r.SetConnMaxIdleTime(0)
	r.SetConnMaxLifetime(0)
	s.r = r
	if err := r.PingContext(ctx); err != nil {
		return s.errorf("open", err)
	}
	if s.readOnly {
		return s.checkVersion(ctx)
	}
	return nil
}

// checkDir refuses, before anything is created, a path whose directory is
// missing or not a directory.
func (s *Store) checkDir() error {
	dir := filepath.Dir(s.path)
	fi, err := os.Stat(dir)
	switch {
	case err != nil:
		return s.errorf("open", fmt.Errorf("directory %s: %w", dir, err))
	case !fi.IsDir():
		return s.errorf("open", fmt.Errorf("%s is not a directory", dir))
	}
	return nil
}

// checkHeader refuses, before SQLite touches anything, a file that is not
// SQLite. It reads through the held descriptor (see filelock.go).
func (s *Store) checkHeader() error {
	head, err := s.lock.header(len(sqliteHeader))
	switch {
	case err != nil:
		return s.errorf("open", err)
	case len(head) == 0:
		// An empty file is what SQLite itself makes of a new database.
		return nil
	case !bytes.Equal(head, []byte(sqliteHeader)):
		return s.errorf("open", fmt.Errorf("%w: the file is not an SQLite database (left untouched; pass the database with --db, not a worklist)", ErrNotStore))
	}
	return nil
}

// needsImmutable decides how a read-only open reads a WAL database. SQLite
// needs the -shm file (the WAL index) to read, and creates it when it is
// missing; in a folder this user cannot write it cannot, and the open
// fails. When no -wal file is there either, nothing is pending outside the
// main file, so the file is read as immutable (no -shm, no locks). The one
// risk, accepted for a read-only folder: a writer with more rights than
// this user starting while we read.
func (s *Store) needsImmutable() (bool, error) {
	if s.quiet {
		if fi, err := os.Stat(s.path + "-wal"); errors.Is(err, fs.ErrNotExist) || (err == nil && fi.Size() == 0) {
			return true, nil
		}
	}
	if fileExists(s.path + "-shm") {
		return false, nil
	}
	dir := filepath.Dir(s.path)
	if writable(dir) == nil {
		return false, nil
	}
	if fi, err := os.Stat(s.path + "-wal"); err == nil && fi.Size() > 0 {
		return false, fmt.Errorf("%w: the folder %s is read-only for this user and the store has writes pending in %s that only a writable folder lets SQLite read: open it once where the folder is writable (for example copy the .cxr.db and its -wal file elsewhere)",
			ErrReadOnlyStore, dir, filepath.Base(s.path)+"-wal")
	}
	return true, nil
}

// dsn builds the URI for one pool. A "file:" URI (not a plain name) so that
// SQLite honours mode=ro/rwc; the underscore keys are the driver's.
//
// synchronous=FULL, not NORMAL: under WAL, NORMAL does not fsync the WAL on
// commit (only at checkpoints), so a transaction that returned can still be
// lost to a power cut or an OS crash. Verdicts are a person's work that the
// UI has reported as saved: each commit must reach the disk before we return.
// FULL costs one fsync per write transaction, which is nothing next to the
// time a reviewer takes per verdict (docs/performance.md, "Store
// choices"); results share one commit per group (Batcher).
func (s *Store) dsn(write, immutable bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", s.busy.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	switch {
	case s.readOnly:
		q.Set("mode", "ro")
		if immutable {
			q.Set("immutable", "1")
		}
	case write:
		q.Set("mode", "rwc")
		// journal_mode=WAL is set by migrate once the file is known to
		// be ours: it rewrites the header, and a foreign file must stay
		// untouched.
		q.Add("_pragma", "synchronous(FULL)")
		// BEGIN IMMEDIATE takes the write lock at the start of the
		// transaction, so a writer in another process makes us wait in
		// busy_timeout instead of failing mid-transaction.
		q.Set("_txlock", "immediate")
	default:
		q.Set("mode", "rw")
		q.Add("_pragma", "query_only(1)")
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(s.path), RawQuery: q.Encode()}
	if !strings.HasPrefix(u.Path, "/") {
		u.Path = "/" + u.Path // Windows drive letters: file:///C:/...
	}
	return u.String()
}

// setWAL switches the file to the WAL journal (persistent in the file):
// readers then never block the writer nor the writer them. Changing the
// journal mode needs the file to itself for a moment, and SQLite does not
// wait in busy_timeout for that, so a process opening the store while
// another one does is retried here, up to the busy timeout.
func (s *Store) setWAL(ctx context.Context) error {
	deadline := time.Now().Add(s.busy)
	for {
		var mode string
		err := s.w.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode)
		if err == nil {
			if !strings.EqualFold(mode, "wal") {
				// WAL needs shared memory; some network file systems refuse it.
				return s.errorf("open", fmt.Errorf("cannot use the WAL journal (got %q): put the database on a local disk", mode))
			}
			return nil
		}
		if !errors.Is(s.explain(err), ErrLocked) || time.Now().After(deadline) {
			return s.errorf("open: set WAL journal", err)
		}
		select {
		case <-ctx.Done():
			return s.errorf("open: set WAL journal", ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}
