/**
 * {@link SyncStore} in SQL: the facts of ledger events, block headers and the sync state, written
 * in ONE transaction per block range. Moving the finalized block and rewinding after a reorg are
 * units of work across aggregates: they run, in the same transaction, the steps the release,
 * receipt and outbox stores export for it (createFinalReleases, confirmFinalReceipts,
 * archiveOrphanedReleases, …) — so a checkpoint is never written without what it caused.
 */
import { archiveOrphanedReleases, createFinalReleases, dropOrphanedReleases } from "./sql-release.js";
import { confirmFinalReceipts, dissolveOrphanedBatches, rebatchUnsealedReceipts, unconfirmOrphanedReceipts } from "./sql-receipts.js";
import { reopenOrphanedTxs } from "./sql-outbox.js";
import { num, strOrNull, type SqlRunner, type SqlValue, type SqlDriver, type SqlContext } from "./sql.js";
import { nowSeconds, checkpointOf, FACT } from "./sql-rows.js";
import type { BlockHeader, Cursor, IngestBatch, IngestResult, LoggedEvent, RewindResult, SyncState, VoidReason } from "./store.js";
import type { SyncStore } from "./sync-store.js";

type VoidScope = "request" | "consent" | "member" | "dataset" | "key";

export class SqlSyncStore implements SyncStore {
  readonly #db: SqlDriver;
  readonly #cache: SqlContext["cache"];

  constructor(ctx: SqlContext) {
    this.#db = ctx.db;
    this.#cache = ctx.cache;
  }

