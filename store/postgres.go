package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// postgresConns is the size of a PostgreSQL store's pool, shared by reads
// and writes: the server serialises what must be, so writers need not
// queue in Go as they do for SQLite's single writer.
const postgresConns = 8

// postgresApplication marks the schema table of a cxr-auditor store, as
// applicationID marks a SQLite file.
const postgresApplication = "cxr-auditor"

// migrateLockKey is the advisory lock (pg_advisory_xact_lock) under which
// a process migrates: of several starting at once, one migrates and the
// others wait, then find it done. ("CXRA" as a number, like applicationID.)
const migrateLockKey = int64(applicationID)

// openPostgres opens the PostgreSQL store at the URL dsn.
//
// Every connection commits durably (synchronous_commit=on, whatever the
// server's default), waits at most the busy timeout for a lock
// (lock_timeout), and, for ReadOnly, refuses writes in the server
// (default_transaction_read_only). The password never appears in Path or
// in an error.
func (s *Store) openPostgres(ctx context.Context, dsn string) error {
	return s.openPostgresAt(ctx, dsn, len(postgresMigrations))
}

// openPostgresAt is openPostgres migrating up to version target (tests make
// older stores with it).
func (s *Store) openPostgresAt(ctx context.Context, dsn string, target int) error {
	s.dialect = postgresDialect
	s.path = RedactURL(dsn)
	if u, err := url.Parse(dsn); err == nil {
		if p, ok := u.User.Password(); ok {
			s.secret = p
		}
		if p := u.Query().Get("password"); p != "" {
			s.secret = p
		}
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return s.errorf("open", fmt.Errorf("%w: not a PostgreSQL URL (postgres://user@host:5432/database?sslmode=require): %w", ErrInvalid, err))
	}
	if cfg.Password != "" {
		s.secret = cfg.Password // also from PGPASSWORD or ~/.pgpass
	}
	s.insecure = pgInsecure(cfg.Config)
	cfg.RuntimeParams["synchronous_commit"] = "on"
	cfg.RuntimeParams["lock_timeout"] = strconv.FormatInt(s.busy.Milliseconds(), 10)
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "cxr-auditor"
	}
	if s.readOnly {
		cfg.RuntimeParams["default_transaction_read_only"] = "on"
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(postgresConns)
	db.SetMaxIdleConns(postgresConns)
	s.r = db
	if err := db.PingContext(ctx); err != nil {
		return s.errorf("open", err)
	}
	if s.readOnly {
		return s.checkVersion(ctx)
	}
	s.w = db
	return s.migrate(ctx, target)
}

// migratePostgres brings the schema to version target in one transaction
// holding the migration advisory lock, re-reading the version under it.
func (s *Store) migratePostgres(ctx context.Context, target int) error {
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", migrateLockKey); err != nil {
			return err
		}
		version, appID, tables, err := inspectPostgres(ctx, tx)
		if err != nil {
			return err
		}
		if err := s.checkIdentity(version, appID, tables); err != nil {
			return err
		}
		if version >= target {
			return nil
		}
		if version == 0 {
			if _, err := tx.ExecContext(ctx, `CREATE TABLE cxr_schema (application text NOT NULL, version integer NOT NULL);
				INSERT INTO cxr_schema VALUES ('`+postgresApplication+`', 0)`); err != nil {
				return err
			}
		}
		for _, m := range s.dialect.migrations[version:target] {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("migrate to schema version %d (postgres/%s): %w", m.version, m.name, err)
			}
		}
		_, err = tx.ExecContext(ctx, "UPDATE cxr_schema SET version = $1", target)
		return err
	})
	if err != nil {
		if errors.Is(err, ErrNotStore) || errors.Is(err, ErrNewerSchema) {
			return err
		}
		return s.errorf("open: migrate", err)
	}
	return nil
}

// inspectPostgres reads the schema version, whether the schema table is
// ours (applicationID when it is) and how many tables the current schema
// has, like inspect for SQLite.
func inspectPostgres(ctx context.Context, db rowQuerier) (version, appID, tables int, err error) {
	var ours bool
	err = db.QueryRowContext(ctx, `SELECT to_regclass('cxr_schema') IS NOT NULL,
		(SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema())`).Scan(&ours, &tables)
	if err != nil || !ours {
		return 0, 0, tables, err
	}
	var app string
	if err = db.QueryRowContext(ctx, "SELECT application, version FROM cxr_schema").Scan(&app, &version); err != nil {
		return 0, 0, tables, err
	}
	if app == postgresApplication {
		appID = applicationID
	}
	return version, appID, tables, nil
}

