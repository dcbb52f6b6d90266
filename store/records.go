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

// PutItems inserts or updates the worklist rows, all in one transaction
// (matched by ID; other stored items are kept). An empty ID is refused.
// On PostgreSQL a row with text it cannot store (a NUL byte, bytes that
// are not UTF-8) is skipped, the others are stored, and the error is a
// *RefusedRowsError naming each skipped row.
func (s *Store) PutItems(ctx context.Context, items []audit.ItemRecord) error {
	for i, it := range items {
		if it.ID == "" {
			return s.errorf("put items", fmt.Errorf("item %d: %w", i, invalid("ID", "empty")))
		}
	}
	var refused []RefusedRow
	if s.dialect.postgres {
		items, refused = pgStorable(items)
	}
	if err := s.putItems(ctx, items); err != nil {
		return err
	}
	if len(refused) > 0 {
		return &RefusedRowsError{Rows: refused}
	}
	return nil
}

func (s *Store) putItems(ctx context.Context, items []audit.ItemRecord) error {
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO items (id, image, draft, seq) VALUES ($1, $2, $3, $4)
			ON CONFLICT (id) DO UPDATE SET image = excluded.image, draft = excluded.draft, seq = excluded.seq`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, it := range items {
			if _, err := st.ExecContext(ctx, it.ID, it.Image, it.Draft, it.Seq); err != nil {
				return fmt.Errorf("item %q: %w", it.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return s.errorf("put items", err)
	}
	return nil
}

// Items returns every stored item ordered by Seq (then ID).
func (s *Store) Items(ctx context.Context) ([]audit.ItemRecord, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, image, draft, seq FROM items ORDER BY seq, id`)
	if err != nil {
		return nil, s.errorf("items", err)
	}
	defer rows.Close()
	var out []audit.ItemRecord
	for rows.Next() {
		var it audit.ItemRecord
		if err := rows.Scan(&it.ID, &it.Image, &it.Draft, &it.Seq); err != nil {
			return nil, s.errorf("items", err)
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("items", err)
	}
	return out, nil
}

const stageColumns = `key, stage, item_id, image_hash, draft_hash, model, model_digest, prompt_digest, options, host,
	raw, thinking, done_reason, done, findings, labels, diagnostics, error,
	prompt_eval_count, eval_count, total_ns, load_ns, eval_ns, wall_ns, created_at, deterministic, model_input,
	system_digest, ladder, attempts`

// PutStage stores one model call. Records with Error set are kept for the
// audit but never served by GetStage; a later record with the same Key
// (a rerun) supersedes earlier ones. Key and Stage must be set. A zero
// CreatedAt is stamped with the store's clock.
func (s *Store) PutStage(ctx context.Context, r audit.StageRecord) error {
	if err := s.writeTx(ctx, func(tx *sql.Tx) error { return s.putStageTx(ctx, newRecordTx(tx), r) }); err != nil {
		return s.errorf(stageOp(r), err)
	}
	return nil
}

func stageOp(r audit.StageRecord) string {
	return fmt.Sprintf("put %s stage item %q", r.Stage, r.ItemID)
}

// recordTx is a write transaction with the record statements prepared
// once (on first use) for all the records it writes: parsing the long
// INSERTs again for every record was most of a batch's CPU
// (docs/performance.md, "Store choices").
type recordTx struct {
	*sql.Tx
	stage, result *sql.Stmt
}

func newRecordTx(tx *sql.Tx) *recordTx { return &recordTx{Tx: tx} }

// exec runs query as the statement *st, preparing it on first use. The
// statements close with the transaction.
func (rt *recordTx) exec(ctx context.Context, st **sql.Stmt, query string, args ...any) error {
	if *st == nil {
		p, err := rt.PrepareContext(ctx, query)
		if err != nil {
			return err
		}
		*st = p
	}
	_, err := (*st).ExecContext(ctx, args...)
	return err
}

const insertStage = `INSERT INTO stage_records (` + stageColumns + `)
	VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10, $11,$12,$13,$14,$15,$16,$17,$18, $19,$20,$21,$22,$23,$24,$25,$26,$27, $28,$29,$30)`

