/**
 * SQLite migration 2 (facts-headers-batches), released 2026-11-23: the literal SQL it ran.
 * FROZEN: never edit this file (test/service/migrations.test.ts pins its hash); add a new migration.
 */
export const version = 2;
export const name = "facts-headers-batches";
export const sql = `
  DROP INDEX releases_due;
  DROP INDEX releases_receipts;
  ALTER TABLE releases RENAME TO releases_v1;
  DROP INDEX requests_by_consent;
  DROP INDEX requests_by_requester;
  DROP INDEX requests_by_dataset;
  DROP INDEX requests_by_key;
  ALTER TABLE requests RENAME TO requests_v1;
  DROP TABLE dataset_versions;
  DROP TABLE processed_events;
  DROP TABLE cursor;
  DELETE FROM meta WHERE key = 'paused';

    CREATE TABLE sync_state (
      id               INTEGER PRIMARY KEY CHECK (id = 1),
      tip_number       INTEGER NOT NULL,
      tip_hash         TEXT,
      finalized_number INTEGER NOT NULL,
      checkpoint       TEXT NOT NULL DEFAULT '',
      chain_time       INTEGER NOT NULL DEFAULT 0
    ) STRICT;

    CREATE TABLE blocks (
      number      INTEGER PRIMARY KEY,
      hash        TEXT NOT NULL,
      parent_hash TEXT NOT NULL,
      block_time  INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE requests (
      request_id TEXT PRIMARY KEY,
      dataset_id TEXT NOT NULL,
      requester  TEXT NOT NULL,
      consent_id TEXT NOT NULL,
      key_id     INTEGER NOT NULL,
      version    INTEGER NOT NULL,
      kind       INTEGER NOT NULL,
      block_number INTEGER NOT NULL, log_index INTEGER NOT NULL, block_hash TEXT NOT NULL
    ) STRICT;
    CREATE INDEX requests_block ON requests (block_number);

    CREATE TABLE grants (
      request_id TEXT NOT NULL,
      kind       INTEGER NOT NULL,
      dataset_id TEXT NOT NULL,
      requester  TEXT NOT NULL,
      version    INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      key_id     INTEGER NOT NULL,
      block_number INTEGER NOT NULL, log_index INTEGER NOT NULL, block_hash TEXT NOT NULL,
      PRIMARY KEY (request_id, kind)
    ) STRICT;
    CREATE INDEX grants_block ON grants (block_number);

    CREATE TABLE voids (
      block_number INTEGER NOT NULL, log_index INTEGER NOT NULL, block_hash TEXT NOT NULL,
      scope   TEXT NOT NULL CHECK (scope IN ('request', 'consent', 'member', 'dataset', 'key')),
      subject TEXT NOT NULL,
      reason  TEXT NOT NULL,
      PRIMARY KEY (block_number, log_index)
    ) STRICT;
    CREATE INDEX voids_subject ON voids (scope, subject);

    CREATE TABLE dataset_versions (
      dataset_id        TEXT NOT NULL,
      version           INTEGER NOT NULL,
      ciphertext_sha256 TEXT NOT NULL,
      key_commitment    TEXT NOT NULL,
      block_number INTEGER NOT NULL, log_index INTEGER NOT NULL, block_hash TEXT NOT NULL,
      PRIMARY KEY (dataset_id, version)
    ) STRICT;
    CREATE INDEX dataset_versions_block ON dataset_versions (block_number);

    CREATE TABLE pauses (
      block_number INTEGER NOT NULL, log_index INTEGER NOT NULL, block_hash TEXT NOT NULL,
      paused INTEGER NOT NULL,
      PRIMARY KEY (block_number, log_index)
    ) STRICT;

    CREATE TABLE receipt_logs (
      block_number INTEGER NOT NULL, log_index INTEGER NOT NULL, block_hash TEXT NOT NULL,
      tx_hash       TEXT NOT NULL,
      request_id    TEXT NOT NULL,
      kind          INTEGER NOT NULL,
      envelope_hash TEXT NOT NULL,
      PRIMARY KEY (block_number, log_index)
    ) STRICT;
    CREATE INDEX receipt_logs_release ON receipt_logs (request_id, kind);

    CREATE TABLE batch_logs (
      block_number INTEGER NOT NULL, log_index INTEGER NOT NULL, block_hash TEXT NOT NULL,
      tx_hash  TEXT NOT NULL,
      batch_id TEXT NOT NULL,
      root     TEXT NOT NULL,
      count    INTEGER NOT NULL,
      PRIMARY KEY (block_number, log_index)
    ) STRICT;
    CREATE INDEX batch_logs_batch ON batch_logs (batch_id);

    CREATE TABLE releases (
      request_id        TEXT NOT NULL,
      kind              INTEGER NOT NULL,
      status            TEXT NOT NULL CHECK (status IN ('pending', 'waiting-key', 'released', 'refused', 'superseded')),
      reason            TEXT,
      attempts          INTEGER NOT NULL DEFAULT 0,
      next_attempt_at   INTEGER NOT NULL DEFAULT 0,
      grant_block       INTEGER NOT NULL,
      dataset_id        TEXT NOT NULL,
      version           INTEGER,
      requester         TEXT NOT NULL,
      envelope          TEXT,
      envelope_hash     TEXT,
      released_at       INTEGER,
      leaf              TEXT,
      receipt_mode      TEXT CHECK (receipt_mode IN ('single', 'batch')),
      receipt_state     TEXT NOT NULL DEFAULT 'none' CHECK (receipt_state IN ('none', 'unsent', 'sent', 'batched', 'confirmed')),
      receipt_tx        TEXT,
      receipt_block     INTEGER,
      search_from_block INTEGER,
      batch_id          TEXT,
      proof             TEXT,
      created_at        INTEGER NOT NULL,
      updated_at        INTEGER NOT NULL,
      PRIMARY KEY (request_id, kind)
    ) STRICT;
    CREATE INDEX releases_due ON releases (status, next_attempt_at);
    CREATE INDEX releases_receipts ON releases (receipt_state, released_at);
    CREATE INDEX releases_batch ON releases (batch_id);
    CREATE INDEX releases_grant_block ON releases (grant_block);
    CREATE INDEX releases_key ON releases (dataset_id, version, status);

    CREATE TABLE receipt_batches (
      batch_id   TEXT PRIMARY KEY,
      root       TEXT NOT NULL,
      count      INTEGER NOT NULL,
      state      TEXT NOT NULL CHECK (state IN ('formed', 'sent', 'sealed')),
      seal_tx    TEXT,
      seal_block INTEGER,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX receipt_batches_state ON receipt_batches (state);

    CREATE TABLE chain_txs (
      tx_key           TEXT PRIMARY KEY,
      nonce            INTEGER NOT NULL,
      hashes           TEXT NOT NULL,
      raw              TEXT NOT NULL,
      to_address       TEXT NOT NULL,
      data             TEXT NOT NULL,
      gas_limit        TEXT NOT NULL,
      max_fee          TEXT NOT NULL,
      priority_fee     TEXT NOT NULL,
      state            TEXT NOT NULL CHECK (state IN ('sent', 'mined', 'done', 'failed')),
      mined_tx         TEXT,
      mined_block      INTEGER,
      sent_at_ms       INTEGER NOT NULL,
      sent_block       INTEGER NOT NULL,
      bumps            INTEGER NOT NULL DEFAULT 0,
      resends          INTEGER NOT NULL DEFAULT 0,
      created_at       INTEGER NOT NULL,
      updated_at       INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX chain_txs_open ON chain_txs (state, nonce);

  INSERT INTO releases (request_id, kind, status, reason, attempts, next_attempt_at, grant_block, dataset_id, version, requester,
                        envelope, envelope_hash, released_at, receipt_mode, receipt_state, receipt_tx, receipt_block,
                        search_from_block, created_at, updated_at)
    SELECT o.request_id, o.kind, o.status, o.reason, o.attempts, o.next_attempt_at, 0,
           COALESCE(r.dataset_id, ''), r.version, COALESCE(r.requester, ''),
           o.envelope, o.envelope_hash, CASE WHEN o.envelope IS NULL THEN NULL ELSE o.updated_at END,
           CASE WHEN o.envelope IS NULL THEN NULL ELSE 'single' END, o.receipt_state, o.receipt_tx, o.receipt_block,
           o.search_from_block, o.created_at, o.updated_at
    FROM releases_v1 o LEFT JOIN requests_v1 r ON r.request_id = o.request_id
    WHERE o.status IN ('released', 'refused', 'superseded');
  DROP TABLE releases_v1;
  DROP TABLE requests_v1;
`;
