package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// Claims is one worker's handle on a run shared by several processes (run
// on several GPU servers, one store): it satisfies pipeline.Claims (cmd
// wires it; store does not import pipeline). Every
// item of the run is a row in run_claims: pending, running under one
// worker's lease, or done. Claim takes the next items in worklist order
// whose state is pending or whose lease expired, with SELECT … FOR UPDATE
// SKIP LOCKED on PostgreSQL (workers claiming at once skip each other's
// rows instead of waiting) and inside SQLite's single write transaction
// otherwise. Leases are times on the database's clock, so the workers'
// clocks need not agree. Taking over an expired lease appends a
// "run_takeover" event naming both workers; a new round, "run_round".
type Claims struct {
	s      *Store
	run    string
	worker string
	lease  time.Duration
}

// Claims returns worker's handle on the shared run named run (the
// scheduler's RunKey); leases last lease (renew them well within it).
func (s *Store) Claims(run, worker string, lease time.Duration) (*Claims, error) {
	switch {
	case run == "":
		return nil, s.errorf("claims", invalid("run", "empty"))
	case worker == "":
		return nil, s.errorf("claims", invalid("worker", "empty"))
	case lease < 100*time.Millisecond:
		return nil, s.errorf("claims", invalid("lease", "%s: want at least 100ms", lease))
	}
	return &Claims{s: s, run: run, worker: worker, lease: lease}, nil
}

// Worker returns this handle's worker name.
func (c *Claims) Worker() string { return c.worker }

// nowMillis is the database's clock in milliseconds since the epoch.
func (c *Claims) nowMillis() string {
	if c.s.dialect.postgres {
		return "(extract(epoch from clock_timestamp()) * 1000)::bigint"
	}
	return "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"
}

// Join records ids as the run's items (as pipeline.Claims.Join promises): a new
// run is created with every item pending; a run whose every item is done
// starts a new round (every item pending again, a "run_round" event);
// otherwise ids the run lacks are added.
func (c *Claims) Join(ctx context.Context, ids []string) error {
	err := c.s.writeTx(ctx, func(tx *sql.Tx) error {
		if err := c.s.lockKey(ctx, tx, lockRun, c.run); err != nil {
			return err
		}
		var round, open int
		err := tx.QueryRowContext(ctx, `SELECT r.round, (SELECT count(*) FROM run_claims WHERE run = r.run AND state <> 'done')
			FROM runs r WHERE r.run = $1`, c.run).Scan(&round, &open)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if _, err := tx.ExecContext(ctx, `INSERT INTO runs (run, round, items, created_at) VALUES ($1, 1, $2, $3)`,
				c.run, len(ids), formatTime(c.s.stamp(time.Time{}))); err != nil {
				return err
			}
		case err != nil:
			return err
		case open == 0:
			if _, err := tx.ExecContext(ctx, `UPDATE runs SET round = round + 1 WHERE run = $1`, c.run); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE run_claims SET state = 'pending', worker = '', lease_until = 0, failed = 0
				WHERE run = $1`, c.run); err != nil {
				return err
			}
			data, _ := json.Marshal(map[string]any{"run": c.run, "round": round + 1})
			if err := insertEvent(ctx, tx, audit.Event{At: c.s.stamp(time.Time{}), Kind: "run_round", Annotator: c.worker, Data: string(data)}); err != nil {
				return err
			}
		}
		ins, err := tx.PrepareContext(ctx, `INSERT INTO run_claims (run, item_id, seq, state) VALUES ($1, $2, $3, 'pending')
			ON CONFLICT (run, item_id) DO NOTHING`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for i, id := range ids {
			if _, err := ins.ExecContext(ctx, c.run, id, i); err != nil {
				return fmt.Errorf("item %q: %w", id, err)
			}
		}
		return nil
	})
	if err != nil {
		return c.s.errorf(fmt.Sprintf("join shared run %s", c.run), err)
	}
	return nil
}

// Claim leases up to n items to this worker (as pipeline.Claims.Claim promises).
func (c *Claims) Claim(ctx context.Context, n int) ([]string, error) {
	if n <= 0 {
		return nil, nil
	}
	skip := ""
	if c.s.dialect.postgres {
		skip = " FOR UPDATE SKIP LOCKED"
	}
	var ids []string
	err := c.s.writeTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT item_id, state, worker FROM run_claims
			WHERE run = $1 AND (state = 'pending' OR (state = 'running' AND lease_until < `+c.nowMillis()+`))
			ORDER BY seq LIMIT $2`+skip, c.run, n)
		if err != nil {
			return err
		}
		type took struct{ id, state, from string }
		var got []took
		for rows.Next() {
			var t took
			if err := rows.Scan(&t.id, &t.state, &t.from); err != nil {
				rows.Close()
				return err
			}
			got = append(got, t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		upd, err := tx.PrepareContext(ctx, `UPDATE run_claims SET state = 'running', worker = $3,
			lease_until = `+c.nowMillis()+` + $4, attempts = attempts + 1 WHERE run = $1 AND item_id = $2`)
		if err != nil {
			return err
		}
		defer upd.Close()
		at := c.s.stamp(time.Time{})
		for _, t := range got {
			if _, err := upd.ExecContext(ctx, c.run, t.id, c.worker, c.lease.Milliseconds()); err != nil {
				return err
			}
			if t.state == "running" && t.from != c.worker {
				data, _ := json.Marshal(map[string]string{"run": c.run, "from": t.from, "to": c.worker})
				if err := insertEvent(ctx, tx, audit.Event{At: at, Kind: "run_takeover", ItemID: t.id, Annotator: c.worker, Data: string(data)}); err != nil {
					return err
				}
			}
			ids = append(ids, t.id)
		}
		return nil
	})
	if err != nil {
		return nil, c.s.errorf(fmt.Sprintf("claim items of shared run %s", c.run), err)
	}
	return ids, nil
}

// Renew extends every lease this worker holds by the lease duration.
func (c *Claims) Renew(ctx context.Context) error {
	err := c.s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE run_claims SET lease_until = `+c.nowMillis()+` + $3
			WHERE run = $1 AND worker = $2 AND state = 'running'`, c.run, c.worker, c.lease.Milliseconds())
		return err
	})
	if err != nil {
		return c.s.errorf(fmt.Sprintf("renew leases of shared run %s", c.run), err)
	}
	return nil
}

// Finish marks id done by this worker (as pipeline.Claims.Finish promises). An
// item whose lease another worker took over meanwhile is left to it.
func (c *Claims) Finish(ctx context.Context, id string, failed bool) error {
	err := c.s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE run_claims SET state = 'done', lease_until = 0, failed = $4
			WHERE run = $1 AND item_id = $2 AND worker = $3 AND state = 'running'`, c.run, id, c.worker, boolInt(failed))
		return err
	})
	if err != nil {
		return c.s.errorf(fmt.Sprintf("finish item %q of shared run %s", id, c.run), err)
	}
	return nil
}

