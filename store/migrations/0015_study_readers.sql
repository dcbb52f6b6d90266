-- cxr-auditor store, schema version 15: a study's readers change. A
-- reader may be added (a new study_members row) or depart; a departed
-- reader's items that they had not read go to other readers (new
-- study_items rows), and from then on their verdicts in the study are
-- refused. Members and assignments stay append-only: study_reader_changes
-- records each addition and departure (with the readers who took the
-- departed reader's items), and a departed reader counts on an item only
-- where they had given a verdict before leaving.

CREATE TABLE study_reader_changes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    study      TEXT NOT NULL REFERENCES studies (name),
    kind       TEXT NOT NULL CHECK (kind IN ('add', 'depart')),
    annotator  TEXT NOT NULL,
    successors TEXT NOT NULL DEFAULT '',
    by_whom    TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT '',
    at         TEXT NOT NULL
) STRICT;

CREATE TRIGGER study_reader_changes_no_update BEFORE UPDATE ON study_reader_changes
BEGIN
    SELECT RAISE(ABORT, 'study_reader_changes are append-only: update refused');
END;
CREATE TRIGGER study_reader_changes_no_delete BEFORE DELETE ON study_reader_changes
BEGIN
    SELECT RAISE(ABORT, 'study_reader_changes are append-only: delete refused');
END;
