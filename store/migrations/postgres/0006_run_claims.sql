-- cxr-auditor store on PostgreSQL, schema version 6: runs shared by several
-- processes, as the SQLite store's 0006_run_claims.sql. Claims are taken
-- with SELECT ... FOR UPDATE SKIP LOCKED; lease_until is on the server's
-- clock.

CREATE TABLE runs (
    run        text PRIMARY KEY NOT NULL,
    round      integer NOT NULL DEFAULT 1,
    items      bigint NOT NULL,
    created_at text NOT NULL
);

CREATE TABLE run_claims (
    run         text NOT NULL REFERENCES runs (run),
    item_id     text NOT NULL,
    seq         bigint NOT NULL,
    state       text NOT NULL CHECK (state IN ('pending', 'running', 'done')),
    worker      text NOT NULL DEFAULT '',
    lease_until bigint NOT NULL DEFAULT 0,
    failed      integer NOT NULL DEFAULT 0 CHECK (failed IN (0, 1)),
    attempts    integer NOT NULL DEFAULT 0,
    PRIMARY KEY (run, item_id)
);

CREATE INDEX run_claims_next ON run_claims (run, state, seq);
CREATE INDEX run_claims_worker ON run_claims (run, worker, state);
