-- cxr-auditor store, schema version 6: runs shared by several processes
-- (run on several GPU servers, one store). A shared run is keyed by its
-- worklist and configuration; run_claims holds one row per item: pending,
-- running under a worker's lease (lease_until, milliseconds since the
-- epoch on the database's clock, so workers' clocks need not agree), or
-- done. A new round starts when a finished run is started again (resume:
-- cached items are served from the store, failures retried). This is
-- coordination state, not the audit trail: rows change; takeovers and
-- rounds are events.

CREATE TABLE runs (
    run        TEXT PRIMARY KEY NOT NULL,
    round      INTEGER NOT NULL DEFAULT 1,
    items      INTEGER NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE run_claims (
    run         TEXT NOT NULL REFERENCES runs (run),
    item_id     TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done')),
    worker      TEXT NOT NULL DEFAULT '',
    lease_until INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0 CHECK (failed IN (0, 1)),
    attempts    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run, item_id)
) STRICT;

-- The next items to claim, in worklist order.
CREATE INDEX run_claims_next ON run_claims (run, state, seq);
CREATE INDEX run_claims_worker ON run_claims (run, worker, state);
