package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cxr-auditor/cxr-auditor/schema"
)

// GroundingOf calls fn, for every item with a grounding record made by
// model (the name the pipeline was configured with), with that item's
// latest such record: its findings, or its error when the call failed. It
// streams in item-ID order, keeping one item's rows at a time. eval --run
// reads a run this way until the store names runs (docs/metrics.md). An
// error from fn stops it and is returned.
func (s *Store) GroundingOf(ctx context.Context, model string, fn func(itemID string, findings []schema.Finding, errText string) error) error {
	rows, err := s.r.QueryContext(ctx, `SELECT item_id, findings, error FROM stage_records
		WHERE stage = 'grounding' AND model = $1 ORDER BY item_id, id`, model)
	if err != nil {
		return s.errorf(fmt.Sprintf("grounding of model %q", model), err)
	}
	defer rows.Close()
	var id, findings, errText string
	have := false
	flush := func() error {
		if !have {
			return nil
		}
		var fs []schema.Finding
		if err := json.Unmarshal([]byte(findings), &fs); err != nil {
			return fmt.Errorf("stored findings of item %q (model %q): %w", id, model, err)
		}
		return fn(id, fs, errText)
	}
	for rows.Next() {
		var rid, rf, re string
		if err := rows.Scan(&rid, &rf, &re); err != nil {
			return s.errorf(fmt.Sprintf("grounding of model %q", model), err)
		}
		if have && rid != id {
			if err := flush(); err != nil {
				return err
			}
		}
		id, findings, errText, have = rid, rf, re, true
	}
	if err := rows.Err(); err != nil {
		return s.errorf(fmt.Sprintf("grounding of model %q", model), err)
	}
	return flush()
}
