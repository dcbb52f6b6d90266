package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/cxr-auditor/cxr-auditor/store/export"
)

// WithRaw makes Export add each stage's raw model output and thinking to
// every JSONL item ("raw"), as the provenance record of the stage keeps
// them (its beginning only when the reply was over the reply cap). It
// costs one lookup per stage and item, so it is asked for (export --raw).
func WithRaw() ExportOption {
	return func(o *exportOptions) { o.raw = true }
}

// exportWriter wraps write with the raw lookup when asked for.
func (s *Store) exportWriter(ctx context.Context, o exportOptions, write func(*export.Item) error) func(*export.Item) error {
	if !o.raw {
		return write
	}
	return func(it *export.Item) error {
		it.Raw = &export.RawStages{}
		var err error
		if it.Raw.Grounding, err = s.rawStage(ctx, it.Provenance.Grounding); err != nil {
			return err
		}
		if it.Raw.Draft, err = s.rawStage(ctx, it.Provenance.Draft); err != nil {
			return err
		}
		return write(it)
	}
}

// rawStage reads the raw output and thinking of the stage record p names
// (the one export's provenance shows: a success before a failure), nil
// without one.
func (s *Store) rawStage(ctx context.Context, p *export.Stage) (*export.RawStage, error) {
	if p == nil || p.Key == "" {
		return nil, nil
	}
	var r export.RawStage
	err := s.r.QueryRowContext(ctx, `SELECT raw, thinking FROM stage_records WHERE key = $1
		ORDER BY (error = '') DESC, id DESC LIMIT 1`, p.Key).Scan(&r.Raw, &r.Thinking)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &r, err
}
