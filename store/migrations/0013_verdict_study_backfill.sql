-- cxr-auditor store, schema version 13: verdicts given before version 11
-- (study '', session '') are given the study and role that can claim them
-- unambiguously, so a study in progress at the upgrade keeps its state. A
-- study claims a verdict when its annotator is a member, the item is in
-- the member's assignment (a reader) or in the study (an adjudicator), and
-- the verdict was given after the study's creation. A verdict that two or
-- more studies could claim stays plain, and its candidates are kept in
-- verdict_study_claims so that doctor and study status can name them; no
-- guess is made. Verdicts given since version 11 carry a session and are
-- left as they were given.

CREATE TABLE verdict_study_claims (
    verdict_id INTEGER NOT NULL REFERENCES verdicts (id),
    study      TEXT NOT NULL REFERENCES studies (name),
    role       TEXT NOT NULL CHECK (role IN ('reader', 'adjudicator')),
    PRIMARY KEY (verdict_id, study)
) STRICT;

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
-- this one back-fill and put back as it was.
DROP TRIGGER verdicts_only_undo;
UPDATE verdicts
SET study = (SELECT c.study FROM verdict_study_claims c WHERE c.verdict_id = verdicts.id),
    role  = (SELECT c.role FROM verdict_study_claims c WHERE c.verdict_id = verdicts.id)
WHERE id IN (SELECT verdict_id FROM verdict_study_claims GROUP BY verdict_id HAVING count(*) = 1);
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

-- What is left are the verdicts no study could claim alone.
DELETE FROM verdict_study_claims
WHERE verdict_id IN (SELECT verdict_id FROM verdict_study_claims GROUP BY verdict_id HAVING count(*) = 1);

CREATE TRIGGER verdict_study_claims_no_update BEFORE UPDATE ON verdict_study_claims
BEGIN
    SELECT RAISE(ABORT, 'verdict_study_claims are append-only: update refused');
END;
CREATE TRIGGER verdict_study_claims_no_delete BEFORE DELETE ON verdict_study_claims
BEGIN
    SELECT RAISE(ABORT, 'verdict_study_claims are append-only: delete refused');
END;
