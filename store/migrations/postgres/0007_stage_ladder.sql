-- cxr-auditor store on PostgreSQL, schema version 7: as the SQLite store's
-- 0007_stage_ladder.sql.

ALTER TABLE stage_records ADD COLUMN system_digest text NOT NULL DEFAULT '';
ALTER TABLE stage_records ADD COLUMN ladder text NOT NULL DEFAULT '';
ALTER TABLE stage_records ADD COLUMN attempts text NOT NULL DEFAULT '';
