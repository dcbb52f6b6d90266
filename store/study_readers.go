package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// AddStudyReader adds reader to the study's readers, after the others:
// items assigned from now on (AssignStudy) count them in the rule, and a
// departed reader's items may go to them (DepartStudyReader). It is a
// study_reader_changes row and a "study_reader_add" event by by, in one
// durable transaction; a name that is already a member, or departed, is
// ErrInvalid.
func (s *Store) AddStudyReader(ctx context.Context, name, reader, by, why string) error {
	op := fmt.Sprintf("study %q: add reader %q", name, reader)
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockKey(ctx, tx, lockStudy, name); err != nil {
			return err
		}
		return s.addReaderTx(ctx, tx, name, reader, by, why)
	})
	if err != nil {
		return s.errorf(op, err)
	}
	return nil
}

func (s *Store) addReaderTx(ctx context.Context, tx *sql.Tx, name, reader, by, why string) error {
	if _, err := readStudy(ctx, tx, name); err != nil {
		return err
	}
	if strings.TrimSpace(reader) == "" {
		return invalid("reader", "give the new reader's name")
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM study_members WHERE study = $1 AND annotator = $2`, name, reader).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return invalid("reader", "%q is already a member of study %s (or has departed from it)", reader, name)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO study_members (study, annotator, role, position)
		VALUES ($1, $2, 'reader', (SELECT coalesce(max(position) + 1, 0) FROM study_members WHERE study = $1 AND role = 'reader'))`,
		name, reader); err != nil {
		return err
	}
	return s.readerChange(ctx, tx, name, "add", reader, nil, by, why)
}

// readerChange records one addition or departure: a study_reader_changes
// row and an event.
func (s *Store) readerChange(ctx context.Context, tx *sql.Tx, name, kind, reader string, successors []string, by, why string) error {
	at := s.stamp(time.Time{})
	if _, err := tx.ExecContext(ctx, `INSERT INTO study_reader_changes (study, kind, annotator, successors, by_whom, detail, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, name, kind, reader, strings.Join(successors, ","), by, why, formatTime(at)); err != nil {
		return err
	}
	data, err := json.Marshal(map[string]any{"study": name, "reader": reader, "successors": successors, "detail": why})
	if err != nil {
		return err
	}
	return insertEvent(ctx, tx, audit.Event{At: at, Kind: "study_reader_" + kind, Annotator: by, Data: string(data)})
}

// DepartStudyReader records that reader has left the study. Each item
// they had not given a verdict on goes to one of to, in turn (skipping one
// who already reads the item); a name in to that is not a member yet is
// added as a reader first (a replacement). From then on the departed
// reader's verdicts in the study are refused, and they count only on the
// items they had read. It returns the items moved, in study order. All of
// it is one durable transaction.
func (s *Store) DepartStudyReader(ctx context.Context, name, reader string, to []string, by, why string) ([]string, error) {
	op := fmt.Sprintf("study %q: reader %q departs", name, reader)
	var moved []string
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		moved = nil
		if err := s.lockKey(ctx, tx, lockStudy, name); err != nil {
			return err
		}
		st, err := readStudy(ctx, tx, name)
		if err != nil {
			return err
		}
		if !slices.Contains(st.Readers, reader) {
			return invalid("reader", "%q is not a reader of study %s: its readers are %s", reader, name, strings.Join(st.Readers, ", "))
		}
		if len(to) == 0 || slices.Contains(to, reader) {
			return invalid("to", "name the readers who take %s's unread items (not %s)", reader, reader)
		}
		for _, r := range to {
			if !slices.Contains(st.Readers, r) {
				if err := s.addReaderTx(ctx, tx, name, r, by, "replaces "+reader); err != nil {
					return err
				}
			}
		}
		if moved, err = s.moveUnread(ctx, tx, name, reader, to); err != nil {
			return err
		}
		return s.readerChange(ctx, tx, name, "depart", reader, to, by, why)
	})
	if err != nil {
		return nil, s.errorf(op, err)
	}
	return moved, nil
}

// moveUnread gives each item reader has not read to the next of to who
// does not already read it.
func (s *Store) moveUnread(ctx context.Context, tx *sql.Tx, name, reader string, to []string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT si.item_id, si.position
		FROM study_items si WHERE si.study = $1 AND si.reader = $2
		AND NOT EXISTS (SELECT 1 FROM verdicts v WHERE v.study = si.study AND v.item_id = si.item_id
			AND v.annotator = si.reader AND v.undone = 0)
		ORDER BY si.position, si.item_id`, name, reader)
	if err != nil {
		return nil, err
	}
	type unread struct {
		id  string
		pos int
	}
	var items []unread
	for rows.Next() {
		var u unread
		if err := rows.Scan(&u.id, &u.pos); err != nil {
			rows.Close()
			return nil, err
		}
		items = append(items, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var moved []string
	next := 0
	for _, it := range items {
		have, err := queryStrings(ctx, tx, `SELECT reader FROM study_items WHERE study = $1 AND item_id = $2`, name, it.id)
		if err != nil {
			return nil, err
		}
		taker := ""
		for k := range to {
			if r := to[(next+k)%len(to)]; !slices.Contains(have, r) {
				taker, next = r, (next+k+1)%len(to)
				break
			}
		}
		if taker == "" {
			return nil, invalid("to", "every reader named (%s) already reads item %q: name another", strings.Join(to, ", "), it.id)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO study_items (study, item_id, position, reader) VALUES ($1, $2, $3, $4)`,
			name, it.id, it.pos, taker); err != nil {
			return nil, fmt.Errorf("item %q: %w", it.id, err)
		}
		moved = append(moved, it.id)
	}
	return moved, nil
}
