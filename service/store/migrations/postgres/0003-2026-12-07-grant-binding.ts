/**
 * PostgreSQL migration 3 (grant-binding), released 2026-12-07: the literal SQL it ran.
 * FROZEN: never edit this file (test/service/migrations.test.ts pins its hash); add a new migration.
 */
export const version = 3;
export const name = "grant-binding";
export const sql = `
    ALTER TABLE releases ADD COLUMN grant_hash TEXT;
    ALTER TABLE releases ADD COLUMN grant_log_index BIGINT;
    UPDATE releases SET grant_hash = (SELECT g.block_hash FROM grants g WHERE g.request_id = releases.request_id AND g.kind = releases.kind),
                        grant_log_index = (SELECT g.log_index FROM grants g WHERE g.request_id = releases.request_id AND g.kind = releases.kind);
    ALTER TABLE dataset_keys ADD COLUMN merkle_root TEXT;
    CREATE TABLE orphaned_releases (
      request_id      TEXT NOT NULL,
      kind            BIGINT NOT NULL,
      grant_block     BIGINT NOT NULL,
      grant_hash      TEXT,
      grant_log_index BIGINT,
      requester       TEXT NOT NULL,
      dataset_id      TEXT NOT NULL,
      envelope_hash   TEXT,
      released_at     BIGINT,
      receipt_state   TEXT NOT NULL,
      orphaned_at     BIGINT NOT NULL
    );
    CREATE INDEX orphaned_releases_request ON orphaned_releases (request_id, kind);
`;
