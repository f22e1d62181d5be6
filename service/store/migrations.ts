/**
 * Versioned schema migrations, one list per dialect. Each migration runs once, in order, in its
 * own transaction, and is recorded in `schema_migrations`; a database newer than the build is
 * refused.
 *
 * Each migration is FROZEN as a dated file holding the literal SQL it ran
 * (./migrations/<dialect>/NNNN-YYYY-MM-DD-name.ts); test/service/migrations.test.ts pins the hash
 * of every file, so a released migration cannot change. A design change is a new file, appended
 * to the list below (never generated from the current tables).
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
 *  - sqlite v5 / pg v4 (merkle-root-commitment): dataset_keys and dataset_versions drop
 *    ciphertext_sha256 (stream format v2: the Merkle root is the content commitment).
 *  - sqlite v6 / pg v5 (custody-shares): threshold custody — custody_shares (this custodian's
 *    Shamir share per (dataset, version, set), sealed, with its Merkle proof), custody_shreds (shred
 *    orders carried out: never accepted or served again), custody_scan (the shred watcher's cursor).
 */
import * as pg1 from "./migrations/postgres/0001-2026-11-23-initial.js";
import * as pg2 from "./migrations/postgres/0002-2026-11-23-auth-sessions.js";
import * as pg3 from "./migrations/postgres/0003-2026-12-07-grant-binding.js";
import * as pg4 from "./migrations/postgres/0004-2026-12-08-merkle-root-commitment.js";
import * as pg5 from "./migrations/postgres/0005-2026-12-08-custody-shares.js";
import * as sqlite1 from "./migrations/sqlite/0001-2026-11-23-initial.js";
import * as sqlite2 from "./migrations/sqlite/0002-2026-11-23-facts-headers-batches.js";
import * as sqlite3 from "./migrations/sqlite/0003-2026-11-23-auth-sessions.js";
import * as sqlite4 from "./migrations/sqlite/0004-2026-12-07-grant-binding.js";
import * as sqlite5 from "./migrations/sqlite/0005-2026-12-08-merkle-root-commitment.js";
import * as sqlite6 from "./migrations/sqlite/0006-2026-12-08-custody-shares.js";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const frozen = (m: Migration): Migration => ({ version: m.version, name: m.name, sql: m.sql });

/** SQLite migrations, applied in this order. */
export const MIGRATIONS: readonly Migration[] = [sqlite1, sqlite2, sqlite3, sqlite4, sqlite5, sqlite6].map(frozen);

/** PostgreSQL migrations, applied in this order. */
export const PG_MIGRATIONS: readonly Migration[] = [pg1, pg2, pg3, pg4, pg5].map(frozen);

for (const list of [MIGRATIONS, PG_MIGRATIONS]) {
  list.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${m.name} has version ${m.version}, expected ${i + 1}`);
  });
}
