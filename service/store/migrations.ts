/**
 * Versioned schema migrations, one list per dialect. Each migration runs once, in order, in its
 * own transaction, and is recorded in `schema_migrations`; a database newer than the build is
 * refused. Never edit a released migration: add one.
 *
 * SQLite: v1 is the first cut's schema (mutable derived state); v2 replaces the derived tables by
 * facts tagged with their block (see store.ts) and adds headers, receipt batches and the chain
 * transaction outbox. v2 keeps deposited keys, envelopes and receipts; facts are re-derived from
 * the chain (the sync restarts from the deployment block; replaying changes nothing).
 * PostgreSQL: v1 is the v2 schema directly.
 *
 * Tables (current):
 *  - meta: the deployment this database belongs to.
 *  - sync_state: tip (block, hash), finalized block, checkpoint of the last log, chain time.
 *  - blocks: headers of the unfinalized window (+ a few final ones), linked by parent hash.
 *  - requests, grants, voids, dataset_versions, pauses, receipt_logs, batch_logs: facts, each
 *    with block_number / block_hash / log_index; rolled back by block number.
 *  - dataset_keys: deposited data keys, sealed under the master key.
 *  - releases: one row per (request, kind): status, envelope, receipt progress, batch + proof.
 *  - receipt_batches: formed / sent / sealed Merkle batches of receipts.
 *  - chain_txs: transactions the custodian sent (nonce, hashes, signed bytes).
 *  - used_signatures: digests of signed fetch requests, kept until they expire (replay guard).
 *  - auth_sessions: Sign-In with Ethereum sessions of the HTTP API, by token hash (sqlite v3 / pg v2).
 *  - sqlite v4 / pg v3 (grant binding): releases.grant_hash / grant_log_index name the
 *    AccessGranted log a release row came from (a reorg can give the same request id to another
 *    requester: the row of the orphaned grant is moved to orphaned_releases, never served or
 *    receipted); dataset_keys.merkle_root is the version root the key's v2 commitment binds.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

type Dialect = "sqlite" | "postgres";

/** The tables of the current design, in either dialect. */
function currentTables(d: Dialect): string {
  const INT = d === "sqlite" ? "INTEGER" : "BIGINT";
  const STRICT = d === "sqlite" ? " STRICT" : "";
  const fact = `block_number ${INT} NOT NULL, log_index ${INT} NOT NULL, block_hash TEXT NOT NULL`;
  return `
    CREATE TABLE sync_state (
      id               INTEGER PRIMARY KEY CHECK (id = 1),
      tip_number       ${INT} NOT NULL,
      tip_hash         TEXT,
      finalized_number ${INT} NOT NULL,
      checkpoint       TEXT NOT NULL DEFAULT '',
      chain_time       ${INT} NOT NULL DEFAULT 0
    )${STRICT};

    CREATE TABLE blocks (
      number      ${INT} PRIMARY KEY,
      hash        TEXT NOT NULL,
      parent_hash TEXT NOT NULL,
      block_time  ${INT} NOT NULL
    )${STRICT};

    CREATE TABLE requests (
      request_id TEXT PRIMARY KEY,
      dataset_id TEXT NOT NULL,
      requester  TEXT NOT NULL,
      consent_id TEXT NOT NULL,
      key_id     ${INT} NOT NULL,
      version    ${INT} NOT NULL,
      kind       ${INT} NOT NULL,
      ${fact}
    )${STRICT};
    CREATE INDEX requests_block ON requests (block_number);

    CREATE TABLE grants (
      request_id TEXT NOT NULL,
      kind       ${INT} NOT NULL,
      dataset_id TEXT NOT NULL,
      requester  TEXT NOT NULL,
      version    ${INT} NOT NULL,
      expires_at ${INT} NOT NULL,
      key_id     ${INT} NOT NULL,
      ${fact},
      PRIMARY KEY (request_id, kind)
    )${STRICT};
    CREATE INDEX grants_block ON grants (block_number);

    CREATE TABLE voids (
      ${fact},
      scope   TEXT NOT NULL CHECK (scope IN ('request', 'consent', 'member', 'dataset', 'key')),
      subject TEXT NOT NULL,
      reason  TEXT NOT NULL,
      PRIMARY KEY (block_number, log_index)
    )${STRICT};
    CREATE INDEX voids_subject ON voids (scope, subject);

    CREATE TABLE dataset_versions (
      dataset_id        TEXT NOT NULL,
      version           ${INT} NOT NULL,
      ciphertext_sha256 TEXT NOT NULL,
      key_commitment    TEXT NOT NULL,
      ${fact},
      PRIMARY KEY (dataset_id, version)
    )${STRICT};
    CREATE INDEX dataset_versions_block ON dataset_versions (block_number);

    CREATE TABLE pauses (
      ${fact},
      paused INTEGER NOT NULL,
      PRIMARY KEY (block_number, log_index)
    )${STRICT};

    CREATE TABLE receipt_logs (
      ${fact},
      tx_hash       TEXT NOT NULL,
      request_id    TEXT NOT NULL,
      kind          ${INT} NOT NULL,
      envelope_hash TEXT NOT NULL,
      PRIMARY KEY (block_number, log_index)
    )${STRICT};
    CREATE INDEX receipt_logs_release ON receipt_logs (request_id, kind);

    CREATE TABLE batch_logs (
      ${fact},
      tx_hash  TEXT NOT NULL,
      batch_id TEXT NOT NULL,
      root     TEXT NOT NULL,
      count    ${INT} NOT NULL,
      PRIMARY KEY (block_number, log_index)
    )${STRICT};
    CREATE INDEX batch_logs_batch ON batch_logs (batch_id);

    CREATE TABLE releases (
      request_id        TEXT NOT NULL,
      kind              ${INT} NOT NULL,
      status            TEXT NOT NULL CHECK (status IN ('pending', 'waiting-key', 'released', 'refused', 'superseded')),
      reason            TEXT,
      attempts          ${INT} NOT NULL DEFAULT 0,
      next_attempt_at   ${INT} NOT NULL DEFAULT 0,
      grant_block       ${INT} NOT NULL,
      dataset_id        TEXT NOT NULL,
      version           ${INT},
      requester         TEXT NOT NULL,
      envelope          TEXT,
      envelope_hash     TEXT,
      released_at       ${INT},
      leaf              TEXT,
      receipt_mode      TEXT CHECK (receipt_mode IN ('single', 'batch')),
      receipt_state     TEXT NOT NULL DEFAULT 'none' CHECK (receipt_state IN ('none', 'unsent', 'sent', 'batched', 'confirmed')),
      receipt_tx        TEXT,
      receipt_block     ${INT},
      search_from_block ${INT},
      batch_id          TEXT,
      proof             TEXT,
      created_at        ${INT} NOT NULL,
      updated_at        ${INT} NOT NULL,
      PRIMARY KEY (request_id, kind)
    )${STRICT};
    CREATE INDEX releases_due ON releases (status, next_attempt_at);
    CREATE INDEX releases_receipts ON releases (receipt_state, released_at);
    CREATE INDEX releases_batch ON releases (batch_id);
    CREATE INDEX releases_grant_block ON releases (grant_block);
    CREATE INDEX releases_key ON releases (dataset_id, version, status);

    CREATE TABLE receipt_batches (
      batch_id   TEXT PRIMARY KEY,
      root       TEXT NOT NULL,
      count      ${INT} NOT NULL,
      state      TEXT NOT NULL CHECK (state IN ('formed', 'sent', 'sealed')),
      seal_tx    TEXT,
      seal_block ${INT},
      created_at ${INT} NOT NULL,
      updated_at ${INT} NOT NULL
    )${STRICT};
    CREATE INDEX receipt_batches_state ON receipt_batches (state);

    CREATE TABLE chain_txs (
      tx_key           TEXT PRIMARY KEY,
      nonce            ${INT} NOT NULL,
      hashes           TEXT NOT NULL,
      raw              TEXT NOT NULL,
      to_address       TEXT NOT NULL,
      data             TEXT NOT NULL,
      gas_limit        TEXT NOT NULL,
      max_fee          TEXT NOT NULL,
      priority_fee     TEXT NOT NULL,
      state            TEXT NOT NULL CHECK (state IN ('sent', 'mined', 'done', 'failed')),
      mined_tx         TEXT,
      mined_block      ${INT},
      sent_at_ms       ${INT} NOT NULL,
      sent_block       ${INT} NOT NULL,
      bumps            ${INT} NOT NULL DEFAULT 0,
      resends          ${INT} NOT NULL DEFAULT 0,
      created_at       ${INT} NOT NULL,
      updated_at       ${INT} NOT NULL
    )${STRICT};
    CREATE INDEX chain_txs_open ON chain_txs (state, nonce);
  `;
}

