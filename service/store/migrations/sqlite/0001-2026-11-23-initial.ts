/**
 * SQLite migration 1 (initial), released 2026-11-23: the literal SQL it ran.
 * FROZEN: never edit this file (test/service/migrations.test.ts pins its hash); add a new migration.
 */
export const version = 1;
export const name = "initial";
export const sql = `
  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) STRICT;

  CREATE TABLE cursor (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    block_number INTEGER NOT NULL,
    block_hash   TEXT,
    chain_time   INTEGER NOT NULL DEFAULT 0
  ) STRICT;

  CREATE TABLE processed_events (
    block_number INTEGER NOT NULL,
    log_index    INTEGER NOT NULL,
    block_hash   TEXT NOT NULL,
    tx_hash      TEXT NOT NULL,
    name         TEXT NOT NULL,
    event        TEXT NOT NULL,
    PRIMARY KEY (block_number, log_index)
  ) STRICT;

  CREATE TABLE requests (
    request_id  TEXT PRIMARY KEY,
    dataset_id  TEXT NOT NULL,
    requester   TEXT NOT NULL,
    consent_id  TEXT,
    key_id      INTEGER NOT NULL,
    kind        INTEGER NOT NULL DEFAULT 0,
    version     INTEGER,
    expires_at  INTEGER,
    void_reason TEXT
  ) STRICT;
  CREATE INDEX requests_by_consent ON requests (consent_id);
  CREATE INDEX requests_by_requester ON requests (requester);
  CREATE INDEX requests_by_dataset ON requests (dataset_id, version);
  CREATE INDEX requests_by_key ON requests (key_id);

  CREATE TABLE dataset_versions (
    dataset_id        TEXT NOT NULL,
    version           INTEGER NOT NULL,
    ciphertext_sha256 TEXT NOT NULL,
    key_commitment    TEXT NOT NULL,
    PRIMARY KEY (dataset_id, version)
  ) STRICT;

  CREATE TABLE dataset_keys (
    dataset_id        TEXT NOT NULL,
    version           INTEGER NOT NULL,
    sealed            BLOB NOT NULL,
    ciphertext_sha256 TEXT NOT NULL,
    key_commitment    TEXT NOT NULL,
    deposited_by      TEXT NOT NULL,
    deposited_at      INTEGER NOT NULL,
    PRIMARY KEY (dataset_id, version)
  ) STRICT;

  CREATE TABLE releases (
    request_id        TEXT NOT NULL,
    kind              INTEGER NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('pending', 'waiting-key', 'released', 'refused', 'superseded')),
    reason            TEXT,
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   INTEGER NOT NULL DEFAULT 0,
    envelope          TEXT,
    envelope_hash     TEXT,
    receipt_state     TEXT NOT NULL DEFAULT 'none' CHECK (receipt_state IN ('none', 'unsent', 'sent', 'confirmed')),
    receipt_tx        TEXT,
    receipt_block     INTEGER,
    search_from_block INTEGER,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    PRIMARY KEY (request_id, kind)
  ) STRICT;
  CREATE INDEX releases_due ON releases (status, next_attempt_at);
  CREATE INDEX releases_receipts ON releases (receipt_state);

  CREATE TABLE used_signatures (
    digest     TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX used_signatures_expiry ON used_signatures (expires_at);
`;
