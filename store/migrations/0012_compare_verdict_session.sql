-- cxr-auditor store, schema version 12: compare verdicts belong to the
-- workstation session that gave them, as verdicts do (0011), so an undo
-- in compare mode touches only that session's judgments. Judgments from
-- before have session '' (none).

ALTER TABLE compare_verdicts ADD COLUMN session TEXT NOT NULL DEFAULT '';

CREATE INDEX compare_verdicts_session_live ON compare_verdicts (annotator, session, id) WHERE undone = 0;

DROP TRIGGER compare_verdicts_only_undo;
CREATE TRIGGER compare_verdicts_only_undo BEFORE UPDATE ON compare_verdicts
WHEN NEW.id IS NOT OLD.id
  OR NEW.item_id IS NOT OLD.item_id
  OR NEW.run_a IS NOT OLD.run_a
  OR NEW.run_b IS NOT OLD.run_b
  OR NEW.difference_key IS NOT OLD.difference_key
  OR NEW.label IS NOT OLD.label
  OR NEW.preference IS NOT OLD.preference
  OR NEW.note IS NOT OLD.note
  OR NEW.annotator IS NOT OLD.annotator
  OR NEW.at IS NOT OLD.at
  OR NEW.session IS NOT OLD.session
  OR NOT (OLD.undone = 0 AND NEW.undone = 1)
BEGIN
    SELECT RAISE(ABORT, 'compare verdicts are append-only: only undone 0 -> 1 may change');
END;
