/**
 * The store's logic, written once over a {@link SqlDriver} (SQLite or PostgreSQL). See store.ts
 * for what is stored and why; the comments here say how.
 *
 * Ingestion writes facts in bulk (one multi-row insert per table and chunk, inside one
 * transaction per block range), so a 20,000-grant backlog costs a few hundred statements, not
 * 100,000. Finalization creates release rows with one INSERT … SELECT over the grants of the
 * newly final block range (index grants_block), so no step scans all grants.
 */
import type { Envelope } from "../../sdk/envelope.js";
import { FatalError } from "../internal/errors.js";
import type { Migration } from "./migrations.js";
import { bytes, num, numOrNull, strOrNull, type Row, type SqlDriver, type SqlRunner, type SqlValue } from "./sql.js";
import type {
  BlockHeader,
  ChainTx,
  Cursor,
  EnvelopeRecord,
  IngestBatch,
  IngestResult,
  Leadership,
  LoggedEvent,
  ReceiptBatch,
  ReceiptMode,
  ReceiptProof,
  ReceiptState,
  ReleaseJob,
  ReleaseOutcome,
  ReleaseRow,
  ReleaseStatus,
  RequestFilter,
  RequestState,
  RequestView,
  RewindResult,
  SessionRow,
  Store,
  StoreBinding,
  StoredKey,
  SyncState,
  UnbatchedRelease,
  VoidReason,
} from "./store.js";

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Zero-padded ordering key of a log: block, transaction index, log index. */
export function checkpointOf(blockNumber: number, txIndex: number, logIndex: number): string {
  return `${String(blockNumber).padStart(12, "0")}:${String(txIndex).padStart(6, "0")}:${String(logIndex).padStart(6, "0")}`;
}

/** Applies `migrations` not yet recorded, each in its own transaction. */
export async function migrate(db: SqlDriver, migrations: readonly Migration[]): Promise<void> {
  const ddl =
    db.dialect === "sqlite"
      ? "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT"
      : "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";
  await db.run(ddl);
  const applied = new Set((await db.all("SELECT version FROM schema_migrations")).map((r) => num(r.version)));
  const known = Math.max(...migrations.map((m) => m.version));
  const newest = Math.max(0, ...applied);
  if (newest > known) {
    throw new FatalError(`the database has schema version ${newest}, newer than this build knows (${known}); upgrade the service`);
  }
  for (const m of migrations) {
    if (applied.has(m.version)) continue;
    await db.tx(async (q) => {
      // Another replica may have migrated meanwhile (PostgreSQL: serialized by the caller's lock).
      if (await q.get("SELECT 1 AS x FROM schema_migrations WHERE version = ?", [m.version])) return;
      await q.run(m.sql);
      await q.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", [m.version, m.name, new Date().toISOString()]);
    });
  }
}

/** Ties the database to one deployment, and refuses another one's database. */
export async function bind(db: SqlDriver, b: StoreBinding): Promise<void> {
  await db.tx(async (q) => {
    const get = async (key: string) => (await q.get("SELECT value FROM meta WHERE key = ?", [key]))?.value as string | undefined;
    const chainId = await get("chainId");
    const ledger = await get("ledger");
    if (chainId === undefined) {
      await q.run("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", ["chainId", b.chainId]);
      await q.run("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", ["ledger", b.ledger.toLowerCase()]);
    } else if (chainId !== b.chainId || ledger !== b.ledger.toLowerCase()) {
      throw new FatalError(
        `this database belongs to ledger ${ledger} on chain ${chainId}, not ${b.ledger.toLowerCase()} on chain ${b.chainId}; use another SEALSHARE_DB`,
      );
    }
    const start = Math.max(b.startBlock - 1, -1);
    await q.run(
      "INSERT INTO sync_state (id, tip_number, tip_hash, finalized_number) VALUES (1, ?, NULL, ?) ON CONFLICT (id) DO NOTHING",
      [start, start],
    );
  });
}

const FACT = ["block_number", "log_index", "block_hash"] as const;

/** Store writes that can change a {@link RequestView} (see SqlStore's view cache). */
const VIEW_WRITES = [
  "ingest",
  "finalize",
  "rewind",
  "putDatasetKey",
  "replaceDatasetKey",
  "rewrapDatasetKeys",
  "settleReleases",
  "saveEnvelopes",
  "markReceiptSent",
  "markReceiptConfirmed",
  "markReceiptUnsent",
  "createBatch",
  "markBatchSent",
] as const;
const VIEW_CACHE_SIZE = 10_000;
/** SQLite: used request digests are written within this many ms, or once this many wait. */
const USED_FLUSH_MS = 50;
const USED_FLUSH_SIZE = 256;

type VoidScope = "request" | "consent" | "member" | "dataset" | "key";

