-- cxr-auditor store, schema version 12 (PostgreSQL): compare verdicts
-- belong to the workstation session that gave them. See
-- migrations/0012_compare_verdict_session.sql.

ALTER TABLE compare_verdicts ADD COLUMN session text NOT NULL DEFAULT '';

CREATE INDEX compare_verdicts_session_live ON compare_verdicts (annotator, session, id) WHERE undone = 0;

CREATE OR REPLACE FUNCTION cxr_compare_verdicts_only_undo() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id IS DISTINCT FROM OLD.id
       OR NEW.item_id IS DISTINCT FROM OLD.item_id
       OR NEW.run_a IS DISTINCT FROM OLD.run_a
       OR NEW.run_b IS DISTINCT FROM OLD.run_b
       OR NEW.difference_key IS DISTINCT FROM OLD.difference_key
       OR NEW.label IS DISTINCT FROM OLD.label
       OR NEW.preference IS DISTINCT FROM OLD.preference
       OR NEW.note IS DISTINCT FROM OLD.note
       OR NEW.annotator IS DISTINCT FROM OLD.annotator
       OR NEW.at IS DISTINCT FROM OLD.at
       OR NEW.session IS DISTINCT FROM OLD.session
       OR NOT (OLD.undone = 0 AND NEW.undone = 1) THEN
        RAISE EXCEPTION 'compare verdicts are append-only: only undone 0 -> 1 may change';
    END IF;
    RETURN NEW;
END
$$;
