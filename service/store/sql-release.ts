/**
 * {@link ReleaseStore} in SQL: what the custodian knows about requests (read from facts), the
 * release rows and their jobs, and deposited keys. Request views are cached for the fetch hot
 * path on SQLite (see SqlContext's cache in ./sql.ts).
 */
import { bytes, num, numOrNull, strOrNull, type SqlRunner, type SqlValue, type SqlDriver, type SqlContext } from "./sql.js";
import { nowSeconds, toStoredKey, toReleaseRow } from "./sql-rows.js";
import type { EnvelopeRecord, ReleaseJob, ReleaseOutcome, ReleaseRow, RequestFilter, RequestState, RequestView, StoredKey, VoidReason } from "./store.js";
import type { ReleaseStore } from "./release-store.js";

const VIEW_CACHE_SIZE = 10_000;

export class SqlReleaseStore implements ReleaseStore {
  readonly #db: SqlDriver;
  readonly #cache: SqlContext["cache"];

  constructor(ctx: SqlContext) {
    this.#db = ctx.db;
    this.#cache = ctx.cache;
  }

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
    const hit = this.#cache.views?.get(requestId);
    if (hit && hit.generation === this.#cache.generation) return hit.view;
    const generation = this.#cache.generation;
    const view = await this.#db.read(async (q) => {
      const state = await this.#requestIn(q, requestId);
      if (!state) return { state, releases: [], paused: false, chainTime: 0 };
      const releases = (await q.all("SELECT * FROM releases WHERE request_id = ? ORDER BY kind", [requestId])).map(toReleaseRow);
      const paused = await this.#pausedIn(q);
      const chainTime = num((await q.get("SELECT chain_time FROM sync_state WHERE id = 1"))!.chain_time);
      return { state, releases, paused, chainTime };
    });
    if (this.#cache.views && view.state) {
      if (this.#cache.views.size >= VIEW_CACHE_SIZE) this.#cache.views.clear();
      this.#cache.views.set(requestId, { generation, view });
    }
    return view;
  }

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

  async datasetKey(datasetId: string, version: number): Promise<StoredKey | undefined> {
    const r = await this.#db.get("SELECT * FROM dataset_keys WHERE dataset_id = ? AND version = ?", [datasetId, version]);
    return r ? toStoredKey(r) : undefined;
  }

  async putDatasetKey(k: StoredKey): Promise<{ created: boolean; woken: number }> {
    return this.#db.tx(async (q) => {
      const created =
        (await q.run(
          `INSERT INTO dataset_keys (dataset_id, version, sealed, key_commitment, merkle_root, deposited_by, deposited_at)
           VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
          [k.datasetId, k.version, k.sealed, k.keyCommitment, k.merkleRoot?.toLowerCase() ?? null, k.depositedBy, k.depositedAt],
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
        `UPDATE dataset_keys SET sealed = ?, key_commitment = ?, merkle_root = ?, deposited_by = ?, deposited_at = ?
         WHERE dataset_id = ? AND version = ?`,
        [k.sealed, k.keyCommitment, k.merkleRoot?.toLowerCase() ?? null, k.depositedBy, k.depositedAt, k.datasetId, k.version],
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

  async dueReleases(now: number, limit: number): Promise<ReleaseJob[]> {
    const keyText = this.#db.dialect === "postgres" ? "r.key_id::text" : "CAST(r.key_id AS TEXT)";
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
          // A key — or, under threshold custody, this custodian's share — deposited while the worker
          // was looking is seen here, so no release waits forever (the deposit's wake-up ran first).
          await q.run(
            `UPDATE releases SET
               status = CASE WHEN ? = 'waiting-key' AND NOT EXISTS (
                   SELECT 1 FROM dataset_keys k WHERE k.dataset_id = releases.dataset_id AND k.version = releases.version)
                 AND NOT EXISTS (
                   SELECT 1 FROM custody_shares s WHERE s.dataset_id = releases.dataset_id AND s.version = releases.version)
                 THEN 'waiting-key' ELSE 'pending' END,
               reason = ?, attempts = attempts + 1, next_attempt_at = ?, updated_at = ?
             WHERE request_id = ? AND kind = ? AND status IN ('pending', 'waiting-key')`,
            [o.status, o.reason, o.nextAttemptAt ?? now, now, o.requestId, o.kind],
          );
        }
      }
    });
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
}

// ── steps run inside another aggregate's transaction (the unit of work is the caller's) ──

/** Finalize step (sync's transaction): one pending release row per grant in blocks (from, to]; returns how many. */
export async function createFinalReleases(q: SqlRunner, from: number, to: number, now: number): Promise<number> {
  return q.run(
    `INSERT INTO releases (request_id, kind, status, grant_block, grant_hash, grant_log_index, dataset_id, version, requester, created_at, updated_at)
     SELECT request_id, kind, 'pending', block_number, block_hash, log_index, dataset_id, version, requester, CAST(? AS BIGINT), CAST(? AS BIGINT)
     FROM grants WHERE block_number > ? AND block_number <= ?
     ON CONFLICT (request_id, kind) DO NOTHING`,
    [now, now, from, to],
  );
}

/** Rewind step (sync's transaction): archives released rows of grants after block `b`; returns them. */
export async function archiveOrphanedReleases(q: SqlRunner, b: number, now: number): Promise<{ requestId: string; kind: number }[]> {
  const orphans = await q.all("SELECT request_id, kind FROM releases WHERE status = 'released' AND grant_block > ?", [b]);
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
  return orphans.map((r) => ({ requestId: String(r.request_id), kind: num(r.kind) }));
}

/** Rewind step (sync's transaction), after the archive and the batch dissolution: removes the rows of grants after block `b`. */
export async function dropOrphanedReleases(q: SqlRunner, b: number): Promise<void> {
  // Releases of orphaned grants (released or not) are removed; they come back if the grant does.
  await q.run("DELETE FROM releases WHERE grant_block > ?", [b]);
}