  async syncState(): Promise<SyncState> {
    const r = (await this.#db.get("SELECT * FROM sync_state WHERE id = 1"))!;
    return {
      tip: { blockNumber: num(r.tip_number), blockHash: strOrNull(r.tip_hash) },
      finalized: num(r.finalized_number),
      checkpoint: String(r.checkpoint),
      chainTime: num(r.chain_time),
    };
  }

  async cursor(): Promise<Cursor> {
    return (await this.syncState()).tip;
  }

  async chainTime(): Promise<number> {
    return num((await this.#db.get("SELECT chain_time FROM sync_state WHERE id = 1"))!.chain_time);
  }

  async setChainTime(chainTime: number): Promise<void> {
    // Not in VIEW_WRITES: only a write that moved the chain time retires the cached views (the
    // condition below can leave the row as it was).
    const changed = await this.#db.run("UPDATE sync_state SET chain_time = ? WHERE id = 1 AND chain_time < ?", [chainTime, chainTime]);
    if (changed > 0) this.#cache.generation++;
  }

  async blocks(): Promise<BlockHeader[]> {
    const rows = await this.#db.all("SELECT number, hash, parent_hash, block_time FROM blocks ORDER BY number");
    return rows.map((r) => ({ number: num(r.number), hash: String(r.hash), parentHash: String(r.parent_hash), timestamp: num(r.block_time) }));
  }

  async ingest(batch: IngestBatch): Promise<IngestResult> {
    return this.#db.tx(async (q) => {
      const state = await this.#stateIn(q);
      const result: IngestResult = { applied: 0, duplicates: 0, grants: 0, finalizedGrants: 0, confirmedReceipts: 0 };
      const inserted = await this.#insertFacts(q, batch.events);
      result.applied = inserted.applied;
      result.grants = inserted.grants;
      result.duplicates = batch.events.length - inserted.applied;

      if (batch.headers?.length) {
        await q.insertMany(
          "blocks",
          ["number", "hash", "parent_hash", "block_time"],
          batch.headers.map((h) => [h.number, h.hash.toLowerCase(), h.parentHash.toLowerCase(), h.timestamp]),
          "ON CONFLICT (number) DO UPDATE SET hash = excluded.hash, parent_hash = excluded.parent_hash, block_time = excluded.block_time",
        );
      }
      const last = batch.events.at(-1);
      const checkpoint = last ? checkpointOf(last.blockNumber, last.txIndex ?? 0, last.logIndex) : state.checkpoint;
      const finalized = Math.min(batch.finalized ?? batch.cursor.blockNumber, batch.cursor.blockNumber);
      await q.run(
        `UPDATE sync_state SET tip_number = ?, tip_hash = ?, checkpoint = ?,
           chain_time = CASE WHEN chain_time < ? THEN ? ELSE chain_time END WHERE id = 1`,
        [batch.cursor.blockNumber, batch.cursor.blockHash?.toLowerCase() ?? null, checkpoint, batch.chainTime, batch.chainTime],
      );
      if (finalized > state.finalized) {
        const f = await this.#finalizeIn(q, state.finalized, finalized, batch.keepHeaders ?? 64);
        result.finalizedGrants = f.finalizedGrants;
        result.confirmedReceipts = f.confirmedReceipts;
      }
      return result;
    });
  }

  async finalize(finalized: number, chainTime: number): Promise<IngestResult> {
    return this.#db.tx(async (q) => {
      const state = await this.#stateIn(q);
      const result: IngestResult = { applied: 0, duplicates: 0, grants: 0, finalizedGrants: 0, confirmedReceipts: 0 };
      await q.run("UPDATE sync_state SET chain_time = ? WHERE id = 1 AND chain_time < ?", [chainTime, chainTime]);
      const target = Math.min(finalized, state.tip.blockNumber);
      if (target > state.finalized) {
        const f = await this.#finalizeIn(q, state.finalized, target, 64);
        result.finalizedGrants = f.finalizedGrants;
        result.confirmedReceipts = f.confirmedReceipts;
      }
      return result;
    });
  }

  async #stateIn(q: SqlRunner): Promise<SyncState> {
    const r = (await q.get("SELECT * FROM sync_state WHERE id = 1"))!;
    return {
      tip: { blockNumber: num(r.tip_number), blockHash: strOrNull(r.tip_hash) },
      finalized: num(r.finalized_number),
      checkpoint: String(r.checkpoint),
      chainTime: num(r.chain_time),
    };
  }

  /**
   * Moves the finalized block from `from` to `to` (> from), in the caller's transaction (one unit
   * of work across aggregates): release rows for newly final grants (./sql-release.ts), receipt
   * confirmations (./sql-receipts.ts), and the headers kept.
   */
  async #finalizeIn(q: SqlRunner, from: number, to: number, keepHeaders: number): Promise<{ finalizedGrants: number; confirmedReceipts: number }> {
    const now = nowSeconds();
    await q.run("UPDATE sync_state SET finalized_number = ? WHERE id = 1", [to]);
    const finalizedGrants = await createFinalReleases(q, from, to, now);
    const confirmedReceipts = await confirmFinalReceipts(q, to, now);
    await q.run("DELETE FROM blocks WHERE number < ?", [to - keepHeaders]);
    return { finalizedGrants, confirmedReceipts };
  }

  /** Inserts the facts of `events`, one multi-row insert per table. */
  async #insertFacts(q: SqlRunner, events: LoggedEvent[]): Promise<{ applied: number; grants: number }> {
    const requests: SqlValue[][] = [];
    const grants: SqlValue[][] = [];
    const voids: SqlValue[][] = [];
    const versions: SqlValue[][] = [];
    const pauses: SqlValue[][] = [];
    const receipts: SqlValue[][] = [];
    const batches: SqlValue[][] = [];
    for (const le of events) {
      const at: SqlValue[] = [le.blockNumber, le.logIndex, le.blockHash.toLowerCase()];
      const v = (scope: VoidScope, subject: string, reason: VoidReason) => voids.push([...at, scope, subject, reason]);
      const e = le.event;
      switch (e.name) {
        case "AccessRequested":
          requests.push([e.requestId, e.datasetId, e.requester, e.consentId.toLowerCase(), e.keyId, e.version, e.kind, ...at]);
          break;
        case "AccessGranted":
          grants.push([e.requestId, e.kind, e.datasetId, e.requester, e.version, e.expiresAt, e.keyId, ...at]);
          break;
        case "GrantRevoked":
          v("request", e.requestId, "Revoked");
          break;
        case "ConsentRevoked":
          v("consent", e.consentId.toLowerCase(), "ConsentRevoked");
          break;
        case "MemberSuspended":
          v("member", e.member, "RequesterSuspended");
          break;
        case "DatasetRetired":
          v("dataset", e.datasetId, "DatasetRetired");
          break;
        case "EncryptionKeyPublished":
          // A fact even when nothing is superseded, so every tracked event is one row (replay counts).
          v("key", String(e.previousKeyId), "DeviceKeyChanged");
          break;
        case "EncryptionKeyRevoked":
          v("key", String(e.keyId), "DeviceKeyChanged");
          break;
        case "DatasetVersionPublished":
          versions.push([e.datasetId, e.version, e.keyCommitment.toLowerCase(), ...at]);
          break;
        case "KeyReleased":
          receipts.push([...at, le.txHash.toLowerCase(), e.requestId, e.kind, e.envelopeHash.toLowerCase()]);
          break;
        case "ReceiptBatchSealed":
          batches.push([...at, le.txHash.toLowerCase(), e.batchId.toLowerCase(), e.root.toLowerCase(), e.count]);
          break;
        case "Paused":
        case "Unpaused":
          pauses.push([...at, e.name === "Paused" ? 1 : 0]);
          break;
      }
    }
    const none = "ON CONFLICT DO NOTHING";
    let applied = 0;
    applied += await q.insertMany("requests", ["request_id", "dataset_id", "requester", "consent_id", "key_id", "version", "kind", ...FACT], requests, none);
    const g = await q.insertMany("grants", ["request_id", "kind", "dataset_id", "requester", "version", "expires_at", "key_id", ...FACT], grants, none);
    applied += g;
    applied += await q.insertMany("voids", [...FACT, "scope", "subject", "reason"], voids, none);
    applied += await q.insertMany("dataset_versions", ["dataset_id", "version", "key_commitment", ...FACT], versions, none);
    applied += await q.insertMany("pauses", [...FACT, "paused"], pauses, none);
    applied += await q.insertMany("receipt_logs", [...FACT, "tx_hash", "request_id", "kind", "envelope_hash"], receipts, none);
    applied += await q.insertMany("batch_logs", [...FACT, "tx_hash", "batch_id", "root", "count"], batches, none);
    return { applied, grants: g };
  }

  async rewind(keep: Cursor): Promise<RewindResult> {
    return this.#db.tx(async (q) => {
      const b = keep.blockNumber;
      let removed = 0;
      for (const t of ["requests", "grants", "voids", "dataset_versions", "pauses", "receipt_logs", "batch_logs"]) {
        removed += await q.run(`DELETE FROM ${t} WHERE block_number > ?`, [b]);
      }
      await q.run("DELETE FROM blocks WHERE number > ?", [b]);
      const now = nowSeconds();
      const orphans = await archiveOrphanedReleases(q, b, now);
      await dissolveOrphanedBatches(q, b);
      await dropOrphanedReleases(q, b);
      await unconfirmOrphanedReceipts(q, b, now);
      await reopenOrphanedTxs(q, b, now);
      await rebatchUnsealedReceipts(q, now);
      await q.run(
        `UPDATE sync_state SET tip_number = ?, tip_hash = ?, checkpoint = ?,
           finalized_number = CASE WHEN finalized_number > ? THEN ? ELSE finalized_number END WHERE id = 1`,
        [b, keep.blockHash?.toLowerCase() ?? null, checkpointOf(b + 1, 0, 0), b, b],
      );
      return { removed, releasedOrphans: orphans };
    });
  }

  async recentEventBlocks(limit: number): Promise<{ blockNumber: number; blockHash: string }[]> {
    const rows = await this.#db.all(
      `SELECT DISTINCT block_number, block_hash FROM (
         SELECT block_number, block_hash FROM requests UNION ALL SELECT block_number, block_hash FROM grants
         UNION ALL SELECT block_number, block_hash FROM voids UNION ALL SELECT block_number, block_hash FROM dataset_versions
         UNION ALL SELECT block_number, block_hash FROM receipt_logs UNION ALL SELECT block_number, block_hash FROM batch_logs
         UNION ALL SELECT block_number, block_hash FROM pauses) f
       ORDER BY block_number DESC LIMIT ?`,
      [limit],
    );
    return rows.map((r) => ({ blockNumber: num(r.block_number), blockHash: String(r.block_hash) }));
  }
}
