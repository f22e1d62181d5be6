/**
 * The custodian's storage: six aggregates, each behind its own small interface in its own file
 * (sync, release, receipts, transaction outbox, auth/replay, custody shares; {@link Store} is all of them), with
 * two implementations that run the same test suite (test/service/store.test.ts): SQLite
 * (embedded, the default; ./sqlite.ts) and PostgreSQL (several replicas on one database;
 * ./postgres.ts). Both are thin drivers under one SQL core — one file per aggregate
 * (./sql-sync.ts, ./sql-release.ts, ./sql-receipts.ts, ./sql-outbox.ts, ./sql-auth.ts) sharing
 * ./sql.ts and ./sql-rows.ts, composed by ./sql-store.ts — so the two cannot drift apart.
 * Each aggregate's types live with its interface; this file re-exports them, with what every
 * aggregate shares (the deployment binding, replica leadership) and the whole {@link Store}.
 *
 * What is stored, and why it can be rolled back:
 *  - **Facts** (requests, grants, voids, dataset versions, pauses, release and batch logs): one
 *    row per ledger event, each carrying the block number and hash it came from and its log
 *    index. Everything the serve path knows is computed from facts at read time, so a reorg is
 *    undone by deleting the facts of the orphaned blocks (`block_number > fork point`) — no
 *    replay, no undo journal. Facts are keyed by their natural id or (block, log index) and
 *    inserted with ON CONFLICT DO NOTHING: replaying any range changes nothing.
 *  - **Sync state**: the tip (last block applied, its hash), the finalized block (tip − the
 *    confirmation depth), the checkpoint of the last applied log, and the unfinalized block
 *    headers linked by parent hash. {@link Store.ingest} writes the facts, the headers and the
 *    new sync state in ONE transaction.
 *  - **Releases**: one row per (request, kind), created only when the grant's block becomes
 *    final (in the same transaction that moves the finalized block), bound to that grant's log
 *    (block hash + log index), then driven by the release worker: pending → released |
 *    waiting-key | refused | superseded. An envelope is saved only onto the row of the grant it
 *    was made for. A reorg that orphans a grant moves its row (released or not) out of
 *    `releases` into an archive (`orphaned_releases`): it is never served or receipted, and a
 *    grant of the same request id on the new branch gets a fresh row.
 *  - **Receipts**: single (`recordRelease`, one tx per release) or batched (a Merkle root per
 *    batch, `sealReceiptBatch`); receipts are confirmed when the chain's event for them is final.
 *  - **Chain transactions** sent by the custodian (nonce, every hash it was broadcast under,
 *    the signed bytes), persisted BEFORE broadcast (see service/receipts/tx.ts).
 *  - Deposited data keys (sealed under the master key) and used request signatures.
 *  - Threshold custody (./share-store.ts): this custodian's Shamir shares (sealed), the shred
 *    orders it carried out, the shred watcher's cursor.
 *
 * Ids that are uint256/uint64 on chain travel as decimal strings; addresses are checksummed;
 * hashes are lower-case 0x hex; times are unix seconds unless named `…Ms`.
 */
import type { AuthStore } from "./auth-store.js";
import type { ReceiptStore } from "./receipts-store.js";
import type { ReleaseStore } from "./release-store.js";
import type { ShareStore } from "./share-store.js";
import type { SyncStore } from "./sync-store.js";
import type { TxOutbox } from "./tx-outbox.js";

export type * from "./auth-store.js";
export type * from "./receipts-store.js";
export type * from "./release-store.js";
export type * from "./share-store.js";
export type * from "./sync-store.js";
export type * from "./tx-outbox.js";

/** What ties a database to one deployment; a store refuses to open for another. */
export interface StoreBinding {
  chainId: string;
  ledger: string;
  /** Where following starts on an empty store (the deployment block). */
  startBlock: number;
}

/** Leadership among replicas sharing a database (PostgreSQL advisory lock; SQLite: always). */
export interface Leadership {
  /** Tries to become (or stay) the leader; true while this process holds the lock. */
  acquire(): Promise<boolean>;
  readonly isLeader: boolean;
  /** Gives the lock up (leader stepping down, or shutdown). */
  release(): Promise<void>;
}

/**
 * The whole store: one database, six aggregates, each behind its own interface (callers take
 * only the one they use): {@link SyncStore} (./sync-store.ts), {@link ReleaseStore}
 * (./release-store.ts), {@link ReceiptStore} (./receipts-store.ts), {@link TxOutbox}
 * (./tx-outbox.ts), {@link AuthStore} (./auth-store.ts), {@link ShareStore} (./share-store.ts).
 */
export interface Store extends SyncStore, ReleaseStore, ReceiptStore, TxOutbox, AuthStore, ShareStore {
  readonly dialect: "sqlite" | "postgres";
  /** Leadership among replicas sharing the database. */
  leadership(): Leadership;
  close(): Promise<void>;
}
