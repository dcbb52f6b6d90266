-- cxr-auditor store, schema version 14: a note may be on one disagreement
-- of an item (its key, "label/kind") as well as on the whole item
-- (disagreement ''). The current note is the latest per (item, annotator,
-- disagreement); notes stay append-only (the triggers of 0001 refuse any
-- change to a row).

-- No new index: notes_current (item_id, annotator, id) already narrows the
-- lookup to one reader's few notes on the item.

ALTER TABLE notes ADD COLUMN disagreement TEXT NOT NULL DEFAULT '';
