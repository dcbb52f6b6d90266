-- cxr-auditor store, schema version 8: how many labels of a result have a
-- draft reading in doubt (the draft model and the rule labeler read the
-- draft differently; the report's draft_doubts), in a column of its own so
-- the workstation can filter a million items on it without decoding their
-- reports (ResultSummaries). Filled for existing rows from the stored
-- report.

ALTER TABLE results ADD COLUMN draft_doubts INTEGER NOT NULL DEFAULT 0;
UPDATE results
   SET draft_doubts = coalesce(json_array_length(report, '$.draft_doubts'), 0)
 WHERE json_valid(report) AND json_type(report) = 'object';
