-- cxr-auditor store, schema version 1: the core tables.
-- Times are TEXT in UTC, fixed-width RFC 3339 with nanoseconds, so they sort
-- as text and read well in the sqlite3 shell. JSON columns hold the Go types
-- of package schema and compare as encoding/json writes them.
-- No foreign key ties verdicts, notes or results to items, on purpose: a
-- reviewer's verdict is kept even when its worklist row was never stored or
-- the worklist changed. (foreign_keys is on, for later migrations.)

CREATE TABLE items (
    id    TEXT PRIMARY KEY NOT NULL,
    image TEXT NOT NULL DEFAULT '',
    draft TEXT NOT NULL DEFAULT '',
    seq   INTEGER NOT NULL
) STRICT;

-- Every model call, failed ones included (for the audit). Several rows may
-- share a key (a rerun, or a failure and then a success); the cache serves the
-- latest row without error.
CREATE TABLE stage_records (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    key               TEXT NOT NULL,
    stage             TEXT NOT NULL,
    item_id           TEXT NOT NULL,
    image_hash        TEXT NOT NULL DEFAULT '',
    draft_hash        TEXT NOT NULL DEFAULT '',
    model             TEXT NOT NULL DEFAULT '',
    model_digest      TEXT NOT NULL DEFAULT '',
    prompt_digest     TEXT NOT NULL DEFAULT '',
    options           TEXT NOT NULL DEFAULT '',
    host              TEXT NOT NULL DEFAULT '',
    raw               TEXT NOT NULL DEFAULT '',
    thinking          TEXT NOT NULL DEFAULT '',
    done_reason       TEXT NOT NULL DEFAULT '',
    done              INTEGER NOT NULL DEFAULT 0,
    findings          TEXT NOT NULL DEFAULT 'null', -- JSON []schema.Finding
    labels            TEXT NOT NULL DEFAULT 'null', -- JSON []schema.DraftLabel
    diagnostics       TEXT NOT NULL DEFAULT '{}',   -- JSON schema.Diagnostics
    error             TEXT NOT NULL DEFAULT '',
    prompt_eval_count INTEGER NOT NULL DEFAULT 0,
    eval_count        INTEGER NOT NULL DEFAULT 0,
    total_ns          INTEGER NOT NULL DEFAULT 0,
    load_ns           INTEGER NOT NULL DEFAULT 0,
    eval_ns           INTEGER NOT NULL DEFAULT 0,
    wall_ns           INTEGER NOT NULL DEFAULT 0,
    created_at        TEXT NOT NULL
) STRICT;

-- The latest outcome per item (upserted).
CREATE TABLE results (
    item_id       TEXT PRIMARY KEY NOT NULL,
    grounding_key TEXT NOT NULL DEFAULT '',
    draft_key     TEXT NOT NULL DEFAULT '',
    report        TEXT NOT NULL DEFAULT 'null', -- JSON *audit.Report
    salvaged      INTEGER NOT NULL DEFAULT 0,
    error         TEXT NOT NULL DEFAULT '',
    updated_at    TEXT NOT NULL
) STRICT;

-- Verdicts are appended; an undo only flips undone from 0 to 1. The current
-- verdict per (item_id, disagreement_key, annotator) is the latest not undone.
CREATE TABLE verdicts (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id          TEXT NOT NULL,
    disagreement_key TEXT NOT NULL,
    label            TEXT NOT NULL DEFAULT '',
    kind             TEXT NOT NULL DEFAULT '',
    decision         TEXT NOT NULL,
    annotator        TEXT NOT NULL,
    at               TEXT NOT NULL,
    undone           INTEGER NOT NULL DEFAULT 0 CHECK (undone IN (0, 1))
) STRICT;

CREATE TRIGGER verdicts_no_delete BEFORE DELETE ON verdicts
BEGIN
    SELECT RAISE(ABORT, 'verdicts are append-only: delete refused');
END;

CREATE TRIGGER verdicts_only_undo BEFORE UPDATE ON verdicts
WHEN NEW.id IS NOT OLD.id
  OR NEW.item_id IS NOT OLD.item_id
  OR NEW.disagreement_key IS NOT OLD.disagreement_key
  OR NEW.label IS NOT OLD.label
  OR NEW.kind IS NOT OLD.kind
  OR NEW.decision IS NOT OLD.decision
  OR NEW.annotator IS NOT OLD.annotator
  OR NEW.at IS NOT OLD.at
  OR NOT (OLD.undone = 0 AND NEW.undone = 1)
BEGIN
    SELECT RAISE(ABORT, 'verdicts are append-only: only undone 0 -> 1 may change');
END;

-- Notes are appended; the current note per (item_id, annotator) is the latest.
CREATE TABLE notes (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id   TEXT NOT NULL,
    annotator TEXT NOT NULL,
    text      TEXT NOT NULL,
    at        TEXT NOT NULL
) STRICT;

CREATE TRIGGER notes_no_update BEFORE UPDATE ON notes
BEGIN
    SELECT RAISE(ABORT, 'notes are append-only: update refused');
END;

CREATE TRIGGER notes_no_delete BEFORE DELETE ON notes
BEGIN
    SELECT RAISE(ABORT, 'notes are append-only: delete refused');
END;

-- The audit trail: never rewritten.
CREATE TABLE events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,
    kind      TEXT NOT NULL,
    item_id   TEXT NOT NULL DEFAULT '',
    annotator TEXT NOT NULL DEFAULT '',
    data      TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: update refused');
END;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: delete refused');
END;
