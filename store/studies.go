package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// Sentinel errors of the reading studies.
var (
	// ErrNoStudy marks a study name the store does not hold.
	ErrNoStudy = errors.New("no such study")
	// ErrStudyExists marks a CreateStudy whose name is taken: a study's
	// definition never changes, so a new design needs a new name.
	ErrStudyExists = errors.New("a study of that name exists")
)

// CreateStudy stores a new reading study and appends a "study_create"
// event (its definition and the assignment rule), in one durable
// transaction; no item is assigned yet (AssignStudy). The definition must
// pass audit.Study.Validate (the error wraps ErrInvalid) and its name must
// be new (ErrStudyExists). CreatedAt is stamped when zero.
func (s *Store) CreateStudy(ctx context.Context, st audit.Study) (audit.Study, error) {
	op := fmt.Sprintf("create study %q", st.Name)
	if err := st.Validate(); err != nil {
		return audit.Study{}, s.errorf(op, fmt.Errorf("%w: %w", ErrInvalid, err))
	}
	st.CreatedAt = s.stamp(st.CreatedAt)
	st.Readers, st.Adjudicators = slices.Clone(st.Readers), nonNil(slices.Clone(st.Adjudicators))
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockKey(ctx, tx, lockStudy, st.Name); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM studies WHERE name = $1`, st.Name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("%w: choose another name (`cxr-auditor study list` shows the studies)", ErrStudyExists)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO studies (name, per_item, rule, created_at, created_by) VALUES ($1, $2, $3, $4, $5)`,
			st.Name, st.PerItem, audit.AssignmentRule, formatTime(st.CreatedAt), st.CreatedBy); err != nil {
			return err
		}
		for _, m := range []struct {
			role  audit.Role
			names []string
		}{{audit.RoleReader, st.Readers}, {audit.RoleAdjudicator, st.Adjudicators}} {
			for i, name := range m.names {
				if _, err := tx.ExecContext(ctx, `INSERT INTO study_members (study, annotator, role, position) VALUES ($1, $2, $3, $4)`,
					st.Name, name, string(m.role), i); err != nil {
					return err
				}
			}
		}
		data, err := json.Marshal(struct {
			audit.Study
			Rule string `json:"rule"`
		}{st, audit.AssignmentRule})
		if err != nil {
			return err
		}
		return insertEvent(ctx, tx, audit.Event{At: st.CreatedAt, Kind: "study_create", Annotator: st.CreatedBy, Data: string(data)})
	})
	if err != nil {
		return audit.Study{}, s.errorf(op, err)
	}
	return st, nil
}

// studyAssignData is the payload of "study_assign" events.
type studyAssignData struct {
	Study    string   `json:"study"`
	Position int      `json:"position"`
	Readers  []string `json:"readers"`
}

// AssignStudy gives every stored item that the study does not hold yet to
// its readers, by the study's rule (audit.Study.ReadersAt), numbering the
// new items after the ones assigned before, in worklist order (Seq, then
// ID). Each assignment is a row that never changes and a "study_assign"
// event by annotator by; all of it is one durable transaction. It returns
// the items it assigned (none when every item already was).
func (s *Store) AssignStudy(ctx context.Context, name, by string) ([]audit.StudyItem, error) {
	return s.AssignStudyItems(ctx, name, by, nil)
}

// AssignStudyItems is AssignStudy for the stored items among only, in
// only's order (a worklist with the store named elsewhere: the subset a
// study command covers); an id the store lacks, or the study holds, is
// passed over, a repeated one counts once. A nil only assigns every
// stored item, as AssignStudy.
func (s *Store) AssignStudyItems(ctx context.Context, name, by string, only []string) ([]audit.StudyItem, error) {
	op := fmt.Sprintf("assign study %q", name)
	var added []audit.StudyItem
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockKey(ctx, tx, lockStudy, name); err != nil {
			return err
		}
		st, err := readStudy(ctx, tx, name)
		if err != nil {
			return err
		}
		var next int
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(position) + 1, 0) FROM study_items WHERE study = $1`, name).Scan(&next); err != nil {
			return err
		}
		ids, err := queryStrings(ctx, tx, `SELECT id FROM items
			WHERE NOT EXISTS (SELECT 1 FROM study_items si WHERE si.study = $1 AND si.item_id = items.id)
			ORDER BY seq, id`, name)
		if err != nil {
			return err
		}
		ids = keepOnly(ids, only)
		ins, err := tx.PrepareContext(ctx, `INSERT INTO study_items (study, item_id, position, reader) VALUES ($1, $2, $3, $4)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		at := s.stamp(time.Time{})
		for _, id := range ids {
			it := audit.StudyItem{ItemID: id, Position: next, Readers: st.ReadersAt(next)}
			next++
			for _, r := range it.Readers {
				if _, err := ins.ExecContext(ctx, name, id, it.Position, r); err != nil {
					return fmt.Errorf("item %q: %w", id, err)
				}
			}
			data, err := json.Marshal(studyAssignData{name, it.Position, it.Readers})
			if err != nil {
				return err
			}
			if err := insertEvent(ctx, tx, audit.Event{At: at, Kind: "study_assign", ItemID: id, Annotator: by, Data: string(data)}); err != nil {
				return err
			}
			added = append(added, it)
		}
		return nil
	})
	if err != nil {
		return nil, s.errorf(op, err)
	}
	return added, nil
}