// Release makes this worker's unfinished ids pending again.
func (c *Claims) Release(ctx context.Context, ids []string) error {
	err := c.s.writeTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `UPDATE run_claims SET state = 'pending', worker = '', lease_until = 0
			WHERE run = $1 AND item_id = $2 AND worker = $3 AND state = 'running'`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, id := range ids {
			if _, err := st.ExecContext(ctx, c.run, id, c.worker); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return c.s.errorf(fmt.Sprintf("release items of shared run %s", c.run), err)
	}
	return nil
}

// DoneElsewhere returns up to n items at or after position from that other
// workers finished, in worklist order.
func (c *Claims) DoneElsewhere(ctx context.Context, from, n int) ([]string, error) {
	ids, err := queryStrings(ctx, c.s.r, `SELECT item_id FROM run_claims
		WHERE run = $1 AND state = 'done' AND worker <> $2 AND seq >= $3 ORDER BY seq LIMIT $4`, c.run, c.worker, from, n)
	if err != nil {
		return nil, c.s.errorf(fmt.Sprintf("items of shared run %s", c.run), err)
	}
	return ids, nil
}

// Progress counts the run's items by state across the team, and the
// workers holding a live lease.
func (c *Claims) Progress(ctx context.Context) (audit.TeamProgress, error) {
	var p audit.TeamProgress
	err := c.s.r.QueryRowContext(ctx, `SELECT r.round,
			(SELECT count(*) FROM run_claims WHERE run = r.run),
			(SELECT count(*) FROM run_claims WHERE run = r.run AND state = 'done'),
			(SELECT count(*) FROM run_claims WHERE run = r.run AND state = 'done' AND failed = 1),
			(SELECT count(*) FROM run_claims WHERE run = r.run AND state = 'running' AND lease_until >= `+c.nowMillis()+`),
			(SELECT count(DISTINCT worker) FROM run_claims WHERE run = r.run AND state = 'running' AND lease_until >= `+c.nowMillis()+`)
		FROM runs r WHERE r.run = $1`, c.run).Scan(&p.Round, &p.Items, &p.Done, &p.Failed, &p.Running, &p.Workers)
	if err != nil {
		return p, c.s.errorf(fmt.Sprintf("progress of shared run %s", c.run), err)
	}
	p.Pending = p.Items - p.Done - p.Running
	return p, nil
}
