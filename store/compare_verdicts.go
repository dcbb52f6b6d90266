package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// SaveCompareVerdict appends v, a judgment of one difference between two
// runs, with a "compare_verdict" event in the same durable transaction,
// and returns it with ID and At (when zero) assigned. It becomes the
// current judgment of (ItemID, RunA, RunB, DifferenceKey, Annotator).
// ItemID, RunA, RunB, DifferenceKey and Annotator must be non-empty and
// Preference valid; an empty Label is taken from the key's first part.
func (s *Store) SaveCompareVerdict(ctx context.Context, v audit.CompareVerdict) (audit.CompareVerdict, error) {
	op := fmt.Sprintf("save compare verdict item %q", v.ItemID)
	switch {
	case v.ItemID == "":
		return v, s.errorf(op, invalid("ItemID", "empty"))
	case v.RunA == "" || v.RunB == "":
		return v, s.errorf(op, invalid("RunA/RunB", "empty"))
	case v.DifferenceKey == "":
		return v, s.errorf(op, invalid("DifferenceKey", "empty"))
	case v.Annotator == "":
		return v, s.errorf(op, invalid("Annotator", "empty"))
	case !v.Preference.Valid():
		return v, s.errorf(op, invalid("Preference", "%q is not one of a_right, b_right, both_right, both_wrong, unsure", v.Preference))
	}
	if v.Label == "" {
		label, _, _ := strings.Cut(v.DifferenceKey, "/")
		v.Label = schema.Label(label)
	}
	v.At, v.ID = s.stamp(v.At), 0
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO compare_verdicts (item_id, run_a, run_b, difference_key, label, preference, note, annotator, at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			v.ItemID, v.RunA, v.RunB, v.DifferenceKey, string(v.Label), string(v.Preference), v.Note, v.Annotator, formatTime(v.At)).Scan(&v.ID)
		if err != nil {
			return err
		}
		data, err := json.Marshal(map[string]any{"compare_verdict_id": v.ID, "run_a": v.RunA, "run_b": v.RunB,
			"difference_key": v.DifferenceKey, "preference": v.Preference, "note": v.Note})
		if err != nil {
			return err
		}
		return insertEvent(ctx, tx, audit.Event{At: v.At, Kind: "compare_verdict", ItemID: v.ItemID, Annotator: v.Annotator, Data: string(data)})
	})
	if err != nil {
		return audit.CompareVerdict{}, s.errorf(op, err)
	}
	return v, nil
}

// CompareVerdicts returns the current compare verdicts, one per (item,
// runs, difference, annotator), ordered by item, runs, difference and
// annotator.
func (s *Store) CompareVerdicts(ctx context.Context) ([]audit.CompareVerdict, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, item_id, run_a, run_b, difference_key, label, preference, note, annotator, at
		FROM compare_verdicts v WHERE v.undone = 0 AND NOT EXISTS (
			SELECT 1 FROM compare_verdicts v2 WHERE v2.item_id = v.item_id AND v2.run_a = v.run_a AND v2.run_b = v.run_b
				AND v2.difference_key = v.difference_key AND v2.annotator = v.annotator AND v2.undone = 0 AND v2.id > v.id)
		ORDER BY item_id, run_a, run_b, difference_key, annotator`)
	if err != nil {
		return nil, s.errorf("compare verdicts", err)
	}
	defer rows.Close()
	var out []audit.CompareVerdict
	for rows.Next() {
		var v audit.CompareVerdict
		var label, pref, at string
		if err := rows.Scan(&v.ID, &v.ItemID, &v.RunA, &v.RunB, &v.DifferenceKey, &label, &pref, &v.Note, &v.Annotator, &at); err != nil {
			return nil, s.errorf("compare verdicts", err)
		}
		v.Label, v.Preference = schema.Label(label), audit.Preference(pref)
		if v.At, err = parseTime(at); err != nil {
			return nil, s.errorf("compare verdicts", fmt.Errorf("compare verdict %d: field at: %w", v.ID, err))
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("compare verdicts", err)
	}
	return out, nil
}
