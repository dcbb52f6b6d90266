package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// ErrRunName marks a run name that cannot be used: taken by another
// configuration, or a configuration already named otherwise.
var ErrRunName = errors.New("run name")

// StartRun names the run of cfg and returns it. With name "", a
// configuration the store knows keeps its name and a new one takes the
// first of cfg.NameCandidates() that is free (numbered "-2", "-3", ...
// when none is). A name given must be the configuration's own name or
// free; a name taken by another configuration, or a configuration
// already named otherwise, is an error wrapping ErrRunName that says
// which. worklist is recorded as the worklist the run was last started on.
func (s *Store) StartRun(ctx context.Context, name string, cfg audit.RunConfig, worklist string) (audit.RunInfo, error) {
	key := cfg.Key()
	conf, err := json.Marshal(cfg)
	if err != nil {
		return audit.RunInfo{}, s.errorf("start run", err)
	}
	now := formatTime(s.stamp(time.Time{}))
	var out string
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockKey(ctx, tx, lockNames, ""); err != nil {
			return err
		}
		var known string
		err := tx.QueryRowContext(ctx, `SELECT name FROM named_runs WHERE config_key = $1`, key).Scan(&known)
		switch {
		case err == nil && (name == "" || name == known):
			out = known
			_, err = tx.ExecContext(ctx, `UPDATE named_runs SET worklist = $1, updated_at = $2 WHERE name = $3`, worklist, now, known)
			return err
		case err == nil:
			return fmt.Errorf("%w: this configuration is run %q already: give --name %s, or none", ErrRunName, known, known)
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		if name != "" {
			var other string
			err := tx.QueryRowContext(ctx, `SELECT config FROM named_runs WHERE name = $1`, name).Scan(&other)
			if err == nil {
				return fmt.Errorf("%w: %q is another configuration's run (%s): choose another --name", ErrRunName, name, other)
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			out = name
		} else if out, err = freeRunName(ctx, tx, cfg.NameCandidates()); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO named_runs (name, config_key, config, worklist, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $5)`, out, key, string(conf), worklist, now)
		return err
	})
	if err != nil {
		return audit.RunInfo{}, s.errorf(fmt.Sprintf("start run %q", name), err)
	}
	return audit.RunInfo{Name: out, Key: key, Config: cfg, Worklist: worklist}, nil
}

// freeRunName returns the first candidate no run has, else the last one
// numbered.
func freeRunName(ctx context.Context, tx *sql.Tx, candidates []string) (string, error) {
	taken := func(n string) (bool, error) {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM named_runs WHERE name = $1`, n).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		return err == nil, err
	}
	for _, c := range candidates {
		if t, err := taken(c); err != nil || !t {
			return c, err
		}
	}
	last := candidates[len(candidates)-1]
	for i := 2; ; i++ {
		n := last + "-" + strconv.Itoa(i)
		if t, err := taken(n); err != nil || !t {
			return n, err
		}
	}
}

// PutRunItems records items as run's latest outcomes, replacing earlier
// ones, in one transaction.
func (s *Store) PutRunItems(ctx context.Context, run string, items []audit.RunItem) error {
	if len(items) == 0 {
		return nil
	}
	now := formatTime(s.stamp(time.Time{}))
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO run_items (run, item_id, grounding_key, draft_key, grounding_error, error, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (run, item_id) DO UPDATE SET grounding_key = excluded.grounding_key, draft_key = excluded.draft_key,
				grounding_error = excluded.grounding_error, error = excluded.error, updated_at = excluded.updated_at`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, it := range items {
			if it.ItemID == "" {
				return invalid("ItemID", "empty")
			}
			if _, err := st.ExecContext(ctx, run, it.ItemID, it.GroundingKey, it.DraftKey, it.GroundingError, it.Error, now); err != nil {
				return fmt.Errorf("item %q: %w", it.ItemID, err)
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE named_runs SET updated_at = $1 WHERE name = $2`, now, run)
		return err
	})
	if err != nil {
		return s.errorf(fmt.Sprintf("put items of run %q", run), err)
	}
	return nil
}

// Runs lists the store's named runs, oldest first, with their counts of
// items done and failed.
func (s *Store) Runs(ctx context.Context) ([]audit.RunInfo, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT r.name, r.config_key, r.config, r.worklist, r.created_at, r.updated_at,
		(SELECT count(*) FROM run_items i WHERE i.run = r.name AND i.error = ''),
		(SELECT count(*) FROM run_items i WHERE i.run = r.name AND i.error <> '')
		FROM named_runs r ORDER BY r.created_at, r.name`)
	if err != nil {
		return nil, s.errorf("list runs", err)
	}
	defer rows.Close()
	var out []audit.RunInfo
	for rows.Next() {
		var r audit.RunInfo
		var conf, created, updated string
		if err := rows.Scan(&r.Name, &r.Key, &conf, &r.Worklist, &created, &updated, &r.Done, &r.Failed); err != nil {
			return nil, s.errorf("list runs", err)
		}
		if err := json.Unmarshal([]byte(conf), &r.Config); err != nil {
			return nil, s.errorf("list runs", fmt.Errorf("run %q: field config: %w", r.Name, err))
		}
		if r.Created, err = parseTime(created); err != nil {
			return nil, s.errorf("list runs", fmt.Errorf("run %q: field created_at: %w", r.Name, err))
		}
		if r.Updated, err = parseTime(updated); err != nil {
			return nil, s.errorf("list runs", fmt.Errorf("run %q: field updated_at: %w", r.Name, err))
		}
		r.Items = r.Done + r.Failed
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("list runs", err)
	}
	return out, nil
}

// RunGrounding calls fn, for every item of the named run in item-ID order,
// with the findings of the grounding record the run's outcome rests on,
// or the grounding's failure (the item's failure when it has no grounding
// record). ok is false, and fn never called, when the store has no run of
// that name. An error from fn stops it and is returned.
func (s *Store) RunGrounding(ctx context.Context, run string, fn func(itemID string, findings []schema.Finding, errText string) error) (ok bool, err error) {
	op := fmt.Sprintf("grounding of run %q", run)
	var one int
	err = s.r.QueryRowContext(ctx, `SELECT 1 FROM named_runs WHERE name = $1`, run).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, s.errorf(op, err)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT i.item_id, i.grounding_key, i.grounding_error, i.error,
		coalesce((SELECT r.findings FROM stage_records r WHERE r.key = i.grounding_key AND r.error = '' ORDER BY r.id DESC LIMIT 1), '')
		FROM run_items i WHERE i.run = $1 ORDER BY i.item_id`, run)
	if err != nil {
		return true, s.errorf(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, key, gerr, ierr, findings string
		if err := rows.Scan(&id, &key, &gerr, &ierr, &findings); err != nil {
			return true, s.errorf(op, err)
		}
		var fs []schema.Finding
		switch {
		case gerr != "":
		case key == "" || findings == "":
			// No grounding record to read: the item failed before or
			// at the grounding.
			gerr = ierr
			if gerr == "" {
				gerr = "no grounding record"
			}
		default:
			if err := json.Unmarshal([]byte(findings), &fs); err != nil {
				return true, fmt.Errorf("stored findings of item %q (run %q): %w", id, run, err)
			}
		}
		if err := fn(id, fs, gerr); err != nil {
			return true, err
		}
	}
	if err := rows.Err(); err != nil {
		return true, s.errorf(op, err)
	}
	return true, nil
}