const SQLITE_V1 = `
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

/** v1 → v2: facts instead of mutable derived state; headers, batches, outbox. Keeps keys and envelopes. */
const SQLITE_V2 = `
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
  ${currentTables("sqlite")}
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

/** Sign-In with Ethereum sessions of the HTTP API (service/http/siwe.ts): token hashes only. */
function authSessions(d: Dialect): string {
  const INT = d === "sqlite" ? "INTEGER" : "BIGINT";
  const STRICT = d === "sqlite" ? " STRICT" : "";
  return `
    CREATE TABLE auth_sessions (
      token_hash TEXT PRIMARY KEY,
      address    TEXT NOT NULL,
      expires_at ${INT} NOT NULL,
      created_at ${INT} NOT NULL
    )${STRICT};
    CREATE INDEX auth_sessions_expiry ON auth_sessions (expires_at);
  `;
}

/** Release rows bound to their grant's log; orphaned releases archived; the key's Merkle root. */
function grantBinding(d: Dialect): string {
  const INT = d === "sqlite" ? "INTEGER" : "BIGINT";
  const STRICT = d === "sqlite" ? " STRICT" : "";
  return `
    ALTER TABLE releases ADD COLUMN grant_hash TEXT;
    ALTER TABLE releases ADD COLUMN grant_log_index ${INT};
    UPDATE releases SET grant_hash = (SELECT g.block_hash FROM grants g WHERE g.request_id = releases.request_id AND g.kind = releases.kind),
                        grant_log_index = (SELECT g.log_index FROM grants g WHERE g.request_id = releases.request_id AND g.kind = releases.kind);
    ALTER TABLE dataset_keys ADD COLUMN merkle_root TEXT;
    CREATE TABLE orphaned_releases (
      request_id      TEXT NOT NULL,
      kind            ${INT} NOT NULL,
      grant_block     ${INT} NOT NULL,
      grant_hash      TEXT,
      grant_log_index ${INT},
      requester       TEXT NOT NULL,
      dataset_id      TEXT NOT NULL,
      envelope_hash   TEXT,
      released_at     ${INT},
      receipt_state   TEXT NOT NULL,
      orphaned_at     ${INT} NOT NULL
    )${STRICT};
    CREATE INDEX orphaned_releases_request ON orphaned_releases (request_id, kind);
  `;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "initial", sql: SQLITE_V1 },
  { version: 2, name: "facts-headers-batches", sql: SQLITE_V2 },
  { version: 3, name: "auth-sessions", sql: authSessions("sqlite") },
  { version: 4, name: "grant-binding", sql: grantBinding("sqlite") },
];

export const PG_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "initial",
    sql: `
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
      ${currentTables("postgres")}
    `,
  },
  { version: 2, name: "auth-sessions", sql: authSessions("postgres") },
  { version: 3, name: "grant-binding", sql: grantBinding("postgres") },
];
