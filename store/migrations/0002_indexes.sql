-- cxr-auditor store, schema version 2: indexes for the hot lookups (the
-- cache probe by provenance key, current verdicts and notes per item, the
-- undo of an annotator's latest verdict, items in worklist order).

CREATE INDEX stage_records_key_ok ON stage_records (key, id) WHERE error = '';
CREATE INDEX stage_records_key ON stage_records (key, id);
CREATE INDEX verdicts_current ON verdicts (item_id, disagreement_key, annotator, id) WHERE undone = 0;
CREATE INDEX verdicts_annotator_live ON verdicts (annotator, id) WHERE undone = 0;
CREATE INDEX notes_current ON notes (item_id, annotator, id);
CREATE INDEX items_seq ON items (seq, id);
