package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/store/export"
)

// WithRaw makes Export add each stage's raw model output and thinking to
// every JSONL item ("raw"), as the provenance record of the stage keeps
// them (its beginning only when the reply was over the reply cap), with
// every try of the retry ladder the record lists. It costs one lookup per
// stage and item, so it is asked for (export --raw).
func WithRaw() ExportOption {
	return func(o *exportOptions) { o.raw = true }
}

// exportWriter wraps write with the raw lookup when asked for; a stage's
// ladder tries that cannot be read are passed to skip, and the stage's own
// output is still exported.
func (s *Store) exportWriter(ctx context.Context, o exportOptions, skip func(SkippedRow), write func(*export.Item) error) func(*export.Item) error {
	if !o.raw {
		return write
	}
	return func(it *export.Item) error {
		it.Raw = &export.RawStages{}
		var err error
		if it.Raw.Grounding, err = s.rawStage(ctx, it.ID, it.Provenance.Grounding, skip); err != nil {
			return err
		}
		if it.Raw.Draft, err = s.rawStage(ctx, it.ID, it.Provenance.Draft, skip); err != nil {
			return err
		}
		return write(it)
	}
}

// rawStage reads the raw output, thinking and ladder tries of the stage
// record p names (the one export's provenance shows: a success before a
// failure), nil without one.
func (s *Store) rawStage(ctx context.Context, itemID string, p *export.Stage, skip func(SkippedRow)) (*export.RawStage, error) {
	if p == nil || p.Key == "" {
		return nil, nil
	}
	r := export.RawStage{Attempts: []audit.Attempt{}}
	var attempts string
	err := s.r.QueryRowContext(ctx, `SELECT raw, thinking, attempts FROM stage_records WHERE key = $1
		ORDER BY (error = '') DESC, id DESC LIMIT 1`, p.Key).Scan(&r.Raw, &r.Thinking, &attempts)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if attempts != "" {
		if err := json.Unmarshal([]byte(attempts), &r.Attempts); err != nil {
			skip(SkippedRow{Table: "stage_records", ItemID: itemID, Field: "attempts", Err: err})
			r.Attempts = []audit.Attempt{}
		}
	}
	return &r, nil
}