// putStageTx checks and inserts r in tx.
func (s *Store) putStageTx(ctx context.Context, tx *recordTx, r audit.StageRecord) error {
	switch {
	case r.Key == "":
		return invalid("Key", "empty")
	case r.Stage != audit.StageGrounding && r.Stage != audit.StageDraft:
		return invalid("Stage", "%q is not %q or %q", r.Stage, audit.StageGrounding, audit.StageDraft)
	}
	findings, err := json.Marshal(r.Findings)
	if err != nil {
		return fmt.Errorf("field Findings: %w", err)
	}
	labels, err := json.Marshal(r.Labels)
	if err != nil {
		return fmt.Errorf("field Labels: %w", err)
	}
	diags, err := json.Marshal(r.Diagnostics)
	if err != nil {
		return fmt.Errorf("field Diagnostics: %w", err)
	}
	attempts := ""
	if len(r.Attempts) > 0 {
		b, err := json.Marshal(r.Attempts)
		if err != nil {
			return fmt.Errorf("field Attempts: %w", err)
		}
		attempts = string(b)
	}
	return tx.exec(ctx, &tx.stage, insertStage,
		r.Key, string(r.Stage), r.ItemID, r.ImageHash, r.DraftHash, r.Model, r.ModelDigest, r.PromptDigest, r.Options, r.Host,
		r.Raw, r.Thinking, r.DoneReason, boolInt(r.Done), string(findings), string(labels), string(diags), r.Error,
		r.PromptEvalCount, r.EvalCount, int64(r.TotalDuration), int64(r.LoadDuration), int64(r.EvalDuration), int64(r.Wall),
		formatTime(s.stamp(r.CreatedAt)), boolInt(r.Deterministic), r.ModelInput,
		r.SystemDigest, r.Ladder, attempts)
}

// PutOutcome stores an item's finished model calls and its result in one
// transaction (one durable commit instead of one per record): either every
// record is stored or, on any error, none is. Each record follows the rules
// of PutStage and PutResult; stages may be empty. For many items at once,
// PutOutcomes and Batcher share one commit between them.
func (s *Store) PutOutcome(ctx context.Context, stages []audit.StageRecord, result audit.ResultRecord) error {
	err := s.writeTx(ctx, func(tx *sql.Tx) error { return s.putOutcomeTx(ctx, newRecordTx(tx), stages, result) })
	if err != nil {
		return s.errorf(outcomeOp(result), s.rescue(err, Rescued{Kind: "outcome", Outcome: Outcome{stages, result}}))
	}
	return nil
}

const getStageQuery = `SELECT ` + stageColumns + ` FROM stage_records
	WHERE key = $1 AND (error = '' OR deterministic = 1) ORDER BY id DESC LIMIT 1`

// GetStage returns the latest record stored under key that may be served
// from the cache (a hit): a successful one, or a deterministic failure
// (audit.StageRecord.Deterministic: calling again gives the same reply).
// ok is false when there is none. Other failed records are never returned:
// such a call must be made again.
func (s *Store) GetStage(ctx context.Context, key string) (audit.StageRecord, bool, error) {
	stmt, err := s.getStageStmt(ctx)
	if err != nil {
		return audit.StageRecord{}, false, s.errorf(fmt.Sprintf("get stage %q", key), err)
	}
	r, err := scanStage(stmt.QueryRowContext(ctx, key))
	if errors.Is(err, sql.ErrNoRows) {
		return audit.StageRecord{}, false, nil
	}
	if err != nil {
		return audit.StageRecord{}, false, s.errorf(fmt.Sprintf("get stage %q", key), err)
	}
	return r, true, nil
}

// getStageStmt returns GetStage's prepared statement, preparing it on the
// first call (or the first after a failed prepare).
func (s *Store) getStageStmt(ctx context.Context) (*sql.Stmt, error) {
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	if s.closed || s.r == nil {
		return nil, errors.New("store is closed")
	}
	if s.getStage == nil {
		stmt, err := s.r.PrepareContext(ctx, getStageQuery)
		if err != nil {
			return nil, err
		}
		s.getStage = stmt
	}
	return s.getStage, nil
}

