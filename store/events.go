package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// AppendEvent appends e to the event log (the audit trail, never rewritten)
// and returns it with ID and At (when zero) assigned. Kind must be set and
// Data, when set, must be valid JSON.
func (s *Store) AppendEvent(ctx context.Context, e audit.Event) (audit.Event, error) {
	op := fmt.Sprintf("append %q event", e.Kind)
	switch {
	case e.Kind == "":
		return audit.Event{}, s.errorf(op, invalid("Kind", "empty"))
	case e.Data != "" && !json.Valid([]byte(e.Data)):
		return audit.Event{}, s.errorf(op, invalid("Data", "not valid JSON"))
	}
	e.At = s.stamp(e.At)
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		var err error
		e.ID, err = insertEventID(ctx, tx, e)
		return err
	})
	if err != nil {
		return audit.Event{}, s.errorf(op, err)
	}
	return e, nil
}

func insertEvent(ctx context.Context, tx *sql.Tx, e audit.Event) error {
	_, err := insertEventID(ctx, tx, e)
	return err
}

func insertEventID(ctx context.Context, tx *sql.Tx, e audit.Event) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO events (at, kind, item_id, annotator, data) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		formatTime(e.At), e.Kind, e.ItemID, e.Annotator, e.Data).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("append %q event: %w", e.Kind, err)
	}
	return id, nil
}

// Events returns up to limit events with ID greater than afterID, oldest
// first (limit <= 0 means all). Page through the log by passing the last ID
// seen as afterID.
func (s *Store) Events(ctx context.Context, afterID int64, limit int) ([]audit.Event, error) {
	if limit <= 0 {
		limit = math.MaxInt32 // no limit, in a form both back ends accept
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, at, kind, item_id, annotator, data FROM events
		WHERE id > $1 ORDER BY id LIMIT $2`, afterID, limit)
	if err != nil {
		return nil, s.errorf("events", err)
	}
	defer rows.Close()
	var out []audit.Event
	for rows.Next() {
		var (
			e  audit.Event
			at string
		)
		if err := rows.Scan(&e.ID, &at, &e.Kind, &e.ItemID, &e.Annotator, &e.Data); err != nil {
			return nil, s.errorf("events", err)
		}
		if e.At, err = parseTime(at); err != nil {
			return nil, s.errorf("events", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("events", err)
	}
	return out, nil
}
