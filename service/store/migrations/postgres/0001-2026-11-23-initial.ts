/**
 * PostgreSQL migration 1 (initial), released 2026-11-23: the literal SQL it ran.
 * FROZEN: never edit this file (test/service/migrations.test.ts pins its hash); add a new migration.
 */
export const version = 1;
export const name = "initial";
export const sql = `
      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
      CREATE TABLE dataset_keys (
        dataset_id        TEXT NOT NULL,
        version           BIGINT NOT NULL,
        sealed            BYTEA NOT NULL,
        ciphertext_sha256 TEXT NOT NULL,
        key_commitment    TEXT NOT NULL,
        deposited_by      TEXT NOT NULL,
        deposited_at      BIGINT NOT NULL,
        PRIMARY KEY (dataset_id, version)
      );
      CREATE TABLE used_signatures (
        digest     TEXT PRIMARY KEY,
        expires_at BIGINT NOT NULL
      );
      CREATE INDEX used_signatures_expiry ON used_signatures (expires_at);

    CREATE TABLE sync_state (
      id               INTEGER PRIMARY KEY CHECK (id = 1),
      tip_number       BIGINT NOT NULL,
      tip_hash         TEXT,
      finalized_number BIGINT NOT NULL,
      checkpoint       TEXT NOT NULL DEFAULT '',
      chain_time       BIGINT NOT NULL DEFAULT 0
    );

    CREATE TABLE blocks (
      number      BIGINT PRIMARY KEY,
      hash        TEXT NOT NULL,
      parent_hash TEXT NOT NULL,
      block_time  BIGINT NOT NULL
    );

    CREATE TABLE requests (
      request_id TEXT PRIMARY KEY,
      dataset_id TEXT NOT NULL,
      requester  TEXT NOT NULL,
      consent_id TEXT NOT NULL,
      key_id     BIGINT NOT NULL,
      version    BIGINT NOT NULL,
      kind       BIGINT NOT NULL,
      block_number BIGINT NOT NULL, log_index BIGINT NOT NULL, block_hash TEXT NOT NULL
    );
    CREATE INDEX requests_block ON requests (block_number);

    CREATE TABLE grants (
      request_id TEXT NOT NULL,
      kind       BIGINT NOT NULL,
      dataset_id TEXT NOT NULL,
      requester  TEXT NOT NULL,
      version    BIGINT NOT NULL,
      expires_at BIGINT NOT NULL,
      key_id     BIGINT NOT NULL,
      block_number BIGINT NOT NULL, log_index BIGINT NOT NULL, block_hash TEXT NOT NULL,
      PRIMARY KEY (request_id, kind)
    );
    CREATE INDEX grants_block ON grants (block_number);

    CREATE TABLE voids (
      block_number BIGINT NOT NULL, log_index BIGINT NOT NULL, block_hash TEXT NOT NULL,
      scope   TEXT NOT NULL CHECK (scope IN ('request', 'consent', 'member', 'dataset', 'key')),
      subject TEXT NOT NULL,
      reason  TEXT NOT NULL,
      PRIMARY KEY (block_number, log_index)
    );
    CREATE INDEX voids_subject ON voids (scope, subject);

    CREATE TABLE dataset_versions (
      dataset_id        TEXT NOT NULL,
      version           BIGINT NOT NULL,
      ciphertext_sha256 TEXT NOT NULL,
      key_commitment    TEXT NOT NULL,
      block_number BIGINT NOT NULL, log_index BIGINT NOT NULL, block_hash TEXT NOT NULL,
      PRIMARY KEY (dataset_id, version)
    );
    CREATE INDEX dataset_versions_block ON dataset_versions (block_number);

    CREATE TABLE pauses (
      block_number BIGINT NOT NULL, log_index BIGINT NOT NULL, block_hash TEXT NOT NULL,
      paused INTEGER NOT NULL,
      PRIMARY KEY (block_number, log_index)
    );

    CREATE TABLE receipt_logs (
      block_number BIGINT NOT NULL, log_index BIGINT NOT NULL, block_hash TEXT NOT NULL,
      tx_hash       TEXT NOT NULL,
      request_id    TEXT NOT NULL,
      kind          BIGINT NOT NULL,
      envelope_hash TEXT NOT NULL,
      PRIMARY KEY (block_number, log_index)
    );
    CREATE INDEX receipt_logs_release ON receipt_logs (request_id, kind);

    CREATE TABLE batch_logs (
      block_number BIGINT NOT NULL, log_index BIGINT NOT NULL, block_hash TEXT NOT NULL,
      tx_hash  TEXT NOT NULL,
      batch_id TEXT NOT NULL,
      root     TEXT NOT NULL,
      count    BIGINT NOT NULL,
      PRIMARY KEY (block_number, log_index)
    );
    CREATE INDEX batch_logs_batch ON batch_logs (batch_id);

    CREATE TABLE releases (
      request_id        TEXT NOT NULL,
      kind              BIGINT NOT NULL,
      status            TEXT NOT NULL CHECK (status IN ('pending', 'waiting-key', 'released', 'refused', 'superseded')),
      reason            TEXT,
      attempts          BIGINT NOT NULL DEFAULT 0,
      next_attempt_at   BIGINT NOT NULL DEFAULT 0,
      grant_block       BIGINT NOT NULL,
      dataset_id        TEXT NOT NULL,
      version           BIGINT,
      requester         TEXT NOT NULL,
      envelope          TEXT,
      envelope_hash     TEXT,
      released_at       BIGINT,
      leaf              TEXT,
      receipt_mode      TEXT CHECK (receipt_mode IN ('single', 'batch')),
      receipt_state     TEXT NOT NULL DEFAULT 'none' CHECK (receipt_state IN ('none', 'unsent', 'sent', 'batched', 'confirmed')),
      receipt_tx        TEXT,
      receipt_block     BIGINT,
      search_from_block BIGINT,
      batch_id          TEXT,
      proof             TEXT,
      created_at        BIGINT NOT NULL,
      updated_at        BIGINT NOT NULL,
      PRIMARY KEY (request_id, kind)
    );
    CREATE INDEX releases_due ON releases (status, next_attempt_at);
    CREATE INDEX releases_receipts ON releases (receipt_state, released_at);
    CREATE INDEX releases_batch ON releases (batch_id);
    CREATE INDEX releases_grant_block ON releases (grant_block);
    CREATE INDEX releases_key ON releases (dataset_id, version, status);

    CREATE TABLE receipt_batches (
      batch_id   TEXT PRIMARY KEY,
      root       TEXT NOT NULL,
      count      BIGINT NOT NULL,
      state      TEXT NOT NULL CHECK (state IN ('formed', 'sent', 'sealed')),
      seal_tx    TEXT,
      seal_block BIGINT,
      created_at BIGINT NOT NULL,
      updated_at BIGINT NOT NULL
    );
    CREATE INDEX receipt_batches_state ON receipt_batches (state);

    CREATE TABLE chain_txs (
      tx_key           TEXT PRIMARY KEY,
      nonce            BIGINT NOT NULL,
      hashes           TEXT NOT NULL,
      raw              TEXT NOT NULL,
      to_address       TEXT NOT NULL,
      data             TEXT NOT NULL,
      gas_limit        TEXT NOT NULL,
      max_fee          TEXT NOT NULL,
      priority_fee     TEXT NOT NULL,
      state            TEXT NOT NULL CHECK (state IN ('sent', 'mined', 'done', 'failed')),
      mined_tx         TEXT,
      mined_block      BIGINT,
      sent_at_ms       BIGINT NOT NULL,
      sent_block       BIGINT NOT NULL,
      bumps            BIGINT NOT NULL DEFAULT 0,
      resends          BIGINT NOT NULL DEFAULT 0,
      created_at       BIGINT NOT NULL,
      updated_at       BIGINT NOT NULL
    );
    CREATE INDEX chain_txs_open ON chain_txs (state, nonce);
`;
