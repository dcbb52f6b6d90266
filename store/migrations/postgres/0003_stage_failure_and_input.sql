-- cxr-auditor store on PostgreSQL, schema version 3: as the SQLite store's
-- 0003_stage_failure_and_input.sql.

ALTER TABLE stage_records ADD COLUMN deterministic integer NOT NULL DEFAULT 0;
ALTER TABLE stage_records ADD COLUMN model_input text NOT NULL DEFAULT '';
CREATE INDEX stage_records_model_ok ON stage_records (model, id) WHERE error = '';
