package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
)

// migrationFS holds the schema migrations, one file per version, applied in
// order: migrations/0001_*.sql brings a new SQLite file to version 1,
// 0002_*.sql version 1 to 2, and so on; migrations/postgres/ holds the same
// steps for PostgreSQL, version for version (a store at version N has the
// same tables and columns on both). Released migrations are never edited;
// a change is a new file in both folders.
//
//go:embed migrations/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

// migration is one step of the schema.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations (SQLite) and postgresMigrations are the ordered lists; their
// length, the same, is the current version.
var (
	migrations         = loadMigrations("migrations")
	postgresMigrations = loadMigrations("migrations/postgres")
)

func init() {
	if len(migrations) != len(postgresMigrations) {
		panic(fmt.Sprintf("store: %d SQLite migrations but %d PostgreSQL ones", len(migrations), len(postgresMigrations)))
	}
}

func loadMigrations(dir string) []migration {
	names, err := fs.Glob(migrationFS, dir+"/*.sql")
	if err != nil {
		panic(err) // embedded at build time: cannot fail at run time
	}
	sort.Strings(names)
	out := make([]migration, 0, len(names))
	for i, n := range names {
		b, err := migrationFS.ReadFile(n)
		if err != nil {
			panic(err)
		}
		var v int
		if _, err := fmt.Sscanf(path.Base(n), "%04d_", &v); err != nil || v != i+1 {
			panic(fmt.Sprintf("store: migration %s out of sequence (want version %d)", n, i+1))
		}
		out = append(out, migration{version: v, name: path.Base(n), sql: string(b)})
	}
	return out
}

// SchemaVersion is the schema version this build writes and expects.
func SchemaVersion() int { return len(migrations) }

// migrate brings the store up to version target (migrateSQLite,
// migratePostgres).
func (s *Store) migrate(ctx context.Context, target int) error {
	if s.dialect.postgres {
		return s.migratePostgres(ctx, target)
	}
	return s.migrateSQLite(ctx, target)
}

// migrateSQLite brings the database up to version target, in one transaction
// started with BEGIN IMMEDIATE (the write connection's _txlock), so that of
// several processes opening the same store at once exactly one migrates
// and the others, waiting in busy_timeout for the write lock, re-read the
// version inside their own transaction and find nothing left to do. A crash
// leaves the earlier version whole. It refuses a newer database and a
// SQLite file that is not ours.
func (s *Store) migrateSQLite(ctx context.Context, target int) error {
	// A first look, outside any transaction, only so that a foreign file
	// is refused before setWAL rewrites its header. The decision to
	// migrate is taken again below, under the write lock.
	version, appID, tables, err := inspect(ctx, s.w)
	if err != nil {
		return s.errorf("open", err)
	}
	if err := s.checkIdentity(version, appID, tables); err != nil {
		return err
	}
	if version >= target {
		return nil
	}
	if err := s.setWAL(ctx); err != nil {
		return err
	}
	var applied []migration
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		version, appID, tables, err := inspect(ctx, tx)
		if err != nil {
			return err
		}
		if err := s.checkIdentity(version, appID, tables); err != nil {
			return err
		}
		if version >= target {
			return nil // another process migrated while we waited
		}
		if version == 0 {
			if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", applicationID)); err != nil {
				return err
			}
		}
		for _, m := range s.dialect.migrations[version:target] {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("migrate to schema version %d (%s): %w", m.version, m.name, err)
			}
			applied = append(applied, m)
		}
		_, err = tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", target))
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

// checkVersion is the read-only counterpart of migrate: it refuses what
// migrate would refuse and a database that would need migrating.
func (s *Store) checkVersion(ctx context.Context) error {
	if s.noVersionCheck {
		return nil
	}
	inspectFn := inspect
	if s.dialect.postgres {
		inspectFn = inspectPostgres
	}
	version, appID, tables, err := inspectFn(ctx, s.r)
	if err != nil {
		return s.errorf("open", err)
	}
	if err := s.checkIdentity(version, appID, tables); err != nil {
		return err
	}
	if version < len(migrations) {
		return s.errorf("open", fmt.Errorf("%w: version %d, this build needs %d; open it once read-write (for example with `cxr-auditor run`) to upgrade it", ErrOlderSchema, version, len(migrations)))
	}
	return nil
}

func (s *Store) checkIdentity(version, appID, tables int) error {
	switch {
	case version > len(migrations):
		return s.errorf("open", fmt.Errorf("%w: the file has schema version %d, this build knows up to %d; use a newer cxr-auditor", ErrNewerSchema, version, len(migrations)))
	case version == 0 && tables > 0, version > 0 && appID != applicationID:
		if s.dialect.postgres {
			return s.errorf("open", fmt.Errorf("%w: the schema %s holds tables of another program (left untouched); give cxr-auditor an empty database, or a schema of its own (search_path=... in the URL)", ErrNotStore, "in use"))
		}
		return s.errorf("open", fmt.Errorf("%w: it is an SQLite database of another program (left untouched)", ErrNotStore))
	}
	return nil
}

// inspect reads the schema version, the application id and how many tables
// the database has, in one statement so that the three come from one
// snapshot (read one by one, another process's migration could commit in
// between and make a new store look like another program's).
func inspect(ctx context.Context, db rowQuerier) (version, appID, tables int, err error) {
	err = db.QueryRowContext(ctx, `SELECT
		(SELECT user_version FROM pragma_user_version),
		(SELECT application_id FROM pragma_application_id),
		(SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%')`).Scan(&version, &appID, &tables)
	return
}