// RedactURL returns location with any password replaced by "xxxxx" (in the
// user part and in a password= parameter); anything not a URL is returned
// as it is. Use it wherever a store location is printed.
func RedactURL(location string) string {
	u, err := url.Parse(location)
	if err != nil || u.Scheme == "" {
		if IsPostgres(location) {
			return "postgres://(unparsable URL, not shown)"
		}
		return location
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// pgInsecure reports whether a connection may travel beyond this machine
// without TLS: a host that is neither a Unix socket nor a loopback address,
// with sslmode disable, allow or prefer (the default), which fall back to
// plain text.
func pgInsecure(c pgconn.Config) bool {
	hosts := []struct {
		host string
		tls  bool
	}{{c.Host, c.TLSConfig != nil}}
	for _, f := range c.Fallbacks {
		hosts = append(hosts, struct {
			host string
			tls  bool
		}{f.Host, f.TLSConfig != nil})
	}
	for _, h := range hosts {
		if !h.tls && !localHost(h.host) {
			return true
		}
	}
	return false
}

// localHost reports whether host is this machine: a Unix socket directory,
// localhost or a loopback address.
func localHost(host string) bool {
	if strings.HasPrefix(host, "/") || strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// explainPostgres names the cause of a PostgreSQL error, as explain does
// for SQLite's, or returns nil when it has nothing to add.
func (s *Store) explainPostgres(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "53100":
			return fmt.Errorf("%w: the PostgreSQL server's disk is full: free space on it (or ask its administrator); this operation was not saved: %w", ErrDiskFull, err)
		case pe.Code == "25006":
			return fmt.Errorf("%w: the server refuses writes (a read-only session or a standby server): %w", ErrReadOnlyStore, err)
		case pe.Code == "42501":
			return fmt.Errorf("%w: the database user may not do this: GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA <schema> TO <user> (and USAGE on its sequences): %w", ErrReadOnlyStore, err)
		case pe.Code == "55P03":
			return fmt.Errorf("%w: waited %s for a lock another session holds (a long transaction, or a psql session in one): finish it, then try again: %w", ErrLocked, s.busy, err)
		case pe.Code == "3D000":
			return fmt.Errorf("the database does not exist: create it (createdb) or fix the URL: %w", err)
		case pe.Code == "28P01" || pe.Code == "28000":
			return fmt.Errorf("the server refused the login: check the user and the password (in the URL, PGPASSWORD or ~/.pgpass) and pg_hba.conf: %w", err)
		case strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57P"):
			return fmt.Errorf("the connection to the PostgreSQL server failed or the server is shutting down; nothing of this operation was saved: %w", err)
		}
		return nil
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return fmt.Errorf("cannot connect to the PostgreSQL server (is it running, may this machine connect in pg_hba.conf, is sslmode right?): %w", err)
	}
	return nil
}

// Insecure reports whether this store's connection may carry verdicts and
// report text unencrypted beyond this machine (PostgreSQL without TLS to a
// host that is not local). A SQLite store never is.
func (s *Store) Insecure() bool { return s.insecure }

// InsecureWarning is the warning to print once for an Insecure store, as
// for a plain-http model host; "" when it is not insecure.
func (s *Store) InsecureWarning() string {
	if !s.insecure {
		return ""
	}
	return fmt.Sprintf("warning: the store %s is reached WITHOUT TLS (sslmode disable, allow or prefer may fall back to plain text): "+
		"verdicts and report text (patient data) travel unencrypted; add sslmode=verify-full (or require) to the URL, or use an SSH tunnel to 127.0.0.1", s.path)
}

// RefusedRow is one worklist row PostgreSQL cannot store: a text field
// holds a NUL byte or bytes that are not UTF-8 (SQLite stores them as
// given).
type RefusedRow struct {
	ID     string
	Field  string
	Reason string
}

// RefusedRowsError is PutItems' report of the rows it skipped on
// PostgreSQL (the others are stored). It wraps ErrInvalid.
type RefusedRowsError struct{ Rows []RefusedRow }

func (e *RefusedRowsError) Error() string {
	r := e.Rows[0]
	msg := fmt.Sprintf("%v: item %q: field %s: %s", ErrInvalid, r.ID, r.Field, r.Reason)
	if len(e.Rows) > 1 {
		msg += fmt.Sprintf(" (and %d more rows)", len(e.Rows)-1)
	}
	return msg
}

func (e *RefusedRowsError) Unwrap() error { return ErrInvalid }

// pgRefuses says why PostgreSQL would refuse text v ("" when it would
// not): its text type holds UTF-8 without NUL bytes.
func pgRefuses(v string) string {
	if i := strings.IndexByte(v, 0); i >= 0 {
		return fmt.Sprintf("a NUL byte at byte %d, which PostgreSQL cannot store (SQLite can)", i)
	}
	if !utf8.ValidString(v) {
		i := 0
		for i < len(v) {
			r, n := utf8.DecodeRuneInString(v[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		return fmt.Sprintf("bytes that are not UTF-8 at byte %d, which PostgreSQL cannot store (SQLite can)", i)
	}
	return ""
}

// pgStorable splits items into those PostgreSQL can store and the rows it
// would refuse.
func pgStorable(items []audit.ItemRecord) ([]audit.ItemRecord, []RefusedRow) {
	var (
		ok      = items[:0:0]
		refused []RefusedRow
	)
	for _, it := range items {
		bad := false
		for _, f := range []struct{ name, v string }{{"id", it.ID}, {"image", it.Image}, {"draft", it.Draft}} {
			if why := pgRefuses(f.v); why != "" {
				refused = append(refused, RefusedRow{ID: it.ID, Field: f.name, Reason: why})
				bad = true
				break
			}
		}
		if !bad {
			ok = append(ok, it)
		}
	}
	return ok, refused
}
