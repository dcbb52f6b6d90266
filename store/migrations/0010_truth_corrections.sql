-- cxr-auditor store, schema version 10: corrections of the ground truth
-- made in the workstation (accept the model's finding, remove a truth
-- finding, adjust a box). Each row holds the item's whole truth after the
-- correction, so the corrected truth of an item is its latest live row's
-- findings and the original file is never changed. Appended like verdicts;
-- an undo only flips undone from 0 to 1.

CREATE TABLE truth_corrections (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id   TEXT NOT NULL,
    action    TEXT NOT NULL,
    label     TEXT NOT NULL DEFAULT '',
    findings  TEXT NOT NULL, -- JSON []schema.Finding: the truth after it
    annotator TEXT NOT NULL,
    at        TEXT NOT NULL,
    undone    INTEGER NOT NULL DEFAULT 0 CHECK (undone IN (0, 1))
) STRICT;

CREATE INDEX truth_corrections_item ON truth_corrections (item_id, undone, id);

CREATE TRIGGER truth_corrections_no_delete BEFORE DELETE ON truth_corrections
BEGIN
    SELECT RAISE(ABORT, 'truth corrections are append-only: delete refused');
END;

CREATE TRIGGER truth_corrections_only_undo BEFORE UPDATE ON truth_corrections
WHEN NEW.id IS NOT OLD.id
  OR NEW.item_id IS NOT OLD.item_id
  OR NEW.action IS NOT OLD.action
  OR NEW.label IS NOT OLD.label
  OR NEW.findings IS NOT OLD.findings
  OR NEW.annotator IS NOT OLD.annotator
  OR NEW.at IS NOT OLD.at
  OR NOT (OLD.undone = 0 AND NEW.undone = 1)
BEGIN
    SELECT RAISE(ABORT, 'truth corrections are append-only: only undone 0 -> 1 may change');
END;