// LastModelProfile returns the model digest and the options of the latest
// successful record made with model (the name as the pipeline was
// configured with it), or ok false when there is none. The pipeline uses it
// to serve cached results when no host can confirm the model's current
// digest.
func (s *Store) LastModelProfile(ctx context.Context, model string) (digest, options string, ok bool, err error) {
	err = s.r.QueryRowContext(ctx, `SELECT model_digest, options FROM stage_records
		WHERE model = $1 AND error = '' AND model_digest != '' ORDER BY id DESC LIMIT 1`, model).Scan(&digest, &options)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, s.errorf(fmt.Sprintf("last profile of model %q", model), err)
	}
	return digest, options, true, nil
}

type scanner interface{ Scan(dest ...any) error }

func scanStage(sc scanner) (audit.StageRecord, error) {
	var (
		r                              audit.StageRecord
		stage, findings, labels, diags string
		attempts                       string
		created                        string
		done, deterministic            int
		total, load, eval, wall        int64
	)
	err := sc.Scan(&r.Key, &stage, &r.ItemID, &r.ImageHash, &r.DraftHash, &r.Model, &r.ModelDigest, &r.PromptDigest, &r.Options, &r.Host,
		&r.Raw, &r.Thinking, &r.DoneReason, &done, &findings, &labels, &diags, &r.Error,
		&r.PromptEvalCount, &r.EvalCount, &total, &load, &eval, &wall, &created, &deterministic, &r.ModelInput,
		&r.SystemDigest, &r.Ladder, &attempts)
	if err != nil {
		return r, err
	}
	r.Stage = audit.Stage(stage)
	r.Done = done != 0
	r.Deterministic = deterministic != 0
	r.TotalDuration, r.LoadDuration, r.EvalDuration, r.Wall = time.Duration(total), time.Duration(load), time.Duration(eval), time.Duration(wall)
	if err := json.Unmarshal([]byte(findings), &r.Findings); err != nil {
		return r, fmt.Errorf("stored findings of %q: %w", r.Key, err)
	}
	if err := json.Unmarshal([]byte(labels), &r.Labels); err != nil {
		return r, fmt.Errorf("stored labels of %q: %w", r.Key, err)
	}
	if err := json.Unmarshal([]byte(diags), &r.Diagnostics); err != nil {
		return r, fmt.Errorf("stored diagnostics of %q: %w", r.Key, err)
	}
	if attempts != "" {
		if err := json.Unmarshal([]byte(attempts), &r.Attempts); err != nil {
			return r, fmt.Errorf("stored attempts of %q: %w", r.Key, err)
		}
	}
	if r.CreatedAt, err = parseTime(created); err != nil {
		return r, err
	}
	return r, nil
}

// PutResult records the latest outcome for r.ItemID, replacing any earlier
// one. A zero UpdatedAt is stamped with the store's clock.
func (s *Store) PutResult(ctx context.Context, r audit.ResultRecord) error {
	if err := s.writeTx(ctx, func(tx *sql.Tx) error { return s.putResultTx(ctx, newRecordTx(tx), r) }); err != nil {
		return s.errorf(fmt.Sprintf("put result item %q", r.ItemID), err)
	}
	return nil
}

// putResultTx checks and upserts r in tx.
func (s *Store) putResultTx(ctx context.Context, tx *recordTx, r audit.ResultRecord) error {
	if r.ItemID == "" {
		return invalid("ItemID", "empty")
	}
	report, err := json.Marshal(r.Report)
	if err != nil {
		return fmt.Errorf("field Report: %w", err)
	}
	// The summary counts what a reviewer adjudicates: the disagreements
	// and the urgent findings to confirm.
	urgent, disagreements, doubts := false, 0, 0
	if r.Report != nil {
		urgent, disagreements, doubts = r.Report.Urgent, len(r.Report.ReviewRows()), len(r.Report.DraftDoubts)
	}
	return tx.exec(ctx, &tx.result, upsertResult,
		r.ItemID, r.GroundingKey, r.DraftKey, string(report), boolInt(r.Salvaged), r.Error, formatTime(s.stamp(r.UpdatedAt)),
		boolInt(urgent), disagreements, doubts)
}

