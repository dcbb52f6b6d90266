package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// Sentinel errors of verdicts given in a study.
var (
	// ErrStudyClosed marks a verdict refused because its study was closed
	// (`study close`); `study reopen` takes verdicts again.
	ErrStudyClosed = errors.New("the study is closed")
	// ErrNotDisputed marks an adjudicator's verdict on a unit the readers
	// do not dispute: still open, or agreed (their decision is final).
	ErrNotDisputed = errors.New("the readers do not dispute it")
)

// NotDisputedError is an adjudicator's verdict refused (ErrNotDisputed)
// on a unit that is still open, or that the readers agreed on (Agreed is
// then their decision, which is final).
type NotDisputedError struct {
	ItemID, Key string
	Agreed      audit.Decision
}

func (e *NotDisputedError) Error() string {
	if e.Agreed != "" {
		return fmt.Sprintf("%v: the readers agreed on %s of %q (%s): their decision is final", ErrNotDisputed, e.Key, e.ItemID, e.Agreed)
	}
	return fmt.Sprintf("%v: %s of %q is still open (not every reader has judged it)", ErrNotDisputed, e.Key, e.ItemID)
}

// Unwrap makes it ErrNotDisputed.
func (e *NotDisputedError) Unwrap() error { return ErrNotDisputed }

// StudyLogEntry is one thing done to a study after its creation: closed,
// reopened, or a reader working unblinded (--blind=false).
type StudyLogEntry struct {
	Study string `json:"study"`
	// Kind is "close", "reopen" or "unblind".
	Kind      string `json:"kind"`
	Annotator string `json:"annotator"`
	Detail    string `json:"detail,omitempty"`
	// Successors are the readers who took a departed reader's unread
	// items (kind "depart"); By who recorded an addition or departure.
	Successors []string  `json:"successors,omitempty"`
	By         string    `json:"by,omitempty"`
	At         time.Time `json:"at"`
}

// checkStudyVerdict returns v's role in its study, or why the study
// refuses it (see SaveVerdict). w is where the unit stands in the studies
// holding the item (nil when none does).
func checkStudyVerdict(ctx context.Context, tx *sql.Tx, w *unitWatch, v audit.Verdict) (audit.Role, error) {
	if v.Study == "" {
		return "", nil
	}
	st, err := readStudy(ctx, tx, v.Study)
	if err != nil {
		return "", err
	}
	role := st.RoleOf(v.Annotator)
	if role == "" && departed(ctx, tx, v.Study, v.Annotator) {
		return "", fmt.Errorf("%w: %s has departed from study %s: their verdicts are refused (`cxr-auditor study status %s` shows who took their items)", ErrStudyClosed, v.Annotator, st.Name, st.Name)
	}
	if role == "" {
		return "", invalid("Annotator", "%q is not a member of study %s: its members are %s", v.Annotator, st.Name, st.Members())
	}
	closed, err := studyClosed(ctx, tx, v.Study)
	if err != nil {
		return "", err
	}
	if closed {
		return "", fmt.Errorf("%w: study %s takes no more verdicts (`cxr-auditor study reopen %s` opens it again)", ErrStudyClosed, st.Name, st.Name)
	}
	var u *unitStudy
	if w != nil {
		for i := range w.studies {
			if w.studies[i].name == v.Study {
				u = &w.studies[i]
			}
		}
	}
	switch {
	case u == nil:
		return "", invalid("ItemID", "%q is not an item of study %s", v.ItemID, st.Name)
	case role == audit.RoleReader && !slices.Contains(u.readers, v.Annotator):
		return "", invalid("ItemID", "%q is not assigned to %s in study %s", v.ItemID, v.Annotator, st.Name)
	case role == audit.RoleAdjudicator && (u.state == audit.UnitAgreed || u.state == audit.UnitOpen):
		return "", &NotDisputedError{ItemID: v.ItemID, Key: v.DisagreementKey, Agreed: u.final}
	}
	return role, nil
}

// studyClosed reports whether the study's latest close or reopen is a
// close.
func studyClosed(ctx context.Context, db readQuerier, study string) (bool, error) {
	var kind string
	err := db.QueryRowContext(ctx, `SELECT kind FROM study_log WHERE study = $1 AND kind IN ('close', 'reopen')
		ORDER BY id DESC LIMIT 1`, study).Scan(&kind)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return kind == "close", err
}

// CloseStudy closes the study: verdicts given in it are refused
// (ErrStudyClosed) until ReopenStudy. ReopenStudy opens it again. Each
// is a study_log entry and an event by annotator by, in one durable
// transaction; closing a closed study (or reopening an open one) is
// ErrInvalid.
func (s *Store) CloseStudy(ctx context.Context, name, by, why string) error {
	return s.logStudy(ctx, StudyLogEntry{Study: name, Kind: "close", Annotator: by, Detail: why})
}

