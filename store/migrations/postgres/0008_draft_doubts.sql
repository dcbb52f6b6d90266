-- cxr-auditor store on PostgreSQL, schema version 8: as the SQLite store's
-- 0008_draft_doubts.sql (the number of labels whose draft reading is in
-- doubt, in a column).

ALTER TABLE results ADD COLUMN draft_doubts integer NOT NULL DEFAULT 0;

CREATE FUNCTION cxr_try_json(t text) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN t::jsonb;
EXCEPTION WHEN others THEN
    RETURN NULL;
END
$$;

UPDATE results
   SET draft_doubts = CASE WHEN jsonb_typeof(cxr_try_json(report)->'draft_doubts') = 'array'
                           THEN jsonb_array_length(cxr_try_json(report)->'draft_doubts') ELSE 0 END
 WHERE jsonb_typeof(cxr_try_json(report)) = 'object';

DROP FUNCTION cxr_try_json(text);
