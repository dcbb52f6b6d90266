-- cxr-auditor store, schema version 7: how a stage called its model, as
-- the served app does. system_digest: the digest of the system message
-- sent before the prompt (the draft stage). ladder: the retry ladder the
-- stage could climb ('' for one attempt). attempts: a JSON array of every
-- attempt when there was more than one ('' otherwise, and on older rows).

ALTER TABLE stage_records ADD COLUMN system_digest TEXT NOT NULL DEFAULT '';
ALTER TABLE stage_records ADD COLUMN ladder TEXT NOT NULL DEFAULT '';
ALTER TABLE stage_records ADD COLUMN attempts TEXT NOT NULL DEFAULT '';
