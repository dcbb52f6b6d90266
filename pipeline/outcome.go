package pipeline

import (
	"context"
	"slices"

	"github.com/cxr-auditor/cxr-auditor/audit"
)

// What of a finished attempt is stored, and how: one commit per item
// (Cache.PutOutcome) or group commits (Config.Batch).

// keepStage reports whether a computed record should be stored: a failed
// record is stored for the audit unless a good record has the same key (a
// failed rerun must not hide the last good output).
func (s *Scheduler) keepStage(ctx context.Context, rec audit.StageRecord) bool {
	if rec.Error != "" {
		if _, ok, err := s.cfg.Store.GetStage(ctx, rec.Key); err == nil && ok {
			return false
		}
	}
	return true
}

// storeStage stores one computed record (see keepStage).
func (s *Scheduler) storeStage(ctx context.Context, rec audit.StageRecord) {
	if !s.keepStage(ctx, rec) {
		return
	}
	if err := s.cfg.Store.PutStage(ctx, rec); err != nil {
		s.logf("%v", err)
	}
}

// storeOutcome stores an item's outcome (see outcome) in one commit of
// its own (a durable commit costs far more than the records).
func (s *Scheduler) storeOutcome(ctx context.Context, computed []audit.StageRecord, res *audit.Result) error {
	recs, rr, write := s.outcome(ctx, computed, res)
	if !write {
		return nil
	}
	return s.cfg.Store.PutOutcome(ctx, recs, rr)
}

// batchOutcome gives an item's outcome (see outcome) to Config.Batch and
// reports true; its commit's return comes back to the finisher as a
// completion, which lands the Result. It reports false when the Result
// can land now: nothing to write, or the batcher refused it (StoreErr set).
func (s *Scheduler) batchOutcome(ctx context.Context, j *job, outs *[2]*stageOutcome, computed []audit.StageRecord, res *audit.Result) bool {
	recs, rr, write := s.outcome(ctx, computed, res)
	if !write {
		return false
	}
	err := s.cfg.Batch.Put(ctx, recs, rr, func(err error) {
		s.complete(completion{job: j, stored: &storedOutcome{outs: outs, res: res, err: err}})
	})
	if err != nil {
		res.StoreErr = err.Error()
		s.logf(NotStoredLog, res.ItemID, err)
		return false
	}
	s.fin.batched++
	return true
}

// outcome returns what to store of an item's attempt: its computed stage
// records (see keepStage) and its result record, and whether anything is
// to be written. A failure never replaces a stored good result: the failed
// attempt's records are stored for the audit and the result stays. With
// nothing to change, nothing is written (a cached rerun). A new good
// output is written without reading the stored result first (the common
// case of a batch run: one query fewer per item).
func (s *Scheduler) outcome(ctx context.Context, computed []audit.StageRecord, res *audit.Result) ([]audit.StageRecord, audit.ResultRecord, bool) {
	var recs []audit.StageRecord
	for _, r := range computed {
		if s.keepStage(ctx, r) {
			recs = append(recs, r)
		}
	}
	rr := resultRecord(res)
	if len(recs) > 0 && rr.Error == "" {
		return recs, rr, true
	}
	old, ok, err := s.cfg.Store.GetResult(ctx, rr.ItemID)
	if err == nil && ok && rr.Error != "" && old.Error == "" {
		rr = old
	}
	if len(recs) == 0 && err == nil && ok && sameResult(old, rr) {
		return nil, rr, false
	}
	return recs, rr, true
}

// resultRecord is the stored form of res.
func resultRecord(res *audit.Result) audit.ResultRecord {
	rr := audit.ResultRecord{ItemID: res.ItemID, Report: res.Report, Salvaged: res.Salvaged, Error: res.Err}
	if res.Grounding != nil {
		rr.GroundingKey = res.Grounding.Key
	}
	if res.Draft != nil {
		rr.DraftKey = res.Draft.Key
	}
	return rr
}

// sameResult reports whether a and b record the same outcome: the same
// item, stage records, report, salvage flag and error. UpdatedAt is not
// compared (it is when, not what).
func sameResult(a, b audit.ResultRecord) bool {
	return a.ItemID == b.ItemID && a.GroundingKey == b.GroundingKey && a.DraftKey == b.DraftKey &&
		a.Salvaged == b.Salvaged && a.Error == b.Error && sameReport(a.Report, b.Report)
}

// sameReport reports whether two reports say the same. A nil slice of
// disagreements equals an empty one (a report read back from the store may
// have either); nil urgent findings do not equal empty ones: a report
// stored before they existed is written again with them.
func sameReport(a, b *audit.Report) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Urgent == b.Urgent && a.ImageOnly == b.ImageOnly &&
		slices.EqualFunc(a.Disagreements, b.Disagreements, sameDisagreement) &&
		(a.UrgentFindings == nil) == (b.UrgentFindings == nil) &&
		slices.EqualFunc(a.UrgentFindings, b.UrgentFindings, sameUrgentFinding)
}

func sameUrgentFinding(a, b audit.UrgentFinding) bool {
	return a.Label == b.Label && a.DraftAgrees == b.DraftAgrees &&
		slices.Equal(a.DraftSpans, b.DraftSpans) && slices.Equal(a.Boxes, b.Boxes)
}

func sameDisagreement(a, b audit.Disagreement) bool {
	return a.Label == b.Label && a.Kind == b.Kind && a.Urgent == b.Urgent &&
		slices.Equal(a.DraftSpans, b.DraftSpans) && slices.Equal(a.Boxes, b.Boxes)
}
