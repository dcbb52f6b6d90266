package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"testing"
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
