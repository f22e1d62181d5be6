/**
 * PostgreSQL migration 5 (custody-shares), released 2026-12-08: the literal SQL it ran.
 * FROZEN: never edit this file (test/service/migrations.test.ts pins its hash); add a new migration.
 *
 * Threshold custody: the Shamir share of a version's key this custodian holds for a custodian set
 * (sealed under the master key, with its Merkle proof), the shred orders it carried out, and how
 * far the shred watcher has scanned the custody contract's ShredOrdered events.
 */
export const version = 5;
export const name = "custody-shares";
export const sql = `
    CREATE TABLE custody_shares (
      dataset_id   TEXT NOT NULL,
      version      BIGINT NOT NULL,
      set_id       BIGINT NOT NULL,
      share_index  INTEGER NOT NULL,
      sealed       BYTEA NOT NULL,
      proof        TEXT NOT NULL,
      shares_root  TEXT NOT NULL,
      deposited_by TEXT NOT NULL,
      deposited_at BIGINT NOT NULL,
      PRIMARY KEY (dataset_id, version, set_id)
    );
    CREATE TABLE custody_shreds (
      dataset_id    TEXT NOT NULL,
      version       BIGINT NOT NULL,
      set_id        BIGINT NOT NULL,
      ordered_block BIGINT NOT NULL,
      shredded_at   BIGINT NOT NULL,
      PRIMARY KEY (dataset_id, version, set_id)
    );
    CREATE TABLE custody_scan (
      id            INTEGER PRIMARY KEY CHECK (id = 1),
      scanned_block BIGINT NOT NULL
    );
`;
