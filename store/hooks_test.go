// Test-only access to internals, for the external store_test package.

package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// FillResults writes n synthetic results in one transaction, for benchmarks
// (PutResult would fsync n times).
func FillResults(tb testing.TB, s *Store, n int, report any) {
	tb.Helper()
	rep, err := json.Marshal(report)
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO results (item_id, grounding_key, draft_key, report, salvaged, error, updated_at) VALUES (?, ?, ?, ?, 0, '', ?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for i := range n {
			id := fmt.Sprintf("item-%06d", i)
			if _, err := st.ExecContext(ctx, id, "g-"+id, "d-"+id, string(rep), formatTime(s.now())); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// CreateAtVersion makes a new store at location (a SQLite path or a
// PostgreSQL URL) migrated only up to version, as an older cxr-auditor
// would have left it.
func CreateAtVersion(tb testing.TB, location string, version int) {
	tb.Helper()
	ctx := context.Background()
	if IsPostgres(location) {
		s := &Store{busy: defaultBusyTimeout, now: time.Now}
		if err := s.openPostgresAt(ctx, location, version); err != nil {
			tb.Fatal(err)
		}
		s.Close()
		return
	}
	s := &Store{path: location, now: time.Now, busy: defaultBusyTimeout, dialect: sqliteDialect}
	w, err := sql.Open("sqlite", s.dsn(true, false))
	if err != nil {
		tb.Fatal(err)
	}
	w.SetMaxOpenConns(1)
	s.w = w
	defer w.Close()
	if err := s.migrate(ctx, version); err != nil {
		tb.Fatal(err)
	}
}

// WriterPragma reads a PRAGMA on the store's write connection (per-connection
// settings such as synchronous cannot be seen from another connection).
func WriterPragma(tb testing.TB, s *Store, name string) string {
	tb.Helper()
	var v string
	if err := s.w.QueryRow("PRAGMA " + name).Scan(&v); err != nil {
		tb.Fatal(err)
	}
	return v
}

// ReaderPragma reads a PRAGMA on the read pool.
func ReaderPragma(tb testing.TB, s *Store, name string) string {
	tb.Helper()
	var v string
	if err := s.r.QueryRow("PRAGMA " + name).Scan(&v); err != nil {
		tb.Fatal(err)
	}
	return v
}

// FillRun stores what a batch run of n items leaves behind: the worklist
// rows, two stage records and a result per item (stage and result made by
// mk), in transactions of 10,000 items, for benchmarks at scale.
func FillRun(tb testing.TB, s *Store, n int, mk func(i int) (audit.ItemRecord, []audit.StageRecord, audit.ResultRecord)) {
	tb.Helper()
	ctx := context.Background()
	for start := 0; start < n; start += 10_000 {
		err := s.writeTx(ctx, func(sqlTx *sql.Tx) error {
			tx := newRecordTx(sqlTx)
			for i := start; i < min(n, start+10_000); i++ {
				it, stages, res := mk(i)
				if _, err := tx.ExecContext(ctx, `INSERT INTO items (id, image, draft, seq) VALUES (?, ?, ?, ?)`, it.ID, it.Image, it.Draft, it.Seq); err != nil {
					return err
				}
				if err := s.putOutcomeTx(ctx, tx, stages, res); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
}
