package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// validDecisions lists the decisions for error messages.
const validDecisions = "image_right, draft_right, both_wrong, unsure"

// validTriage lists the decisions on a truth error for error messages.
const validTriage = "model_wrong, truth_wrong, ambiguous, unsure"

// verdictEventData is the payload of "verdict" and "undo" events.
type verdictEventData struct {
	VerdictID       int64          `json:"verdict_id"`
	DisagreementKey string         `json:"disagreement_key"`
	Label           schema.Label   `json:"label,omitempty"`
	Kind            audit.Kind     `json:"kind,omitempty"`
	Decision        audit.Decision `json:"decision"`
	Study           string         `json:"study,omitempty"`
	Role            audit.Role     `json:"role,omitempty"`
	Session         string         `json:"session,omitempty"`
}

// SaveVerdict appends v and returns it with ID and At (when zero) assigned.
// It also appends a "verdict" event in the same transaction, and it is on
// disk when it returns. v becomes the current verdict for (ItemID,
// DisagreementKey, Annotator, Study), replacing any earlier one. ItemID,
// DisagreementKey and Annotator must be non-empty and Decision valid; an
// empty Label or Kind is filled from a "label/kind" DisagreementKey.
//
// A verdict with a Study is given in that study: its Role is set from the
// annotator's membership (a non-member is ErrInvalid), a closed study
// refuses it (ErrStudyClosed), a reader may judge only the items
// assigned to them, and an adjudicator only a unit the readers dispute
// (ErrNotDisputed): agreed units are never overridden.
func (s *Store) SaveVerdict(ctx context.Context, v audit.Verdict) (audit.Verdict, error) {
	op := fmt.Sprintf("save verdict item %q", v.ItemID)
	switch {
	case v.ItemID == "":
		return audit.Verdict{}, s.errorf(op, invalid("ItemID", "empty"))
	case v.DisagreementKey == "":
		return audit.Verdict{}, s.errorf(op, invalid("DisagreementKey", "empty"))
	case v.Annotator == "":
		return audit.Verdict{}, s.errorf(op, invalid("Annotator", "empty"))
	case audit.IsTruthKey(v.DisagreementKey) && !v.Decision.ValidFor(v.DisagreementKey):
		return audit.Verdict{}, s.errorf(op, invalid("Decision", "%q is not one of %s (a truth error's)", v.Decision, validTriage))
	case !v.Decision.ValidFor(v.DisagreementKey):
		return audit.Verdict{}, s.errorf(op, invalid("Decision", "%q is not one of %s", v.Decision, validDecisions))
	}
	if label, kind, ok := strings.Cut(strings.TrimPrefix(v.DisagreementKey, "truth:"), "/"); ok {
		if v.Label == "" {
			v.Label = schema.Label(label)
		}
		if v.Kind == "" {
			kind, _, _ = strings.Cut(kind, "/") // a truth error's key goes on: "/t0/p1"
			v.Kind = audit.Kind(kind)
		}
	}
	v.At = s.stamp(v.At)
	v.ID = 0
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		// Studies holding the item log the unit's change of state.
		watch, err := s.watchUnit(ctx, tx, v.ItemID, v.DisagreementKey)
		if err != nil {
			return err
		}
		if v.Role, err = checkStudyVerdict(ctx, tx, watch, v); err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO verdicts (item_id, disagreement_key, label, kind, decision, annotator, at, study, role, session)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			v.ItemID, v.DisagreementKey, string(v.Label), string(v.Kind), string(v.Decision), v.Annotator, formatTime(v.At),
			v.Study, string(v.Role), v.Session).Scan(&v.ID)
		if err != nil {
			return err
		}
		data, err := json.Marshal(verdictEventData{v.ID, v.DisagreementKey, v.Label, v.Kind, v.Decision, v.Study, v.Role, v.Session})
		if err != nil {
			return err
		}
		if err := insertEvent(ctx, tx, audit.Event{At: v.At, Kind: "verdict", ItemID: v.ItemID, Annotator: v.Annotator, Data: string(data)}); err != nil {
			return err
		}
		return finishUnit(ctx, tx, watch, v.Annotator, v.At)
	})
	if err != nil {
		return audit.Verdict{}, s.errorf(op, s.rescue(err, Rescued{Kind: "verdict", Verdict: v}))
	}
	return v, nil
}