const upsertResult = `INSERT INTO results (item_id, grounding_key, draft_key, report, salvaged, error, updated_at, urgent, disagreements, draft_doubts)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
	ON CONFLICT (item_id) DO UPDATE SET grounding_key = excluded.grounding_key, draft_key = excluded.draft_key,
		report = excluded.report, salvaged = excluded.salvaged, error = excluded.error, updated_at = excluded.updated_at,
		urgent = excluded.urgent, disagreements = excluded.disagreements, draft_doubts = excluded.draft_doubts`

const resultColumns = `item_id, grounding_key, draft_key, report, salvaged, error, updated_at`

// GetResult returns the latest result for itemID, or ok false when there is
// none.
func (s *Store) GetResult(ctx context.Context, itemID string) (audit.ResultRecord, bool, error) {
	row := s.r.QueryRowContext(ctx, `SELECT `+resultColumns+` FROM results WHERE item_id = $1`, itemID)
	r, err := scanResult(row)
	if errors.Is(err, sql.ErrNoRows) {
		return audit.ResultRecord{}, false, nil
	}
	if err != nil {
		return audit.ResultRecord{}, false, s.errorf(fmt.Sprintf("get result item %q", itemID), err)
	}
	return r, true, nil
}

// Results returns the latest result of every item, by item ID, in one query.
func (s *Store) Results(ctx context.Context) (map[string]audit.ResultRecord, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+resultColumns+` FROM results`)
	if err != nil {
		return nil, s.errorf("results", err)
	}
	defer rows.Close()
	out := map[string]audit.ResultRecord{}
	for rows.Next() {
		r, err := scanResult(rows)
		if err != nil {
			return nil, s.errorf("results", err)
		}
		out[r.ItemID] = r
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("results", err)
	}
	return out, nil
}

// ResultSummaries calls fn with the summary of every item's latest result,
// in no particular order, streaming (nothing is held but the row at hand). It
// reads no report, so it stays cheap on a worklist of a million items: it
// is what the workstation needs at open. An error from fn stops it and is
// returned.
func (s *Store) ResultSummaries(ctx context.Context, fn func(audit.ResultSummary) error) error {
	// Three columns, the flags packed in one integer: each column scanned
	// costs about a tenth of a microsecond a row through database/sql,
	// which at a million rows is the whole budget of a first frame.
	// draft_doubts counts labels, so it is at most 6: three bits.
	rows, err := s.r.QueryContext(ctx, `SELECT item_id, error,
		CASE WHEN report = 'null' THEN 0 ELSE 1 END + 2 * salvaged + 4 * urgent + 8 * draft_doubts + 64 * disagreements
		FROM results`)
	if err != nil {
		return s.errorf("result summaries", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			r     audit.ResultSummary
			flags int64
		)
		if err := rows.Scan(&r.ItemID, &r.Error, &flags); err != nil {
			return s.errorf("result summaries", err)
		}
		hasReport := flags&1 != 0
		r.Status = audit.StatusDone
		if r.Error != "" || !hasReport {
			r.Status = audit.StatusError
		}
		if r.Error == "" && !hasReport {
			r.Error = "no report"
		}
		r.Salvaged, r.Urgent, r.DraftDoubts, r.Disagreements = flags&2 != 0, flags&4 != 0, int(flags>>3&7), int(flags>>6)
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return s.errorf("result summaries", err)
	}
	return nil
}

func scanResult(sc scanner) (audit.ResultRecord, error) {
	var (
		r        audit.ResultRecord
		report   string
		salvaged int
		updated  string
	)
	if err := sc.Scan(&r.ItemID, &r.GroundingKey, &r.DraftKey, &report, &salvaged, &r.Error, &updated); err != nil {
		return r, err
	}
	r.Salvaged = salvaged != 0
	var rep *audit.Report
	if err := json.Unmarshal([]byte(report), &rep); err != nil {
		return r, fmt.Errorf("stored report of item %q: %w", r.ItemID, err)
	}
	r.Report = rep
	var err error
	r.UpdatedAt, err = parseTime(updated)
	return r, err
}
