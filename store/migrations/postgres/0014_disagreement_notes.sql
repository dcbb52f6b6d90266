-- cxr-auditor store, schema version 14 (PostgreSQL): a note may be on one
-- disagreement of an item. See migrations/0014_disagreement_notes.sql.

ALTER TABLE notes ADD COLUMN disagreement text NOT NULL DEFAULT '';
