-- cxr-auditor store on PostgreSQL, schema version 5: reading studies, as
-- the SQLite store's 0005_studies.sql (append-only, enforced by triggers,
-- TRUNCATE included).

CREATE TABLE studies (
    name       text PRIMARY KEY NOT NULL,
    per_item   integer NOT NULL CHECK (per_item >= 1),
    rule       text NOT NULL,
    created_at text NOT NULL,
    created_by text NOT NULL DEFAULT ''
);

CREATE TABLE study_members (
    study     text NOT NULL REFERENCES studies (name),
    annotator text NOT NULL,
    role      text NOT NULL CHECK (role IN ('reader', 'adjudicator')),
    position  integer NOT NULL,
    PRIMARY KEY (study, annotator)
);

CREATE TABLE study_items (
    study    text NOT NULL REFERENCES studies (name),
    item_id  text NOT NULL,
    position bigint NOT NULL,
    reader   text NOT NULL,
    PRIMARY KEY (study, item_id, reader)
);

CREATE INDEX study_items_item ON study_items (item_id, study, reader);
CREATE INDEX study_items_position ON study_items (study, position);

CREATE TRIGGER studies_no_change BEFORE UPDATE OR DELETE ON studies
    FOR EACH ROW EXECUTE FUNCTION cxr_refuse_change();
CREATE TRIGGER studies_no_truncate BEFORE TRUNCATE ON studies
    FOR EACH STATEMENT EXECUTE FUNCTION cxr_refuse_change();
CREATE TRIGGER study_members_no_change BEFORE UPDATE OR DELETE ON study_members
    FOR EACH ROW EXECUTE FUNCTION cxr_refuse_change();
CREATE TRIGGER study_members_no_truncate BEFORE TRUNCATE ON study_members
    FOR EACH STATEMENT EXECUTE FUNCTION cxr_refuse_change();
CREATE TRIGGER study_items_no_change BEFORE UPDATE OR DELETE ON study_items
    FOR EACH ROW EXECUTE FUNCTION cxr_refuse_change();
CREATE TRIGGER study_items_no_truncate BEFORE TRUNCATE ON study_items
    FOR EACH STATEMENT EXECUTE FUNCTION cxr_refuse_change();
