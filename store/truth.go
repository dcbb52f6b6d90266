package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// truthEventData is the payload of "truth_correction" and
// "truth_correction_undo" events.
type truthEventData struct {
	CorrectionID int64                  `json:"correction_id"`
	Action       audit.CorrectionAction `json:"action"`
	Label        schema.Label           `json:"label,omitempty"`
	Findings     []schema.Finding       `json:"findings"`
}

// SaveTruthCorrection appends c and returns it with ID and At (when zero)
// assigned, with a "truth_correction" event in the same durable
// transaction. c becomes its item's corrected truth. ItemID and Annotator
// must be set, Action valid; nil Findings are stored as [].
func (s *Store) SaveTruthCorrection(ctx context.Context, c audit.TruthCorrection) (audit.TruthCorrection, error) {
	op := fmt.Sprintf("save truth correction item %q", c.ItemID)
	switch {
	case c.ItemID == "":
		return c, s.errorf(op, invalid("ItemID", "empty"))
	case c.Annotator == "":
		return c, s.errorf(op, invalid("Annotator", "empty"))
	case !c.Action.Valid():
		return c, s.errorf(op, invalid("Action", "%q is not one of accept, remove, adjust", c.Action))
	}
	if c.Findings == nil {
		c.Findings = []schema.Finding{}
	}
	fs, err := json.Marshal(c.Findings)
	if err != nil {
		return c, s.errorf(op, err)
	}
	c.At = s.stamp(c.At)
	c.ID = 0
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO truth_corrections (item_id, action, label, findings, annotator, at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			c.ItemID, string(c.Action), string(c.Label), string(fs), c.Annotator, formatTime(c.At)).Scan(&c.ID)
		if err != nil {
			return err
		}
		data, err := json.Marshal(truthEventData{c.ID, c.Action, c.Label, c.Findings})
		if err != nil {
			return err
		}
		return insertEvent(ctx, tx, audit.Event{At: c.At, Kind: "truth_correction", ItemID: c.ItemID, Annotator: c.Annotator, Data: string(data)})
	})
	if err != nil {
		return audit.TruthCorrection{}, s.errorf(op, err)
	}
	return c, nil
}

const truthColumns = `id, item_id, action, label, findings, annotator, at`

// UndoLastTruthCorrection marks annotator's latest live correction undone
// and appends a "truth_correction_undo" event, in one durable transaction:
// its item's truth is the correction before, or the original. ok is false
// when annotator has nothing left to undo.
func (s *Store) UndoLastTruthCorrection(ctx context.Context, annotator string) (audit.TruthCorrection, bool, error) {
	op := fmt.Sprintf("undo last truth correction of %q", annotator)
	if annotator == "" {
		return audit.TruthCorrection{}, false, s.errorf(op, invalid("Annotator", "empty"))
	}
	var (
		c     audit.TruthCorrection
		found bool
	)
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		row := tx.QueryRowContext(ctx, `SELECT `+truthColumns+` FROM truth_corrections
			WHERE annotator = $1 AND undone = 0 ORDER BY id DESC LIMIT 1`+s.dialect.forUpdate, annotator)
		var err error
		c, err = scanCorrection(row)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		if _, err := tx.ExecContext(ctx, `UPDATE truth_corrections SET undone = 1 WHERE id = $1`, c.ID); err != nil {
			return err
		}
		data, err := json.Marshal(truthEventData{c.ID, c.Action, c.Label, c.Findings})
		if err != nil {
			return err
		}
		return insertEvent(ctx, tx, audit.Event{At: s.stamp(time.Time{}), Kind: "truth_correction_undo", ItemID: c.ItemID, Annotator: annotator, Data: string(data)})
	})
	if err != nil {
		return audit.TruthCorrection{}, false, s.errorf(op, err)
	}
	return c, found, nil
}

// CorrectedTruth calls fn with each corrected item's current correction
// (its latest live one, whoever made it), in item id order. An error from
// fn stops it and is returned.
func (s *Store) CorrectedTruth(ctx context.Context, fn func(audit.TruthCorrection) error) error {
	rows, err := s.r.QueryContext(ctx, `SELECT `+truthColumns+` FROM truth_corrections c
		WHERE c.undone = 0 AND NOT EXISTS (
			SELECT 1 FROM truth_corrections c2 WHERE c2.item_id = c.item_id AND c2.undone = 0 AND c2.id > c.id)
		ORDER BY item_id`)
	if err != nil {
		return s.errorf("corrected truth", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanCorrection(rows)
		if err != nil {
			return s.errorf("corrected truth", err)
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return s.errorf("corrected truth", err)
	}
	return nil
}

func scanCorrection(sc scanner) (audit.TruthCorrection, error) {
	var (
		c                     audit.TruthCorrection
		action, label, fs, at string
	)
	if err := sc.Scan(&c.ID, &c.ItemID, &action, &label, &fs, &c.Annotator, &at); err != nil {
		return c, err
	}
	c.Action, c.Label = audit.CorrectionAction(action), schema.Label(label)
	if err := json.Unmarshal([]byte(fs), &c.Findings); err != nil {
		return c, fmt.Errorf("truth correction %d: findings: %w", c.ID, err)
	}
	var err error
	c.At, err = parseTime(at)
	return c, err
}

// TruthCorrectionOf returns itemID's current correction (its latest live
// one, whoever made it); ok is false when its truth is uncorrected.
func (s *Store) TruthCorrectionOf(ctx context.Context, itemID string) (audit.TruthCorrection, bool, error) {
	row := s.r.QueryRowContext(ctx, `SELECT `+truthColumns+` FROM truth_corrections
		WHERE item_id = $1 AND undone = 0 ORDER BY id DESC LIMIT 1`, itemID)
	c, err := scanCorrection(row)
	if errors.Is(err, sql.ErrNoRows) {
		return audit.TruthCorrection{}, false, nil
	}
	if err != nil {
		return audit.TruthCorrection{}, false, s.errorf(fmt.Sprintf("truth correction of %q", itemID), err)
	}
	return c, true, nil
}
