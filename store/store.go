package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// readConns is the size of the read pool: enough for the TUI, the scheduler's
// cache probes and an export to read at once on a small machine.
const readConns = 4

// Store is an open cxr-auditor database. It is safe for concurrent use by
// many goroutines. Close it when done.
type Store struct {
	path     string
	readOnly bool
	now      func() time.Time
	busy     time.Duration // busy timeout
	dialect  *dialect
	// secret is the PostgreSQL password, scrubbed from every error;
	// insecure is set when the connection may travel without TLS.
	secret   string
	insecure bool
	// noVersionCheck: see skipVersionCheck.
	noVersionCheck bool
	// quiet: see leaveNoFiles.
	quiet bool
	// w is the single write connection (MaxOpenConns 1); nil when read-only.
	w *sql.DB
	// r is the read pool.
	r *sql.DB
	// lock is the process's hold on the database file (filelock.go).
	lock *fileLock
	// getStage is GetStage's query, prepared once on the read pool
	// (database/sql prepares it on each connection once): parsing it on
	// every call was most of a cache probe's time. A failed prepare is
	// tried again on the next call.
	stmtMu   sync.Mutex
	getStage *sql.Stmt
	closed   bool // under stmtMu: no statement is prepared after Close

	closeOnce sync.Once
	closeErr  error

	// lost is the first ErrStoreReplaced a write met (identity.go);
	// rescued counts the writes kept in the rescue file since.
	lost     atomic.Pointer[error]
	rescueMu sync.Mutex
	rescued  atomic.Int64
}

// Option configures Open.
type Option func(*options)

type options struct {
	now      func() time.Time
	readOnly bool
	busy     time.Duration
	// noVersionCheck lets a read-only open succeed at any schema version
	// (Diagnose reports it instead).
	noVersionCheck bool
	quiet          bool
}

// skipVersionCheck is the option of Diagnose.
func skipVersionCheck() Option {
	return func(o *options) { o.noVersionCheck = true }
}

// leaveNoFiles, with ReadOnly, reads a SQLite file that has no writes
// pending in its -wal as immutable, so that no -wal or -shm is created
// beside it (Diagnose: looking must not change the folder).
func leaveNoFiles() Option {
	return func(o *options) { o.quiet = true }
}

// WithClock makes the store timestamp verdicts, notes, events and records
// whose time is zero with now instead of time.Now (for deterministic tests
// and golden exports). Stored times are always UTC.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.now = now }
}

// WithBusyTimeout sets how long an operation waits for another program's
// write lock before failing with ErrLocked (default 10 s).
func WithBusyTimeout(d time.Duration) Option {
	return func(o *options) { o.busy = d }
}

// ReadOnly opens an existing database for reading only: a missing file is an
// error (wrapping fs.ErrNotExist) instead of being created, nothing is
// migrated (an older schema is ErrOlderSchema), and every write method fails.
// Use it for export and inspection.
func ReadOnly() Option {
	return func(o *options) { o.readOnly = true }
}

// DefaultPath returns where the database for a worklist lives by default:
// beside it, named after it, "<dir>/<base without extension>.cxr.db"
// ("/data/wl.csv" gives "/data/wl.cxr.db"). A worklist that is a directory
// keeps its whole name ("/data/cases" gives "/data/cases.cxr.db").
func DefaultPath(worklistPath string) string {
	p := filepath.Clean(worklistPath)
	base := filepath.Base(p)
	if fi, err := os.Stat(p); err != nil || !fi.IsDir() {
		base = strings.TrimSuffix(base, filepath.Ext(base))
	}
	if base == "" || base == "." || base == string(filepath.Separator) {
		base = "worklist"
	}
	return filepath.Join(filepath.Dir(p), base+".cxr.db")
}

// Open opens the database at path, creating it (and migrating it to the
// current schema) when needed. The directory must exist. A file that is not
// a cxr-auditor database is refused with ErrNotStore and left untouched; one
// from a newer version is refused with ErrNewerSchema.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.now == nil {
		o.now = time.Now
	}
	if o.busy <= 0 {
		o.busy = defaultBusyTimeout
	}
	if path == "" {
		return nil, fmt.Errorf("store: open: %w: field path: empty", ErrInvalid)
	}
	if IsPostgres(path) {
		s := &Store{readOnly: o.readOnly, now: o.now, busy: o.busy, noVersionCheck: o.noVersionCheck}
		if err := s.openPostgres(ctx, path); err != nil {
			s.Close()
			return nil, err
		}
		return s, nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store %s: open: %w", path, err)
	}
	s := &Store{path: abs, readOnly: o.readOnly, now: o.now, busy: o.busy, dialect: sqliteDialect, noVersionCheck: o.noVersionCheck, quiet: o.quiet}
	if err := s.openSQLite(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the database. Writes already returned are on disk. Close is
// safe to call more than once; other methods called after Close return an
// error.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		var errs []error
		s.stmtMu.Lock()
		s.closed = true
		if s.getStage != nil {
			errs = append(errs, s.getStage.Close())
		}
		s.stmtMu.Unlock()
		if s.r != nil {
			errs = append(errs, s.r.Close())
		}
		if s.w != nil && s.w != s.r {
			errs = append(errs, s.w.Close())
		}
		// The file lock goes last: its descriptor must outlive every
		// SQLite connection of the file (filelock.go).
		if s.lock != nil {
			errs = append(errs, s.lock.release())
		}
		if err := errors.Join(errs...); err != nil {
			s.closeErr = s.errorf("close", err)
		}
	})
	return s.closeErr
}

// Path returns the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// errorf wraps err as `store <path>: <op>: <err>`, with the cause named
// when SQLite's own words hide it (explain).
func (s *Store) errorf(op string, err error) error {
	err = fmt.Errorf("store %s: %s: %w", s.path, op, s.explain(err))
	if len(s.secret) >= 3 && strings.Contains(err.Error(), s.secret) {
		return scrubbed{err, s.secret}
	}
	return err
}

// scrubbed hides a password that a driver's message would show.
type scrubbed struct {
	err    error
	secret string
}

func (e scrubbed) Error() string { return strings.ReplaceAll(e.err.Error(), e.secret, "xxxxx") }
func (e scrubbed) Unwrap() error { return e.err }

// invalid returns an ErrInvalid naming the field.
func invalid(field, format string, args ...any) error {
	return fmt.Errorf("%w: field %s: %s", ErrInvalid, field, fmt.Sprintf(format, args...))
}

// writeTx runs fn in one write transaction on the single write connection and
// commits it (durably: synchronous=FULL).
func (s *Store) writeTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if s.readOnly || s.w == nil {
		return fmt.Errorf("%w: it was opened read-only", ErrReadOnlyStore)
	}
	// The file must be the one opened, before (refuse) and after (a
	// commit into a file deleted meanwhile is not saved) the commit.
	if err := s.sameFile(); err != nil {
		return err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	return s.sameFile()
}

// timeFormat is fixed-width so stored times sort as text.
const timeFormat = "2006-01-02T15:04:05.000000000Z07:00"

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}

// stamp returns t, or the store's clock when t is zero, in UTC.
func (s *Store) stamp(t time.Time) time.Time {
	if t.IsZero() {
		t = s.now()
	}
	return t.UTC()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
