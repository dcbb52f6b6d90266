-- cxr-auditor store, schema version 5: reading studies. A study names its
-- readers (in the order of the assignment rule), how many read each item,
-- and its adjudicators; study_items holds which readers read which item,
-- assigned once and never changed (audit.Study.ReadersAt states the rule).
-- All three are append-only, enforced here as for verdicts: a study's
-- definition and its assignments are part of the audit trail. Every step
-- (creation, assignment, each unit's change of state) is also an event.

CREATE TABLE studies (
    name       TEXT PRIMARY KEY NOT NULL,
    per_item   INTEGER NOT NULL CHECK (per_item >= 1),
    rule       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE study_members (
    study     TEXT NOT NULL REFERENCES studies (name),
    annotator TEXT NOT NULL,
    role      TEXT NOT NULL CHECK (role IN ('reader', 'adjudicator')),
    position  INTEGER NOT NULL,
    PRIMARY KEY (study, annotator)
) STRICT;

CREATE TABLE study_items (
    study    TEXT NOT NULL REFERENCES studies (name),
    item_id  TEXT NOT NULL,
    position INTEGER NOT NULL,
    reader   TEXT NOT NULL,
    PRIMARY KEY (study, item_id, reader)
) STRICT;

-- The item's studies, looked up on every verdict saved.
CREATE INDEX study_items_item ON study_items (item_id, study, reader);
CREATE INDEX study_items_position ON study_items (study, position);

CREATE TRIGGER studies_no_update BEFORE UPDATE ON studies
BEGIN
    SELECT RAISE(ABORT, 'studies are append-only: update refused');
END;
CREATE TRIGGER studies_no_delete BEFORE DELETE ON studies
BEGIN
    SELECT RAISE(ABORT, 'studies are append-only: delete refused');
END;
CREATE TRIGGER study_members_no_update BEFORE UPDATE ON study_members
BEGIN
    SELECT RAISE(ABORT, 'study_members are append-only: update refused');
END;
CREATE TRIGGER study_members_no_delete BEFORE DELETE ON study_members
BEGIN
    SELECT RAISE(ABORT, 'study_members are append-only: delete refused');
END;
CREATE TRIGGER study_items_no_update BEFORE UPDATE ON study_items
BEGIN
    SELECT RAISE(ABORT, 'study_items are append-only: update refused');
END;
CREATE TRIGGER study_items_no_delete BEFORE DELETE ON study_items
BEGIN
    SELECT RAISE(ABORT, 'study_items are append-only: delete refused');
END;
