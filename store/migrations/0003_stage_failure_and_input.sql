-- cxr-auditor store, schema version 3: what the pipeline records of a stage
-- since issue 8.
-- deterministic: calling again with the same provenance gives the same
-- reply (a failure of that kind is served from the cache, so a resumed run
-- does not repeat it). model_input: how the image was made a model input
-- ("squash" or "pad"; '' on draft records and on older grounding records,
-- which were padded). The model index serves the last digest and options seen
-- for a model name (cached results offline).

ALTER TABLE stage_records ADD COLUMN deterministic INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stage_records ADD COLUMN model_input TEXT NOT NULL DEFAULT '';
CREATE INDEX stage_records_model_ok ON stage_records (model, id) WHERE error = '';
