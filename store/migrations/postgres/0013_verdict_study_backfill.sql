-- cxr-auditor store, schema version 13 (PostgreSQL): verdicts given before
-- version 11 are given the study and role that can claim them
-- unambiguously; those two or more studies could claim stay plain and are
-- named in verdict_study_claims. See migrations/0013_verdict_study_backfill.sql.

CREATE TABLE verdict_study_claims (
    verdict_id bigint NOT NULL,
    study      text NOT NULL REFERENCES studies (name),
    role       text NOT NULL CHECK (role IN ('reader', 'adjudicator')),
    PRIMARY KEY (verdict_id, study)
);

INSERT INTO verdict_study_claims (verdict_id, study, role)
SELECT v.id, m.study, m.role
FROM verdicts v
JOIN study_members m ON m.annotator = v.annotator
JOIN studies s ON s.name = m.study
WHERE v.study = '' AND v.session = '' AND v.at >= s.created_at
  AND EXISTS (SELECT 1 FROM study_items i
              WHERE i.study = m.study AND i.item_id = v.item_id
                AND (m.role = 'adjudicator' OR i.reader = v.annotator));

-- The append-only trigger refuses any change but undo; it is set aside for
-- this one back-fill, inside the migration's transaction.
ALTER TABLE verdicts DISABLE TRIGGER verdicts_only_undo;
UPDATE verdicts v
SET study = c.study, role = c.role
FROM verdict_study_claims c
WHERE c.verdict_id = v.id
  AND v.id IN (SELECT verdict_id FROM verdict_study_claims GROUP BY verdict_id HAVING count(*) = 1);
ALTER TABLE verdicts ENABLE TRIGGER verdicts_only_undo;

DELETE FROM verdict_study_claims
WHERE verdict_id IN (SELECT verdict_id FROM verdict_study_claims GROUP BY verdict_id HAVING count(*) = 1);

CREATE TRIGGER verdict_study_claims_no_change BEFORE UPDATE OR DELETE ON verdict_study_claims
    FOR EACH ROW EXECUTE FUNCTION cxr_refuse_change();
CREATE TRIGGER verdict_study_claims_no_truncate BEFORE TRUNCATE ON verdict_study_claims
    FOR EACH STATEMENT EXECUTE FUNCTION cxr_refuse_change();
