-- cxr-auditor store, schema version 4: what the worklist shows of a result
-- (urgent, how many disagreements) in columns of its own, so the
-- workstation can list a million items without decoding a million reports
-- (ResultSummaries). Filled for existing rows from the stored report.

ALTER TABLE results ADD COLUMN urgent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE results ADD COLUMN disagreements INTEGER NOT NULL DEFAULT 0;
UPDATE results
   SET urgent = coalesce(json_extract(report, '$.urgent'), 0) = 1,
       disagreements = coalesce(json_array_length(report, '$.disagreements'), 0)
 WHERE json_valid(report) AND json_type(report) = 'object';
