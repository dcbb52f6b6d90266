package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
)

// migrationFS holds the schema migrations, one file per version, applied in
// order: migrations/0001_*.sql brings a new file to version 1, 0002_*.sql
// version 1 to 2, and so on. Released migrations are never edited; a change
// is a new file.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one step of the schema.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations is the ordered list; its length is the current version.
var migrations = loadMigrations()

func loadMigrations() []migration {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
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

// migrate brings the database up to version target, one transaction per
// migration (so a crash leaves a consistent earlier version). It refuses a
// newer database and a SQLite file that is not ours.
func (s *Store) migrate(ctx context.Context, target int) error {
	version, appID, tables, err := s.inspect(ctx, s.w)
	if err != nil {
		return s.errorf("open", s.explainOpen(err))
	}
	if err := s.checkIdentity(version, appID, tables); err != nil {
		return err
	}
	if err := s.setWAL(ctx); err != nil {
		return err
	}
	for _, m := range migrations[version:target] {
		err := s.writeTx(ctx, func(tx *sql.Tx) error {
			if m.version == 1 {
				if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", applicationID)); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version))
			return err
		})
		if err != nil {
			return s.errorf(fmt.Sprintf("migrate to schema version %d (%s)", m.version, m.name), err)
		}
	}
	return nil
}

// checkVersion is the read-only counterpart of migrate: it refuses what
// migrate would refuse and a database that would need migrating.
func (s *Store) checkVersion(ctx context.Context) error {
	version, appID, tables, err := s.inspect(ctx, s.r)
	if err != nil {
		return s.errorf("open", s.explainOpen(err))
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
		return s.errorf("open", fmt.Errorf("%w: it is an SQLite database of another program (left untouched)", ErrNotStore))
	}
	return nil
}

// inspect reads the schema version, the application id and how many tables
// the database has.
func (s *Store) inspect(ctx context.Context, db *sql.DB) (version, appID, tables int, err error) {
	if err = db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return
	}
	if err = db.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID); err != nil {
		return
	}
	err = db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").Scan(&tables)
	return
}
