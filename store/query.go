package store

import (
	"context"
	"database/sql"
)

// querier is what both *sql.DB and *sql.Tx offer for reading.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// rowQuerier is what *sql.DB, *sql.Conn and *sql.Tx offer for one row.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// readQuerier is querier and rowQuerier together.
type readQuerier interface {
	querier
	rowQuerier
}

// queryStrings returns the first column of every row.
func queryStrings(ctx context.Context, db querier, q string, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// closeRows closes rows and returns the first error of the iteration or
// of the close.
func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}

// Advisory lock classes (the first key of PostgreSQL's two-key
// pg_advisory_xact_lock, a space apart from the migration's one-key lock):
// they serialise, across processes, the transactions that must see each
// other's writes. SQLite's single writer serialises them already.
const (
	lockStudy = int32(0x43585201) // one study's assignment
	lockUnit  = int32(0x43585202) // the verdicts of one item, in a study
	lockRun   = int32(0x43585203) // Join of one shared run
	lockNames = int32(0x43585204) // the naming of runs
)

// lockKey takes the transaction-scoped lock (class, key) on PostgreSQL; a
// no-op on SQLite.
func (s *Store) lockKey(ctx context.Context, tx *sql.Tx, class int32, key string) error {
	if !s.dialect.postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1, hashtext($2))", class, key)
	return err
}
