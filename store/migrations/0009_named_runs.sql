-- cxr-auditor store, schema version 9: named runs and compare verdicts.
-- A named run is one configuration of the two model stages (models and
-- digests, prompt digests, model input, options: config, JSON of
-- audit.RunConfig, and config_key, its digest) under a readable name;
-- run_items holds its latest outcome per item, pointing at the stage
-- records it rests on (the results table keeps only the latest outcome
-- of any run). compare_verdicts are reviewers' judgments of a difference
-- between two runs' findings, append-only like verdicts: the current one
-- per (item, runs, difference, annotator) is the latest not undone.

CREATE TABLE named_runs (
    name       TEXT PRIMARY KEY NOT NULL,
    config_key TEXT NOT NULL UNIQUE,
    config     TEXT NOT NULL,
    worklist   TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE run_items (
    run             TEXT NOT NULL REFERENCES named_runs (name),
    item_id         TEXT NOT NULL,
    grounding_key   TEXT NOT NULL DEFAULT '',
    draft_key       TEXT NOT NULL DEFAULT '',
    grounding_error TEXT NOT NULL DEFAULT '',
    error           TEXT NOT NULL DEFAULT '',
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (run, item_id)
) STRICT;

CREATE TABLE compare_verdicts (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id        TEXT NOT NULL,
    run_a          TEXT NOT NULL,
    run_b          TEXT NOT NULL,
    difference_key TEXT NOT NULL,
    label          TEXT NOT NULL DEFAULT '',
    preference     TEXT NOT NULL,
    note           TEXT NOT NULL DEFAULT '',
    annotator      TEXT NOT NULL,
    at             TEXT NOT NULL,
    undone         INTEGER NOT NULL DEFAULT 0 CHECK (undone IN (0, 1))
) STRICT;

CREATE INDEX compare_verdicts_current ON compare_verdicts (item_id, run_a, run_b, difference_key, annotator, id) WHERE undone = 0;

CREATE TRIGGER compare_verdicts_no_delete BEFORE DELETE ON compare_verdicts
BEGIN
    SELECT RAISE(ABORT, 'compare verdicts are append-only: delete refused');
END;

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
  OR NOT (OLD.undone = 0 AND NEW.undone = 1)
BEGIN
    SELECT RAISE(ABORT, 'compare verdicts are append-only: only undone 0 -> 1 may change');
END;