// keepOnly is the ids that are in only, in only's order, each once; all
// of ids when only is nil.
func keepOnly(ids, only []string) []string {
	if only == nil {
		return ids
	}
	have := make(map[string]bool, len(ids))
	for _, id := range ids {
		have[id] = true
	}
	var kept []string
	for _, id := range only {
		if have[id] {
			kept = append(kept, id)
			have[id] = false
		}
	}
	return kept
}

// Study returns the study called name, or an error wrapping ErrNoStudy.
func (s *Store) Study(ctx context.Context, name string) (audit.Study, error) {
	st, err := readStudy(ctx, s.r, name)
	if err != nil {
		return audit.Study{}, s.errorf(fmt.Sprintf("study %q", name), err)
	}
	return st, nil
}

// Studies returns every study, oldest first.
func (s *Store) Studies(ctx context.Context) ([]audit.Study, error) {
	names, err := queryStrings(ctx, s.r, `SELECT name FROM studies ORDER BY created_at, name`)
	if err != nil {
		return nil, s.errorf("studies", err)
	}
	out := make([]audit.Study, 0, len(names))
	for _, n := range names {
		st, err := readStudy(ctx, s.r, n)
		if err != nil {
			return nil, s.errorf("studies", err)
		}
		out = append(out, st)
	}
	return out, nil
}

func readStudy(ctx context.Context, db readQuerier, name string) (audit.Study, error) {
	st := audit.Study{Name: name, Readers: []string{}, Adjudicators: []string{}}
	var created string
	err := db.QueryRowContext(ctx, `SELECT per_item, created_at, created_by FROM studies WHERE name = $1`, name).Scan(&st.PerItem, &created, &st.CreatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return st, fmt.Errorf("%w %q: `cxr-auditor study list` shows the studies, `study create` makes one", ErrNoStudy, name)
	}
	if err != nil {
		return st, err
	}
	if st.CreatedAt, err = parseTime(created); err != nil {
		return st, err
	}
	rows, err := db.QueryContext(ctx, `SELECT annotator, role FROM study_members m WHERE study = $1
		AND NOT EXISTS (SELECT 1 FROM study_reader_changes d WHERE d.study = m.study AND d.annotator = m.annotator AND d.kind = 'depart')
		ORDER BY role DESC, position`, name)
	if err != nil {
		return st, err
	}
	defer rows.Close()
	for rows.Next() {
		var who, role string
		if err := rows.Scan(&who, &role); err != nil {
			return st, err
		}
		switch audit.Role(role) {
		case audit.RoleReader:
			st.Readers = append(st.Readers, who)
		case audit.RoleAdjudicator:
			st.Adjudicators = append(st.Adjudicators, who)
		}
	}
	return st, rows.Err()
}

// StudyItems returns the study's items in assignment order, each with its
// readers and whether its models have run (a result is stored).
func (s *Store) StudyItems(ctx context.Context, name string) ([]audit.StudyItem, error) {
	op := fmt.Sprintf("study %q items", name)
	st, err := readStudy(ctx, s.r, name)
	if err != nil {
		return nil, s.errorf(op, err)
	}
	out, err := studyItemsTx(ctx, s.r, st)
	if err != nil {
		return nil, s.errorf(op, err)
	}
	return out, nil
}

// studyItemsTx reads st's items; each item's readers are in the order
// the rule gave them (ReadersAt).
func studyItemsTx(ctx context.Context, db querier, st audit.Study) ([]audit.StudyItem, error) {
	rows, err := db.QueryContext(ctx, `SELECT si.item_id, si.position, si.reader,
			EXISTS (SELECT 1 FROM results r WHERE r.item_id = si.item_id)
		FROM study_items si JOIN study_members m ON m.study = si.study AND m.annotator = si.reader
		WHERE si.study = $1 AND NOT EXISTS (SELECT 1 FROM study_reader_changes d
			WHERE d.study = si.study AND d.annotator = si.reader AND d.kind = 'depart'
			AND NOT EXISTS (SELECT 1 FROM verdicts v WHERE v.study = si.study AND v.item_id = si.item_id
				AND v.annotator = si.reader AND v.undone = 0))
		ORDER BY si.position, si.item_id, m.position`, st.Name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []audit.StudyItem
	for rows.Next() {
		var (
			id, reader string
			pos        int
			run        bool
		)
		if err := rows.Scan(&id, &pos, &reader, &run); err != nil {
			return nil, err
		}
		if n := len(out); n == 0 || out[n-1].ItemID != id {
			out = append(out, audit.StudyItem{ItemID: id, Position: pos, HasResult: run})
		}
		last := &out[len(out)-1]
		last.Readers = append(last.Readers, reader)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		rule := st.ReadersAt(out[i].Position)
		slices.SortStableFunc(out[i].Readers, func(a, b string) int {
			return cmp.Compare(ruleIndex(rule, a), ruleIndex(rule, b))
		})
	}
	return out, nil
}

// ruleIndex is reader's place in the rule's list (past its end when the
// stored assignment has a reader the rule would not give: never, unless
// the rows were written by hand).
func ruleIndex(rule []string, reader string) int {
	if i := slices.Index(rule, reader); i >= 0 {
		return i
	}
	return len(rule)
}
