-- cxr-auditor store, schema version 11: verdicts belong to a study and a
-- role, and to a session. A verdict given in a study records the study
-- and the giver's role in it (reader or adjudicator); a study's state is
-- made of its own verdicts only, and the current verdict is the latest
-- per (item, disagreement, annotator, study). session names the
-- workstation session that gave it, so an undo touches only that
-- session's verdicts. Verdicts from before have study '' (none), role ''
-- and session ''. study_log is the append-only record of what was done to
-- a study after its creation (close, reopen, unblinding); its latest
-- close or reopen says whether the study takes verdicts.

ALTER TABLE verdicts ADD COLUMN study TEXT NOT NULL DEFAULT '';
ALTER TABLE verdicts ADD COLUMN role TEXT NOT NULL DEFAULT ''
    CHECK (role IN ('', 'reader', 'adjudicator'));
ALTER TABLE verdicts ADD COLUMN session TEXT NOT NULL DEFAULT '';

DROP INDEX verdicts_current;
CREATE INDEX verdicts_current ON verdicts (item_id, disagreement_key, annotator, study, id) WHERE undone = 0;
CREATE INDEX verdicts_session_live ON verdicts (annotator, session, id) WHERE undone = 0;

DROP TRIGGER verdicts_only_undo;
CREATE TRIGGER verdicts_only_undo BEFORE UPDATE ON verdicts
WHEN NEW.id IS NOT OLD.id
  OR NEW.item_id IS NOT OLD.item_id
  OR NEW.disagreement_key IS NOT OLD.disagreement_key
  OR NEW.label IS NOT OLD.label
  OR NEW.kind IS NOT OLD.kind
  OR NEW.decision IS NOT OLD.decision
  OR NEW.annotator IS NOT OLD.annotator
  OR NEW.at IS NOT OLD.at
  OR NEW.study IS NOT OLD.study
  OR NEW.role IS NOT OLD.role
  OR NEW.session IS NOT OLD.session
  OR NOT (OLD.undone = 0 AND NEW.undone = 1)
BEGIN
    SELECT RAISE(ABORT, 'verdicts are append-only: only undone 0 -> 1 may change');
END;

CREATE TABLE study_log (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    study     TEXT NOT NULL REFERENCES studies (name),
    kind      TEXT NOT NULL CHECK (kind IN ('close', 'reopen', 'unblind')),
    annotator TEXT NOT NULL DEFAULT '',
    detail    TEXT NOT NULL DEFAULT '',
    at        TEXT NOT NULL
) STRICT;
CREATE INDEX study_log_study ON study_log (study, id);

CREATE TRIGGER study_log_no_update BEFORE UPDATE ON study_log
BEGIN
    SELECT RAISE(ABORT, 'study_log is append-only: update refused');
END;
CREATE TRIGGER study_log_no_delete BEFORE DELETE ON study_log
BEGIN
    SELECT RAISE(ABORT, 'study_log is append-only: delete refused');
END;