// UndoLastVerdict marks annotator's most recent live verdict undone and
// appends an "undo" event, in one durable transaction. The verdict it
// replaced for the same disagreement (if any) becomes current again; calling
// it again undoes the one before. It returns the undone verdict, or ok false
// when annotator has nothing left to undo.
func (s *Store) UndoLastVerdict(ctx context.Context, annotator string) (audit.Verdict, bool, error) {
	return s.UndoSessionVerdict(ctx, annotator, "")
}

// UndoSessionVerdict is UndoLastVerdict limited to the verdicts given in
// session (audit.Verdict.Session): the same annotator working in two
// sessions undoes only their own session's verdicts. session "" means
// any of annotator's verdicts.
func (s *Store) UndoSessionVerdict(ctx context.Context, annotator, session string) (audit.Verdict, bool, error) {
	op := fmt.Sprintf("undo last verdict of %q", annotator)
	if annotator == "" {
		return audit.Verdict{}, false, s.errorf(op, invalid("Annotator", "empty"))
	}
	var (
		v     audit.Verdict
		found bool
	)
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		q, args := latestLive("verdicts", verdictColumns, annotator, session)
		row := tx.QueryRowContext(ctx, q+s.dialect.forUpdate, args...)
		var err error
		v, err = scanVerdict(row)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		watch, err := s.watchUnit(ctx, tx, v.ItemID, v.DisagreementKey)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE verdicts SET undone = 1 WHERE id = $1`, v.ID); err != nil {
			return err
		}
		data, err := json.Marshal(verdictEventData{v.ID, v.DisagreementKey, v.Label, v.Kind, v.Decision, v.Study, v.Role, v.Session})
		if err != nil {
			return err
		}
		at := s.stamp(time.Time{})
		if err := insertEvent(ctx, tx, audit.Event{At: at, Kind: "undo", ItemID: v.ItemID, Annotator: annotator, Data: string(data)}); err != nil {
			return err
		}
		return finishUnit(ctx, tx, watch, annotator, at)
	})
	if err != nil {
		return audit.Verdict{}, false, s.errorf(op, err)
	}
	return v, found, nil
}

const verdictColumns = `id, item_id, disagreement_key, label, kind, decision, annotator, at, study, role, session`

// currentVerdicts selects the current verdict per (item, key, annotator,
// study): a study's verdicts never replace those of another study or of
// plain sessions.
// the latest live one, found through the verdicts_current index (NOT
// EXISTS a later live one), which stays fast at a million verdicts where a
// window over the whole table does not.
const currentVerdicts = `SELECT ` + verdictColumns + ` FROM verdicts v
	WHERE v.undone = 0 AND %s AND NOT EXISTS (
		SELECT 1 FROM verdicts v2 WHERE v2.item_id = v.item_id AND v2.disagreement_key = v.disagreement_key
			AND v2.annotator = v.annotator AND v2.study = v.study AND v2.undone = 0 AND v2.id > v.id)
	ORDER BY item_id, disagreement_key, annotator, study`

// Verdicts returns the current verdicts for itemID, ordered by disagreement
// key then annotator; annotator "" means every annotator.
func (s *Store) Verdicts(ctx context.Context, itemID, annotator string) ([]audit.Verdict, error) {
	where, args := "v.item_id = $1", []any{itemID}
	if annotator != "" {
		where, args = where+" AND v.annotator = $2", append(args, annotator)
	}
	out, err := queryVerdicts(ctx, s.r, fmt.Sprintf(currentVerdicts, where), args...)
	if err != nil {
		return nil, s.errorf(fmt.Sprintf("verdicts item %q", itemID), err)
	}
	return out, nil
}

// AllVerdicts returns the current verdicts of every item, ordered by item ID,
// disagreement key and annotator; annotator "" means every annotator.
func (s *Store) AllVerdicts(ctx context.Context, annotator string) ([]audit.Verdict, error) {
	where, args := "1 = 1", []any(nil)
	if annotator != "" {
		where, args = "v.annotator = $1", []any{annotator}
	}
	out, err := queryVerdicts(ctx, s.r, fmt.Sprintf(currentVerdicts, where), args...)
	if err != nil {
		return nil, s.errorf("all verdicts", err)
	}
	return out, nil
}

func queryVerdicts(ctx context.Context, db querier, q string, args ...any) ([]audit.Verdict, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []audit.Verdict
	for rows.Next() {
		v, err := scanVerdict(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func scanVerdict(sc scanner) (audit.Verdict, error) {
	var (
		v                               audit.Verdict
		label, kind, decision, at, role string
	)
	if err := sc.Scan(&v.ID, &v.ItemID, &v.DisagreementKey, &label, &kind, &decision, &v.Annotator, &at, &v.Study, &role, &v.Session); err != nil {
		return v, err
	}
	v.Label, v.Kind, v.Decision, v.Role = schema.Label(label), audit.Kind(kind), audit.Decision(decision), audit.Role(role)
	var err error
	v.At, err = parseTime(at)
	return v, err
}

// SaveNote appends a note and returns it with ID and At (when zero) assigned,
// plus a "note" event in the same durable transaction. It becomes the current
// note for (ItemID, Annotator, Disagreement); an empty Text clears the note.
// ItemID and Annotator must be non-empty.
func (s *Store) SaveNote(ctx context.Context, n audit.Note) (audit.Note, error) {
	op := fmt.Sprintf("save note item %q", n.ItemID)
	switch {
	case n.ItemID == "":
		return audit.Note{}, s.errorf(op, invalid("ItemID", "empty"))
	case n.Annotator == "":
		return audit.Note{}, s.errorf(op, invalid("Annotator", "empty"))
	}
	n.At = s.stamp(n.At)
	n.ID = 0
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO notes (item_id, annotator, text, at, disagreement) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			n.ItemID, n.Annotator, n.Text, formatTime(n.At), n.Disagreement).Scan(&n.ID)
		if err != nil {
			return err
		}
		ev := map[string]any{"note_id": n.ID, "text": n.Text}
		if n.Disagreement != "" {
			ev["disagreement"] = n.Disagreement
		}
		data, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		return insertEvent(ctx, tx, audit.Event{At: n.At, Kind: "note", ItemID: n.ItemID, Annotator: n.Annotator, Data: string(data)})
	})
	if err != nil {
		return audit.Note{}, s.errorf(op, s.rescue(err, Rescued{Kind: "note", Note: n}))
	}
	return n, nil
}

const currentNotes = `SELECT id, item_id, annotator, text, at, disagreement FROM (
	SELECT id, item_id, annotator, text, at, disagreement, row_number() OVER (
		PARTITION BY item_id, annotator, disagreement ORDER BY id DESC) AS rn
	FROM notes WHERE %s) cur
	WHERE rn = 1 AND text <> '' ORDER BY item_id, annotator, disagreement`

// Notes returns the current notes of each annotator on itemID (annotator ""
// means all), ordered by annotator then disagreement: the item note
// (Disagreement "") first, then one per disagreement noted. Cleared notes
// (latest Text empty) are left out.
func (s *Store) Notes(ctx context.Context, itemID, annotator string) ([]audit.Note, error) {
	where, args := "item_id = $1", []any{itemID}
	if annotator != "" {
		where, args = where+" AND annotator = $2", append(args, annotator)
	}
	out, err := queryNotes(ctx, s.r, fmt.Sprintf(currentNotes, where), args...)
	if err != nil {
		return nil, s.errorf(fmt.Sprintf("notes item %q", itemID), err)
	}
	return out, nil
}

func queryNotes(ctx context.Context, db querier, q string, args ...any) ([]audit.Note, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []audit.Note
	for rows.Next() {
		var (
			n  audit.Note
			at string
		)
		if err := rows.Scan(&n.ID, &n.ItemID, &n.Annotator, &n.Text, &at, &n.Disagreement); err != nil {
			return nil, err
		}
		if n.At, err = parseTime(at); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// latestLive is the query (and its arguments) for annotator's latest
// verdict not undone in table, limited to session unless session is "":
// what both kinds of undo withdraw.
func latestLive(table, columns, annotator, session string) (string, []any) {
	if session == "" {
		return `SELECT ` + columns + ` FROM ` + table + `
			WHERE annotator = $1 AND undone = 0 ORDER BY id DESC LIMIT 1`, []any{annotator}
	}
	return `SELECT ` + columns + ` FROM ` + table + `
			WHERE annotator = $1 AND session = $2 AND undone = 0 ORDER BY id DESC LIMIT 1`, []any{annotator, session}
}