export class SqlStore implements Store {
  readonly #db: SqlDriver;
  readonly #leadership: Leadership;
  #prunedAt = -Infinity; // when used_signatures was last pruned (unix seconds)
  /**
   * Request views cached for the fetch hot path (SQLite only: one process owns the file, so
   * every write goes through this object). Any write that can change a view bumps `#generation`
   * AFTER it completes, and a cached view counts only for the generation it was read in: a view
   * is never served older than the last completed write (a revocation the follower has stored
   * is seen by the next fetch). With PostgreSQL other replicas write too: no cache.
   */
  readonly #views: Map<string, { generation: number; view: RequestView }> | undefined;
  #generation = 0;
  /** SQLite: used request digests not written yet (digest → expiresAt), and those being checked. */
  readonly #usedLater: Map<string, number> | undefined;
  readonly #claims = new Set<string>();
  #flushTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(db: SqlDriver, leadership: Leadership) {
    this.#db = db;
    this.#leadership = leadership;
    this.#views = db.dialect === "sqlite" ? new Map() : undefined;
    this.#usedLater = db.dialect === "sqlite" ? new Map() : undefined;
    if (this.#views) {
      const self = this as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
      for (const name of VIEW_WRITES) {
        const write = self[name]!.bind(this);
        self[name] = async (...args: unknown[]) => {
          try {
            return await write(...args);
          } finally {
            this.#generation++;
          }
        };
      }
    }
  }

  get dialect() {
    return this.#db.dialect;
  }

  leadership(): Leadership {
    return this.#leadership;
  }

  // ── sync ──────────────────────────────────────────────────────────────────────────────

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
    if (changed > 0) this.#generation++;
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

  /** Moves the finalized block from `from` to `to` (> from): releases for newly final grants, receipt confirmations. */
  async #finalizeIn(q: SqlRunner, from: number, to: number, keepHeaders: number): Promise<{ finalizedGrants: number; confirmedReceipts: number }> {
    const now = nowSeconds();
    await q.run("UPDATE sync_state SET finalized_number = ? WHERE id = 1", [to]);
    const finalizedGrants = await q.run(
      `INSERT INTO releases (request_id, kind, status, grant_block, grant_hash, grant_log_index, dataset_id, version, requester, created_at, updated_at)
       SELECT request_id, kind, 'pending', block_number, block_hash, log_index, dataset_id, version, requester, CAST(? AS BIGINT), CAST(? AS BIGINT)
       FROM grants WHERE block_number > ? AND block_number <= ?
       ON CONFLICT (request_id, kind) DO NOTHING`,
      [now, now, from, to],
    );
    // Single receipts whose KeyReleased became final.
    let confirmedReceipts = await q.run(
      `UPDATE releases SET receipt_state = 'confirmed',
         receipt_tx = (SELECT l.tx_hash FROM receipt_logs l WHERE l.request_id = releases.request_id AND l.kind = releases.kind
                        AND l.envelope_hash = releases.envelope_hash AND l.block_number <= ? ORDER BY l.block_number LIMIT 1),
         receipt_block = (SELECT l.block_number FROM receipt_logs l WHERE l.request_id = releases.request_id AND l.kind = releases.kind
                        AND l.envelope_hash = releases.envelope_hash AND l.block_number <= ? ORDER BY l.block_number LIMIT 1),
         updated_at = ?
       WHERE receipt_mode = 'single' AND receipt_state IN ('unsent', 'sent') AND EXISTS (
         SELECT 1 FROM receipt_logs l WHERE l.request_id = releases.request_id AND l.kind = releases.kind
           AND l.envelope_hash = releases.envelope_hash AND l.block_number <= ?)`,
      [to, to, now, to],
    );
    // Batches whose ReceiptBatchSealed (with our root) became final, and their members.
    const sealed = await q.run(
      `UPDATE receipt_batches SET state = 'sealed',
         seal_tx = (SELECT b.tx_hash FROM batch_logs b WHERE b.batch_id = receipt_batches.batch_id AND b.root = receipt_batches.root
                     AND b.block_number <= ? ORDER BY b.block_number LIMIT 1),
         seal_block = (SELECT b.block_number FROM batch_logs b WHERE b.batch_id = receipt_batches.batch_id AND b.root = receipt_batches.root
                     AND b.block_number <= ? ORDER BY b.block_number LIMIT 1),
         updated_at = ?
       WHERE state <> 'sealed' AND EXISTS (SELECT 1 FROM batch_logs b WHERE b.batch_id = receipt_batches.batch_id
         AND b.root = receipt_batches.root AND b.block_number <= ?)`,
      [to, to, now, to],
    );
    if (sealed > 0) {
      confirmedReceipts += await q.run(
        `UPDATE releases SET receipt_state = 'confirmed',
           receipt_tx = (SELECT seal_tx FROM receipt_batches b WHERE b.batch_id = releases.batch_id),
           receipt_block = (SELECT seal_block FROM receipt_batches b WHERE b.batch_id = releases.batch_id), updated_at = ?
         WHERE receipt_state = 'batched' AND batch_id IN (SELECT batch_id FROM receipt_batches WHERE state = 'sealed')`,
        [now],
      );
    }
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
          versions.push([e.datasetId, e.version, e.ciphertextSha256.toLowerCase(), e.keyCommitment.toLowerCase(), ...at]);
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
    applied += await q.insertMany("dataset_versions", ["dataset_id", "version", "ciphertext_sha256", "key_commitment", ...FACT], versions, none);
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
      const orphans = await q.all("SELECT request_id, kind FROM releases WHERE status = 'released' AND grant_block > ?", [b]);
      const now = nowSeconds();
      // Released rows of orphaned grants are archived and leave `releases`: never served, never
      // receipted (an unsent receipt is dropped with the row), and the request id is free for a
      // grant on the new branch, which may belong to another requester and gets a fresh row.
      await q.run(
        `INSERT INTO orphaned_releases (request_id, kind, grant_block, grant_hash, grant_log_index, requester, dataset_id, envelope_hash,
                                        released_at, receipt_state, orphaned_at)
         SELECT request_id, kind, grant_block, grant_hash, grant_log_index, requester, dataset_id, envelope_hash, released_at, receipt_state, ?
         FROM releases WHERE status = 'released' AND grant_block > ?`,
        [now, b],
      );
      // A receipt batch formed but not sent yet that holds an orphaned release is dissolved: its
      // other members wait for the next batch, so the orphan's leaf is never sealed on chain. (A
      // batch whose seal transaction exists — sent, or stored before broadcast — cannot be
      // taken back; neither can a single receipt already sent.)
      const doomed = await q.all(
        `SELECT DISTINCT b.batch_id FROM receipt_batches b JOIN releases r ON r.batch_id = b.batch_id
         WHERE r.status = 'released' AND r.grant_block > ? AND b.state = 'formed'
           AND NOT EXISTS (SELECT 1 FROM chain_txs t WHERE t.tx_key = 'seal:' || b.batch_id)`,
        [b],
      );
      for (const d of doomed) {
        await q.run("UPDATE releases SET receipt_state = 'unsent', batch_id = NULL, proof = NULL WHERE batch_id = ?", [d.batch_id as string]);
        await q.run("DELETE FROM receipt_batches WHERE batch_id = ?", [d.batch_id as string]);
      }
      // Releases of orphaned grants (released or not) are removed; they come back if the grant does.
      await q.run("DELETE FROM releases WHERE grant_block > ?", [b]);
      // Confirmations that came from orphaned blocks (a reorg deeper than the confirmation depth).
      await q.run(
        "UPDATE releases SET receipt_state = 'sent', updated_at = ? WHERE receipt_mode = 'single' AND receipt_state = 'confirmed' AND receipt_block > ?",
        [now, b],
      );
      await q.run("UPDATE receipt_batches SET state = 'sent', seal_tx = NULL, seal_block = NULL, updated_at = ? WHERE state = 'sealed' AND seal_block > ?", [now, b]);
      // …and the transactions that carried them: one closed as final may sit in an orphaned block,
      // so it is opened again for the submitter (same bytes rebroadcast, or resent under a new
      // nonce once the chain shows its effect is missing); otherwise its batch waits forever.
      await q.run("UPDATE chain_txs SET state = 'sent', mined_tx = NULL, mined_block = NULL, updated_at = ? WHERE state IN ('mined', 'done') AND mined_block > ?", [
        now,
        b,
      ]);
      await q.run(
        `UPDATE releases SET receipt_state = 'batched', updated_at = ? WHERE receipt_state = 'confirmed' AND receipt_mode = 'batch'
           AND batch_id IN (SELECT batch_id FROM receipt_batches WHERE state <> 'sealed')`,
        [now],
      );
      await q.run(
        `UPDATE sync_state SET tip_number = ?, tip_hash = ?, checkpoint = ?,
           finalized_number = CASE WHEN finalized_number > ? THEN ? ELSE finalized_number END WHERE id = 1`,
        [b, keep.blockHash?.toLowerCase() ?? null, checkpointOf(b + 1, 0, 0), b, b],
      );
      return { removed, releasedOrphans: orphans.map((r) => ({ requestId: String(r.request_id), kind: num(r.kind) })) };
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

  // ── requests and grants ───────────────────────────────────────────────────────────────

  async request(requestId: string): Promise<RequestState | undefined> {
    return this.#requestIn(this.#db, requestId);
  }

  async #requestIn(q: SqlRunner, requestId: string): Promise<RequestState | undefined> {
    const r = await q.get("SELECT * FROM requests WHERE request_id = ?", [requestId]);
    const g = await q.get("SELECT * FROM grants WHERE request_id = ? ORDER BY kind DESC LIMIT 1", [requestId]);
    if (!r && !g) return undefined;
    const base = (r ?? g)!;
    const voidRow = await q.get(
      `SELECT reason FROM voids
       WHERE ((scope = 'request' AND subject = ?) OR (scope = 'consent' AND subject = ?) OR (scope = 'member' AND subject = ?)
              OR (scope = 'dataset' AND subject = ?) OR (scope = 'key' AND subject = ?))
         AND (block_number > ? OR (block_number = ? AND log_index > ?))
       ORDER BY block_number, log_index LIMIT 1`,
      [
        requestId,
        r ? String(r.consent_id) : "",
        String(base.requester),
        String(base.dataset_id),
        String(base.key_id),
        num(base.block_number),
        num(base.block_number),
        num(base.log_index),
      ],
    );
    return {
      requestId,
      datasetId: String(base.dataset_id),
      requester: String(base.requester),
      consentId: r ? String(r.consent_id) : null,
      keyId: num(g?.key_id ?? base.key_id),
      kind: g ? num(g.kind) : 0,
      version: g ? num(g.version) : null,
      expiresAt: g ? num(g.expires_at) : null,
      voidReason: (voidRow?.reason as VoidReason | undefined) ?? null,
      grantBlock: g ? num(g.block_number) : null,
      grantHash: g ? String(g.block_hash) : null,
      grantLogIndex: g ? num(g.log_index) : null,
    };
  }

  async releases(requestId: string): Promise<ReleaseRow[]> {
    const rows = await this.#db.all("SELECT * FROM releases WHERE request_id = ? ORDER BY kind", [requestId]);
    return rows.map(toReleaseRow);
  }

  async paused(): Promise<boolean> {
    return this.#pausedIn(this.#db);
  }

  async #pausedIn(q: SqlRunner): Promise<boolean> {
    const r = await q.get("SELECT paused FROM pauses ORDER BY block_number DESC, log_index DESC LIMIT 1");
    return r ? num(r.paused) === 1 : false;
  }

  async requestView(requestId: string): Promise<RequestView> {
    const hit = this.#views?.get(requestId);
    if (hit && hit.generation === this.#generation) return hit.view;
    const generation = this.#generation;
    const view = await this.#db.read(async (q) => {
      const state = await this.#requestIn(q, requestId);
      if (!state) return { state, releases: [], paused: false, chainTime: 0 };
      const releases = (await q.all("SELECT * FROM releases WHERE request_id = ? ORDER BY kind", [requestId])).map(toReleaseRow);
      const paused = await this.#pausedIn(q);
      const chainTime = num((await q.get("SELECT chain_time FROM sync_state WHERE id = 1"))!.chain_time);
      return { state, releases, paused, chainTime };
    });
    if (this.#views && view.state) {
      if (this.#views.size >= VIEW_CACHE_SIZE) this.#views.clear();
      this.#views.set(requestId, { generation, view });
    }
    return view;
  }

  // ── keys ─────────────────────────────────────────────────────────────────────────────

  async datasetKey(datasetId: string, version: number): Promise<StoredKey | undefined> {
    const r = await this.#db.get("SELECT * FROM dataset_keys WHERE dataset_id = ? AND version = ?", [datasetId, version]);
    return r ? toStoredKey(r) : undefined;
  }

  async putDatasetKey(k: StoredKey): Promise<{ created: boolean; woken: number }> {
    return this.#db.tx(async (q) => {
      const created =
        (await q.run(
          `INSERT INTO dataset_keys (dataset_id, version, sealed, ciphertext_sha256, key_commitment, merkle_root, deposited_by, deposited_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
          [k.datasetId, k.version, k.sealed, k.ciphertextSha256, k.keyCommitment, k.merkleRoot?.toLowerCase() ?? null, k.depositedBy, k.depositedAt],
        )) === 1;
      const woken = await q.run(
        `UPDATE releases SET status = 'pending', next_attempt_at = 0, reason = NULL, updated_at = ?
         WHERE dataset_id = ? AND version = ? AND status = 'waiting-key'`,
        [nowSeconds(), k.datasetId, k.version],
      );
      return { created, woken };
    });
  }

  async replaceDatasetKey(k: StoredKey, previousSealed: Uint8Array): Promise<{ replaced: boolean; woken: number }> {
    return this.#db.tx(async (q) => {
      const current = await q.get("SELECT sealed FROM dataset_keys WHERE dataset_id = ? AND version = ?", [k.datasetId, k.version]);
      if (!current || !Buffer.from(bytes(current.sealed)).equals(Buffer.from(previousSealed))) return { replaced: false, woken: 0 };
      await q.run(
        `UPDATE dataset_keys SET sealed = ?, ciphertext_sha256 = ?, key_commitment = ?, merkle_root = ?, deposited_by = ?, deposited_at = ?
         WHERE dataset_id = ? AND version = ?`,
        [k.sealed, k.ciphertextSha256, k.keyCommitment, k.merkleRoot?.toLowerCase() ?? null, k.depositedBy, k.depositedAt, k.datasetId, k.version],
      );
      // Waiting for a key, or held / refused because the stored key did not match the grant's commitment.
      const woken = await q.run(
        `UPDATE releases SET status = 'pending', next_attempt_at = 0, reason = NULL, updated_at = ?
         WHERE dataset_id = ? AND version = ? AND envelope IS NULL
           AND (status = 'waiting-key' OR (status IN ('pending', 'refused') AND reason = 'key-commitment-mismatch'))`,
        [nowSeconds(), k.datasetId, k.version],
      );
      return { replaced: true, woken };
    });
  }

  async rewrapDatasetKeys(rewrap: (key: StoredKey) => Uint8Array): Promise<number> {
    return this.#db.tx(async (q) => {
      const rows = await q.all("SELECT * FROM dataset_keys ORDER BY dataset_id, version");
      for (const r of rows) {
        const k = toStoredKey(r);
        await q.run("UPDATE dataset_keys SET sealed = ? WHERE dataset_id = ? AND version = ?", [rewrap(k), k.datasetId, k.version]);
      }
      return rows.length;
    });
  }

  // ── releases ──────────────────────────────────────────────────────────────────────────

  async dueReleases(now: number, limit: number): Promise<ReleaseJob[]> {
    const keyText = this.dialect === "postgres" ? "r.key_id::text" : "CAST(r.key_id AS TEXT)";
    const firstVoid = (col: string) => `(SELECT v.${col} FROM voids v, requests r
            WHERE r.request_id = rl.request_id
              AND ((v.scope = 'request' AND v.subject = r.request_id) OR (v.scope = 'consent' AND v.subject = r.consent_id)
                   OR (v.scope = 'member' AND v.subject = r.requester) OR (v.scope = 'dataset' AND v.subject = r.dataset_id)
                   OR (v.scope = 'key' AND v.subject = ${keyText}))
              AND (v.block_number > r.block_number OR (v.block_number = r.block_number AND v.log_index > r.log_index))
            ORDER BY v.block_number, v.log_index LIMIT 1)`;
    const rows = await this.#db.all(
      `SELECT rl.request_id, rl.kind, rl.attempts, rl.dataset_id, rl.version, rl.requester, rl.grant_block, rl.grant_hash, rl.grant_log_index,
         ${firstVoid("reason")} AS void_reason, ${firstVoid("block_number")} AS void_block
       FROM releases rl
       WHERE rl.status = 'pending' AND rl.next_attempt_at <= ?
       ORDER BY rl.next_attempt_at, rl.created_at LIMIT ?`,
      [now, limit],
    );
    return rows.map((r) => ({
      requestId: String(r.request_id),
      kind: num(r.kind),
      attempts: num(r.attempts),
      datasetId: String(r.dataset_id),
      version: numOrNull(r.version),
      requester: String(r.requester),
      grantBlock: num(r.grant_block),
      grantHash: strOrNull(r.grant_hash),
      grantLogIndex: numOrNull(r.grant_log_index),
      voidReason: (r.void_reason as VoidReason | null) ?? null,
      voidBlock: numOrNull(r.void_block),
    }));
  }

  async settleReleases(outcomes: ReleaseOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    await this.#db.tx(async (q) => {
      const now = nowSeconds();
      for (const o of outcomes) {
        if (o.status === "refused" || o.status === "superseded") {
          await q.run(
            "UPDATE releases SET status = ?, reason = ?, updated_at = ? WHERE request_id = ? AND kind = ? AND status IN ('pending', 'waiting-key')",
            [o.status, o.reason, now, o.requestId, o.kind],
          );
        } else {
          // A key deposited while the worker was looking is seen here, so no release waits forever.
          await q.run(
            `UPDATE releases SET
               status = CASE WHEN ? = 'waiting-key' AND NOT EXISTS (
                   SELECT 1 FROM dataset_keys k WHERE k.dataset_id = releases.dataset_id AND k.version = releases.version)
                 THEN 'waiting-key' ELSE 'pending' END,
               reason = ?, attempts = attempts + 1, next_attempt_at = ?, updated_at = ?
             WHERE request_id = ? AND kind = ? AND status IN ('pending', 'waiting-key')`,
            [o.status, o.reason, o.nextAttemptAt ?? now, now, o.requestId, o.kind],
          );
        }
      }
    });
  }

  async deferRelease(requestId: string, kind: number, status: "pending" | "waiting-key", reason: string, nextAttemptAt: number): Promise<void> {
    await this.settleReleases([{ requestId, kind, status, reason, nextAttemptAt }]);
  }

  async closeRelease(requestId: string, kind: number, status: "refused" | "superseded", reason: string): Promise<void> {
    await this.settleReleases([{ requestId, kind, status, reason }]);
  }

  async saveEnvelopes(records: EnvelopeRecord[]): Promise<boolean[]> {
    if (records.length === 0) return [];
    return this.#db.tx(async (q) => {
      const tip = num((await q.get("SELECT tip_number FROM sync_state WHERE id = 1"))!.tip_number);
      const now = nowSeconds();
      const out: boolean[] = [];
      for (const r of records) {
        out.push(
          (await q.run(
            `UPDATE releases SET status = 'released', reason = NULL, envelope = ?, envelope_hash = ?, released_at = ?, leaf = ?,
               receipt_mode = ?, receipt_state = 'unsent', search_from_block = ?, updated_at = ?
             WHERE request_id = ? AND kind = ? AND envelope IS NULL AND status IN ('pending', 'waiting-key')
               AND (CAST(? AS TEXT) IS NULL OR grant_hash = ?) AND (CAST(? AS BIGINT) IS NULL OR grant_log_index = ?)`,
            [
              JSON.stringify(r.envelope),
              r.envelopeHash.toLowerCase(),
              r.releasedAt,
              r.leaf.toLowerCase(),
              r.receiptMode,
              tip,
              now,
              r.requestId,
              r.kind,
              r.grantHash?.toLowerCase() ?? null,
              r.grantHash?.toLowerCase() ?? null,
              r.grantLogIndex ?? null,
              r.grantLogIndex ?? null,
            ],
          )) === 1,
        );
      }
      return out;
    });
  }

  // ── receipts ─────────────────────────────────────────────────────────────────────────

  async openReceipts(limit = 1000): Promise<ReleaseRow[]> {
    const rows = await this.#db.all(
      "SELECT * FROM releases WHERE receipt_state IN ('unsent', 'sent') AND receipt_mode = 'single' ORDER BY released_at LIMIT ?",
      [limit],
    );
    return rows.map(toReleaseRow);
  }

  async markReceiptSent(requestId: string, kind: number, txHash: string): Promise<void> {
    await this.#db.run(
      "UPDATE releases SET receipt_state = 'sent', receipt_tx = ?, updated_at = ? WHERE request_id = ? AND kind = ? AND receipt_state = 'unsent'",
      [txHash.toLowerCase(), nowSeconds(), requestId, kind],
    );
  }

  async markReceiptConfirmed(requestId: string, kind: number, txHash: string, blockNumber: number): Promise<void> {
    await this.#db.run(
      `UPDATE releases SET receipt_state = 'confirmed', receipt_tx = ?, receipt_block = ?, updated_at = ?
       WHERE request_id = ? AND kind = ? AND receipt_state IN ('unsent', 'sent')`,
      [txHash.toLowerCase(), blockNumber, nowSeconds(), requestId, kind],
    );
  }

  async markReceiptUnsent(requestId: string, kind: number): Promise<void> {
    await this.#db.run(
      "UPDATE releases SET receipt_state = 'unsent', receipt_tx = NULL, updated_at = ? WHERE request_id = ? AND kind = ? AND receipt_state = 'sent'",
      [nowSeconds(), requestId, kind],
    );
  }

  async unbatchedReleases(limit: number): Promise<UnbatchedRelease[]> {
    const rows = await this.#db.all(
      `SELECT request_id, kind, envelope_hash, released_at, leaf, updated_at FROM releases
       WHERE receipt_state = 'unsent' AND receipt_mode = 'batch' ORDER BY released_at, request_id, kind LIMIT ?`,
      [limit],
    );
    return rows.map((r) => ({
      requestId: String(r.request_id),
      kind: num(r.kind),
      envelopeHash: String(r.envelope_hash),
      releasedAt: num(r.released_at),
      leaf: String(r.leaf),
      persistedAt: num(r.updated_at),
    }));
  }

  async createBatch(batch: { batchId: string; root: string; members: { requestId: string; kind: number; proof: string[] }[] }): Promise<void> {
    await this.#db.tx(async (q) => {
      const now = nowSeconds();
      await q.run("INSERT INTO receipt_batches (batch_id, root, count, state, created_at, updated_at) VALUES (?, ?, ?, 'formed', ?, ?)", [
        batch.batchId.toLowerCase(),
        batch.root.toLowerCase(),
        batch.members.length,
        now,
        now,
      ]);
      for (const m of batch.members) {
        const changed = await q.run(
          `UPDATE releases SET receipt_state = 'batched', batch_id = ?, proof = ?, updated_at = ?
           WHERE request_id = ? AND kind = ? AND receipt_state = 'unsent' AND receipt_mode = 'batch'`,
          [batch.batchId.toLowerCase(), JSON.stringify(m.proof), now, m.requestId, m.kind],
        );
        if (changed !== 1) throw new Error(`release ${m.requestId}/${m.kind} is no longer waiting for a batch`);
      }
    });
  }

  async openBatches(): Promise<ReceiptBatch[]> {
    const rows = await this.#db.all("SELECT * FROM receipt_batches WHERE state <> 'sealed' ORDER BY created_at, batch_id");
    return rows.map(toBatch);
  }

  async markBatchSent(batchId: string): Promise<void> {
    await this.#db.run("UPDATE receipt_batches SET state = 'sent', updated_at = ? WHERE batch_id = ? AND state = 'formed'", [
      nowSeconds(),
      batchId.toLowerCase(),
    ]);
  }

  async receiptProofs(requestId: string): Promise<ReceiptProof[]> {
    const rows = await this.#db.all(
      `SELECT rl.*, b.root AS batch_root, b.state AS batch_state, b.seal_tx AS batch_seal_tx, b.seal_block AS batch_seal_block
       FROM releases rl LEFT JOIN receipt_batches b ON b.batch_id = rl.batch_id
       WHERE rl.request_id = ? AND rl.status = 'released' ORDER BY rl.kind`,
      [requestId],
    );
    return rows.map((r) => {
      const mode = (r.receipt_mode as ReceiptMode | null) ?? "single";
      const state = r.receipt_state as ReceiptState;
      return {
        requestId: String(r.request_id),
        kind: num(r.kind),
        mode,
        status: state === "confirmed" ? "confirmed" : state === "sent" || (state === "batched" && r.batch_state !== "formed") ? "submitted" : "pending",
        envelopeHash: String(r.envelope_hash),
        releasedAt: num(r.released_at),
        batchId: strOrNull(r.batch_id),
        root: strOrNull(r.batch_root),
        leaf: strOrNull(r.leaf),
        proof: r.proof === null || r.proof === undefined ? null : (JSON.parse(String(r.proof)) as string[]),
        sealTx: mode === "batch" ? strOrNull(r.batch_seal_tx) : strOrNull(r.receipt_tx),
        sealBlock: mode === "batch" ? numOrNull(r.batch_seal_block) : numOrNull(r.receipt_block),
      } satisfies ReceiptProof;
    });
  }

  // ── chain transactions ───────────────────────────────────────────────────────────────

  async putTx(t: ChainTx): Promise<ChainTx> {
    return this.#db.tx(async (q) => {
      const now = nowSeconds();
      const inserted = await q.run(
        `INSERT INTO chain_txs (tx_key, nonce, hashes, raw, to_address, data, gas_limit, max_fee, priority_fee, state, mined_tx, mined_block,
           sent_at_ms, sent_block, bumps, resends, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tx_key) DO NOTHING`,
        [
          t.key,
          t.nonce,
          JSON.stringify(t.hashes),
          t.raw,
          t.to,
          t.data,
          t.gasLimit,
          t.maxFeePerGas,
          t.maxPriorityFeePerGas,
          t.state,
          t.minedTx,
          t.minedBlock,
          t.sentAtMs,
          t.sentBlock,
          t.bumps,
          t.resends,
          now,
          now,
        ],
      );
      if (inserted === 1) return t;
      return toChainTx((await q.get("SELECT * FROM chain_txs WHERE tx_key = ?", [t.key]))!);
    });
  }

  async tx(key: string): Promise<ChainTx | undefined> {
    const r = await this.#db.get("SELECT * FROM chain_txs WHERE tx_key = ?", [key]);
    return r ? toChainTx(r) : undefined;
  }

  async openTxs(): Promise<ChainTx[]> {
    return (await this.#db.all("SELECT * FROM chain_txs WHERE state IN ('sent', 'mined') ORDER BY nonce, created_at")).map(toChainTx);
  }

  async updateTx(key: string, patch: Partial<Omit<ChainTx, "key">>): Promise<void> {
    const columns: Record<string, (v: unknown) => SqlValue> = {
      nonce: (v) => v as number,
      hashes: (v) => JSON.stringify(v),
      raw: (v) => v as string,
      to: (v) => v as string,
      data: (v) => v as string,
      gasLimit: (v) => v as string,
      maxFeePerGas: (v) => v as string,
      maxPriorityFeePerGas: (v) => v as string,
      state: (v) => v as string,
      minedTx: (v) => (v as string | null) ?? null,
      minedBlock: (v) => (v as number | null) ?? null,
      sentAtMs: (v) => v as number,
      sentBlock: (v) => v as number,
      bumps: (v) => v as number,
      resends: (v) => v as number,
    };
    const names: Record<string, string> = {
      to: "to_address",
      gasLimit: "gas_limit",
      maxFeePerGas: "max_fee",
      maxPriorityFeePerGas: "priority_fee",
      minedTx: "mined_tx",
      minedBlock: "mined_block",
      sentAtMs: "sent_at_ms",
      sentBlock: "sent_block",
    };
    const sets: string[] = [];
    const params: SqlValue[] = [];
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined || !(k in columns)) continue;
      sets.push(`${names[k] ?? k} = ?`);
      params.push(columns[k]!(v));
    }
    if (sets.length === 0) return;
    sets.push("updated_at = ?");
    params.push(nowSeconds(), key);
    await this.#db.run(`UPDATE chain_txs SET ${sets.join(", ")} WHERE tx_key = ?`, params);
  }

  // ── request authentication ───────────────────────────────────────────────────────────

  async consumeSignature(digest: string, expiresAt: number, now: number): Promise<boolean> {
    if (this.#usedLater) return this.#consumeBuffered(digest, expiresAt, now);
    // PostgreSQL (replicas share the database): one statement, at once. An expired record of
    // the same digest is replaced (so pruning can be lazy); a live one makes this a replay.
    const fresh =
      (await this.#db.run(
        `INSERT INTO used_signatures (digest, expires_at) VALUES (?, ?)
         ON CONFLICT (digest) DO UPDATE SET expires_at = excluded.expires_at WHERE used_signatures.expires_at < ?`,
        [digest, expiresAt, now],
      )) === 1;
    await this.#pruneUsed(now);
    return fresh;
  }

  async #pruneUsed(now: number): Promise<void> {
    if (now - this.#prunedAt >= 60 || now < this.#prunedAt) {
      this.#prunedAt = now;
      await this.#db.run("DELETE FROM used_signatures WHERE expires_at < ?", [now]);
    }
  }

  /**
   * SQLite: the fetch hot path's one write, batched. A digest is claimed in memory at once (so a
   * concurrent or later replay in this process is refused at once), checked against what is
   * stored (a replay of an earlier use), and written with the others of the last
   * {@link USED_FLUSH_MS} ms in one transaction. A process crash can forget the uses of those
   * last milliseconds: such a signed request could then be used once more, only within its own
   * ±skew window, and would get its own requester the same answer again (an envelope wrapped to
   * the requester's device key, or the grant status) — a bounded loss of a defence in depth,
   * for one WAL commit per request less.
   */
  async #consumeBuffered(digest: string, expiresAt: number, now: number): Promise<boolean> {
    const pending = this.#usedLater!;
    const mine = pending.get(digest);
    if (this.#claims.has(digest) || (mine !== undefined && mine >= now)) return false;
    this.#claims.add(digest);
    try {
      const stored = await this.#db.get("SELECT expires_at FROM used_signatures WHERE digest = ?", [digest]);
      if (stored && num(stored.expires_at) >= now) return false;
      pending.set(digest, expiresAt);
    } finally {
      this.#claims.delete(digest);
    }
    if (pending.size >= USED_FLUSH_SIZE) void this.#flushUsed(now).catch(() => undefined);
    else this.#flushTimer ??= setTimeout(() => void this.#flushUsed(now).catch(() => undefined), USED_FLUSH_MS);
    return true;
  }

  /**
   * Writes the buffered digests in one transaction (what was added meanwhile stays for the
   * next); then prunes expired ones as of `now`, the clock the callers judge expiry by.
   */
  async #flushUsed(now?: number): Promise<void> {
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    const pending = this.#usedLater;
    if (!pending || pending.size === 0) return;
    const batch = [...pending];
    await this.#db.tx(async (q) => {
      for (const [digest, expiresAt] of batch) {
        await q.run(
          `INSERT INTO used_signatures (digest, expires_at) VALUES (?, ?)
           ON CONFLICT (digest) DO UPDATE SET expires_at = excluded.expires_at WHERE used_signatures.expires_at < excluded.expires_at`,
          [digest, expiresAt],
        );
      }
    });
    for (const [digest, expiresAt] of batch) if (pending.get(digest) === expiresAt) pending.delete(digest);
    if (now !== undefined) await this.#pruneUsed(now);
  }

  // ── HTTP layer ───────────────────────────────────────────────────────────────────────

  async requestsWhere(where: RequestFilter, limit: number): Promise<RequestState[]> {
    const [column, value]: [string, SqlValue] =
      "consentId" in where
        ? ["consent_id", where.consentId]
        : "requester" in where
          ? ["requester", where.requester]
          : "datasetId" in where
            ? ["dataset_id", where.datasetId]
            : ["key_id", where.keyId];
    const sql =
      column === "consent_id"
        ? "SELECT request_id FROM requests WHERE consent_id = ? ORDER BY request_id LIMIT ?"
        : `SELECT request_id FROM requests WHERE ${column} = ? UNION SELECT request_id FROM grants WHERE ${column} = ? ORDER BY request_id LIMIT ?`;
    const params: SqlValue[] = column === "consent_id" ? [value, limit] : [value, value, limit];
    const out: RequestState[] = [];
    for (const r of await this.#db.all(sql, params)) {
      const s = await this.request(String(r.request_id));
      if (s) out.push(s);
    }
    return out;
  }

  async createSession(s: SessionRow, now: number): Promise<void> {
    await this.#db.tx(async (q) => {
      await q.run("DELETE FROM auth_sessions WHERE expires_at <= ?", [now]);
      await q.run("INSERT INTO auth_sessions (token_hash, address, expires_at, created_at) VALUES (?, ?, ?, ?)", [
        s.tokenHash,
        s.address,
        s.expiresAt,
        s.createdAt,
      ]);
    });
  }

  async session(tokenHash: string, now: number): Promise<SessionRow | undefined> {
    const r = await this.#db.get("SELECT * FROM auth_sessions WHERE token_hash = ? AND expires_at > ?", [tokenHash, now]);
    return r ? { tokenHash: String(r.token_hash), address: String(r.address), expiresAt: num(r.expires_at), createdAt: num(r.created_at) } : undefined;
  }

  async deleteSession(tokenHash: string): Promise<boolean> {
    return (await this.#db.run("DELETE FROM auth_sessions WHERE token_hash = ?", [tokenHash])) === 1;
  }

  async close(): Promise<void> {
    await this.#flushUsed().catch(() => undefined);
    await this.#leadership.release().catch(() => undefined);
    await this.#db.close();
  }
}

function toStoredKey(r: Row): StoredKey {
  return {
    datasetId: String(r.dataset_id),
    version: num(r.version),
    sealed: bytes(r.sealed),
    ciphertextSha256: String(r.ciphertext_sha256),
    keyCommitment: String(r.key_commitment),
    merkleRoot: strOrNull(r.merkle_root),
    depositedBy: String(r.deposited_by),
    depositedAt: num(r.deposited_at),
  };
}

function toBatch(r: Row): ReceiptBatch {
  return {
    batchId: String(r.batch_id),
    root: String(r.root),
    count: num(r.count),
    state: r.state as ReceiptBatch["state"],
    sealTx: strOrNull(r.seal_tx),
    sealBlock: numOrNull(r.seal_block),
    createdAt: num(r.created_at),
  };
}

function toChainTx(r: Row): ChainTx {
  return {
    key: String(r.tx_key),
    nonce: num(r.nonce),
    hashes: JSON.parse(String(r.hashes)) as string[],
    raw: String(r.raw),
    to: String(r.to_address),
    data: String(r.data),
    gasLimit: String(r.gas_limit),
    maxFeePerGas: String(r.max_fee),
    maxPriorityFeePerGas: String(r.priority_fee),
    state: r.state as ChainTx["state"],
    minedTx: strOrNull(r.mined_tx),
    minedBlock: numOrNull(r.mined_block),
    sentAtMs: num(r.sent_at_ms),
    sentBlock: num(r.sent_block),
    bumps: num(r.bumps),
    resends: num(r.resends),
  };
}

export function toReleaseRow(r: Row): ReleaseRow {
  return {
    requestId: String(r.request_id),
    kind: num(r.kind),
    status: r.status as ReleaseStatus,
    reason: strOrNull(r.reason),
    attempts: num(r.attempts),
    nextAttemptAt: num(r.next_attempt_at),
    envelope: r.envelope === null || r.envelope === undefined ? null : (JSON.parse(String(r.envelope)) as Envelope),
    envelopeHash: strOrNull(r.envelope_hash),
    releasedAt: numOrNull(r.released_at),
    receiptMode: (r.receipt_mode as ReceiptMode | null) ?? null,
    receiptState: r.receipt_state as ReceiptState,
    receiptTx: strOrNull(r.receipt_tx),
    receiptBlock: numOrNull(r.receipt_block),
    searchFromBlock: numOrNull(r.search_from_block),
    batchId: strOrNull(r.batch_id),
    grantBlock: num(r.grant_block),
    grantHash: strOrNull(r.grant_hash),
    grantLogIndex: numOrNull(r.grant_log_index),
  };
}
