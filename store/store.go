package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
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
)

// applicationID tags our database files in the SQLite header ("CXRA"), so a
// SQLite file of another program is recognised and left alone.
const applicationID = 0x43585241

// sqliteHeader is the first 16 bytes of every SQLite 3 database file.
const sqliteHeader = "SQLite format 3\x00"

// readConns is the size of the read pool: enough for the TUI, the scheduler's
// cache probes and an export to read at once on a small machine.
const readConns = 4

// Store is an open cxr-auditor database. It is safe for concurrent use by
// many goroutines. Close it when done.
type Store struct {
	path     string
	readOnly bool
	now      func() time.Time
	// w is the single write connection (MaxOpenConns 1); nil when read-only.
	w *sql.DB
	// r is the read pool.
	r *sql.DB

	closeOnce sync.Once
	closeErr  error
}

// Option configures Open.
type Option func(*options)

type options struct {
	now      func() time.Time
	readOnly bool
}

// WithClock makes the store timestamp verdicts, notes, events and records
// whose time is zero with now instead of time.Now (for deterministic tests
// and golden exports). Stored times are always UTC.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.now = now }
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
	if path == "" {
		return nil, fmt.Errorf("store: open: %w: field path: empty", ErrInvalid)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store %s: open: %w", path, err)
	}
	s := &Store{path: abs, readOnly: o.readOnly, now: o.now}
	if err := s.checkFile(); err != nil {
		return nil, err
	}
	if err := s.open(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// checkFile refuses, before SQLite touches anything, a path whose directory
// is missing or not a directory, and an existing file that is not SQLite.
func (s *Store) checkFile() error {
	dir := filepath.Dir(s.path)
	fi, err := os.Stat(dir)
	switch {
	case err != nil:
		return s.errorf("open", fmt.Errorf("directory %s: %w", dir, err))
	case !fi.IsDir():
		return s.errorf("open", fmt.Errorf("%s is not a directory", dir))
	}
	f, err := os.Open(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		if s.readOnly {
			return s.errorf("open", fmt.Errorf("database does not exist: %w", err))
		}
		return nil
	}
	if err != nil {
		return s.errorf("open", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return s.errorf("open", fmt.Errorf("%w: it is a directory", ErrNotStore))
	}
	head := make([]byte, len(sqliteHeader))
	n, err := io.ReadFull(f, head)
	switch {
	case n == 0 && (err == io.EOF):
		// An empty file is what SQLite itself makes of a new database.
		return nil
	case err != nil && !errors.Is(err, io.ErrUnexpectedEOF):
		return s.errorf("open", err)
	case !bytes.Equal(head[:n], []byte(sqliteHeader)):
		return s.errorf("open", fmt.Errorf("%w: the file is not an SQLite database (left untouched; pass the database with --db, not a worklist)", ErrNotStore))
	}
	return nil
}

// dsn builds the URI for one pool. A "file:" URI (not a plain name) so that
// SQLite honours mode=ro/rwc; the underscore keys are the driver's.
//
// synchronous=FULL, not NORMAL: under WAL, NORMAL does not fsync the WAL on
// commit (only at checkpoints), so a transaction that returned can still be
// lost to a power cut or an OS crash. Verdicts are a person's work that the
// UI has reported as saved: each commit must reach the disk before we return.
// FULL costs one fsync per write transaction, which is nothing next to the
// time a reviewer takes per verdict (see BenchmarkSaveVerdict).
func (s *Store) dsn(write bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	switch {
	case s.readOnly:
		q.Set("mode", "ro")
	case write:
		q.Set("mode", "rwc")
		// journal_mode=WAL is set by open once the file is known to be
		// ours: it rewrites the header, and a foreign file must stay
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

func (s *Store) open(ctx context.Context) error {
	if !s.readOnly {
		w, err := sql.Open("sqlite", s.dsn(true))
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
			return s.errorf("open", s.explainOpen(err))
		}
		if err := s.migrate(ctx, len(migrations)); err != nil {
			return err
		}
	}
	r, err := sql.Open("sqlite", s.dsn(false))
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
		return s.errorf("open", s.explainOpen(err))
	}
	if s.readOnly {
		return s.checkVersion(ctx)
	}
	return nil
}

// setWAL switches the file to the WAL journal (persistent in the file):
// readers then never block the writer nor the writer them.
func (s *Store) setWAL(ctx context.Context) error {
	var mode string
	if err := s.w.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err != nil {
		return s.errorf("open: set WAL journal", s.explainOpen(err))
	}
	if !strings.EqualFold(mode, "wal") {
		// WAL needs shared memory; some network file systems refuse it.
		return s.errorf("open", fmt.Errorf("cannot use the WAL journal (got %q): put the database on a local disk", mode))
	}
	return nil
}

// explainOpen turns SQLite's terse open failures into advice.
func (s *Store) explainOpen(err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "SQLITE_NOTADB") || strings.Contains(msg, "not a database"):
		return fmt.Errorf("%w: %v", ErrNotStore, err)
	case strings.Contains(msg, "SQLITE_CANTOPEN") || strings.Contains(msg, "unable to open"):
		return fmt.Errorf("cannot open or create the file (is %s writable?): %w", filepath.Dir(s.path), err)
	case strings.Contains(msg, "SQLITE_READONLY") || strings.Contains(msg, "readonly"):
		return fmt.Errorf("the file or its directory is read-only: %w", err)
	}
	return err
}

// Close closes the database. Writes already returned are on disk. Close is
// safe to call more than once; other methods called after Close return an
// error.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		var errs []error
		if s.r != nil {
			errs = append(errs, s.r.Close())
		}
		if s.w != nil {
			errs = append(errs, s.w.Close())
		}
		if err := errors.Join(errs...); err != nil {
			s.closeErr = s.errorf("close", err)
		}
	})
	return s.closeErr
}

// Path returns the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// errorf wraps err as `store <path>: <op>: <err>`.
func (s *Store) errorf(op string, err error) error {
	return fmt.Errorf("store %s: %s: %w", s.path, op, err)
}

// invalid returns an ErrInvalid naming the field.
func invalid(field, format string, args ...any) error {
	return fmt.Errorf("%w: field %s: %s", ErrInvalid, field, fmt.Sprintf(format, args...))
}

// writeTx runs fn in one write transaction on the single write connection and
// commits it (durably: synchronous=FULL).
func (s *Store) writeTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if s.readOnly || s.w == nil {
		return errors.New("the store is open read-only")
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
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
