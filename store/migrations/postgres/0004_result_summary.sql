-- cxr-auditor store on PostgreSQL, schema version 4: as the SQLite store's
-- 0004_result_summary.sql (urgent and disagreements in columns).

ALTER TABLE results ADD COLUMN urgent integer NOT NULL DEFAULT 0;
ALTER TABLE results ADD COLUMN disagreements integer NOT NULL DEFAULT 0;

CREATE FUNCTION cxr_try_json(t text) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN t::jsonb;
EXCEPTION WHEN others THEN
    RETURN NULL;
END
$$;

UPDATE results
   SET urgent = CASE WHEN cxr_try_json(report)->>'urgent' = 'true' THEN 1 ELSE 0 END,
       disagreements = CASE WHEN jsonb_typeof(cxr_try_json(report)->'disagreements') = 'array'
                            THEN jsonb_array_length(cxr_try_json(report)->'disagreements') ELSE 0 END
 WHERE jsonb_typeof(cxr_try_json(report)) = 'object';

DROP FUNCTION cxr_try_json(text);
