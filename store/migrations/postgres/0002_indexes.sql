-- cxr-auditor store on PostgreSQL, schema version 2: the indexes of the
-- SQLite store's 0002_indexes.sql.

CREATE INDEX stage_records_key_ok ON stage_records (key, id) WHERE error = '';
CREATE INDEX stage_records_key ON stage_records (key, id);
CREATE INDEX verdicts_current ON verdicts (item_id, disagreement_key, annotator, id) WHERE undone = 0;
CREATE INDEX verdicts_annotator_live ON verdicts (annotator, id) WHERE undone = 0;
CREATE INDEX notes_current ON notes (item_id, annotator, id);
CREATE INDEX items_seq ON items (seq, id);