// ReopenStudy opens a closed study again (see CloseStudy).
func (s *Store) ReopenStudy(ctx context.Context, name, by, why string) error {
	return s.logStudy(ctx, StudyLogEntry{Study: name, Kind: "reopen", Annotator: by, Detail: why})
}

// RecordUnblinded records that annotator reads study without blinding
// (they see the other readers' verdicts): a study_log entry and an
// event, which `study status` shows.
func (s *Store) RecordUnblinded(ctx context.Context, name, annotator, detail string) error {
	return s.logStudy(ctx, StudyLogEntry{Study: name, Kind: "unblind", Annotator: annotator, Detail: detail})
}

func (s *Store) logStudy(ctx context.Context, e StudyLogEntry) error {
	op := fmt.Sprintf("study %q: %s", e.Study, e.Kind)
	e.At = s.stamp(e.At)
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockKey(ctx, tx, lockStudy, e.Study); err != nil {
			return err
		}
		if _, err := readStudy(ctx, tx, e.Study); err != nil {
			return err
		}
		closed, err := studyClosed(ctx, tx, e.Study)
		if err != nil {
			return err
		}
		switch {
		case e.Kind == "close" && closed:
			return invalid("study", "%s is already closed", e.Study)
		case e.Kind == "reopen" && !closed:
			return invalid("study", "%s is not closed", e.Study)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO study_log (study, kind, annotator, detail, at) VALUES ($1, $2, $3, $4, $5)`,
			e.Study, e.Kind, e.Annotator, e.Detail, formatTime(e.At)); err != nil {
			return err
		}
		data, err := json.Marshal(map[string]string{"study": e.Study, "detail": e.Detail})
		if err != nil {
			return err
		}
		return insertEvent(ctx, tx, audit.Event{At: e.At, Kind: "study_" + e.Kind, Annotator: e.Annotator, Data: string(data)})
	})
	if err != nil {
		return s.errorf(op, err)
	}
	return nil
}

// StudyLog returns what was done to the study after its creation, oldest
// first, and whether it is closed now.
func (s *Store) StudyLog(ctx context.Context, name string) ([]StudyLogEntry, bool, error) {
	op := fmt.Sprintf("study %q log", name)
	rows, err := s.r.QueryContext(ctx, `SELECT kind, annotator, detail, at FROM study_log WHERE study = $1 ORDER BY id`, name)
	if err != nil {
		return nil, false, s.errorf(op, err)
	}
	defer rows.Close()
	var (
		out    []StudyLogEntry
		closed bool
	)
	for rows.Next() {
		e := StudyLogEntry{Study: name}
		var at string
		if err := rows.Scan(&e.Kind, &e.Annotator, &e.Detail, &at); err != nil {
			return nil, false, s.errorf(op, err)
		}
		if e.At, err = parseTime(at); err != nil {
			return nil, false, s.errorf(op, err)
		}
		switch e.Kind {
		case "close":
			closed = true
		case "reopen":
			closed = false
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, false, s.errorf(op, err)
	}
	changes, err := s.readerChanges(ctx, name)
	if err != nil {
		return nil, false, s.errorf(op, err)
	}
	out = append(out, changes...)
	slices.SortStableFunc(out, func(a, b StudyLogEntry) int { return a.At.Compare(b.At) })
	return out, closed, nil
}

// readerChanges reads the study's reader additions and departures as log
// entries ("add", "depart"); a departure's detail names who took the
// items.
func (s *Store) readerChanges(ctx context.Context, name string) ([]StudyLogEntry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT kind, annotator, successors, by_whom, detail, at
		FROM study_reader_changes WHERE study = $1 ORDER BY id`, name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StudyLogEntry
	for rows.Next() {
		e := StudyLogEntry{Study: name}
		var succ, by, at string
		if err := rows.Scan(&e.Kind, &e.Annotator, &succ, &by, &e.Detail, &at); err != nil {
			return nil, err
		}
		if e.At, err = parseTime(at); err != nil {
			return nil, err
		}
		e.Successors = strings.Split(succ, ",")
		if succ == "" {
			e.Successors = nil
		}
		e.By = by
		out = append(out, e)
	}
	return out, rows.Err()
}

// departed reports whether annotator has departed from study (a failed
// look-up counts as not departed: the caller then refuses the verdict as
// from a non-member).
func departed(ctx context.Context, db readQuerier, study, annotator string) bool {
	var n int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM study_reader_changes WHERE study = $1 AND annotator = $2 AND kind = 'depart'`,
		study, annotator).Scan(&n)
	return err == nil && n > 0
}
