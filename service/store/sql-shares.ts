/**
 * {@link ShareStore} in SQL: threshold custody's shares held by this custodian, the shred orders
 * it carried out and the shred watcher's cursor. A shred deletes the share row and records the
 * shred in one transaction; a shredded (dataset, version, set) never takes a share again.
 */
import { bytes, num, type SqlContext, type SqlDriver, type SqlRunner } from "./sql.js";
import { nowSeconds } from "./sql-rows.js";
import type { ShareStore, ShredRecord, StoredShare } from "./share-store.js";

export class SqlShareStore implements ShareStore {
  readonly #db: SqlDriver;

  constructor(ctx: SqlContext) {
    this.#db = ctx.db;
  }

  async share(datasetId: string, version: number, setId: number): Promise<StoredShare | undefined> {
    return this.#shareIn(this.#db, datasetId, version, setId);
  }

  async #shareIn(q: SqlRunner, datasetId: string, version: number, setId: number): Promise<StoredShare | undefined> {
    const r = await q.get("SELECT * FROM custody_shares WHERE dataset_id = ? AND version = ? AND set_id = ?", [datasetId, version, setId]);
    if (!r) return undefined;
    return {
      datasetId: String(r.dataset_id),
      version: num(r.version),
      setId: num(r.set_id),
      index: num(r.share_index),
      sealed: bytes(r.sealed),
      proof: JSON.parse(String(r.proof)) as string[],
      sharesRoot: String(r.shares_root),
      depositedBy: String(r.deposited_by),
      depositedAt: num(r.deposited_at),
    };
  }

  async putShare(s: StoredShare): Promise<{ created: boolean; shredded: boolean; woken: number }> {
    return this.#db.tx(async (q) => {
      const shredded = !!(await q.get("SELECT 1 AS x FROM custody_shreds WHERE dataset_id = ? AND version = ? AND set_id = ?", [s.datasetId, s.version, s.setId]));
      if (shredded) return { created: false, shredded, woken: 0 };
      const created =
        (await q.run(
          `INSERT INTO custody_shares (dataset_id, version, set_id, share_index, sealed, proof, shares_root, deposited_by, deposited_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
          [s.datasetId, s.version, s.setId, s.index, s.sealed, JSON.stringify(s.proof.map((p) => p.toLowerCase())), s.sharesRoot.toLowerCase(), s.depositedBy, s.depositedAt],
        )) === 1;
      const woken = await q.run(
        `UPDATE releases SET status = 'pending', next_attempt_at = 0, reason = NULL, updated_at = ?
         WHERE dataset_id = ? AND version = ? AND status = 'waiting-key'`,
        [nowSeconds(), s.datasetId, s.version],
      );
      return { created, shredded, woken };
    });
  }

  async shredShare(r: ShredRecord): Promise<{ deleted: boolean; recorded: boolean }> {
    return this.#db.tx(async (q) => {
      const deleted = (await q.run("DELETE FROM custody_shares WHERE dataset_id = ? AND version = ? AND set_id = ?", [r.datasetId, r.version, r.setId])) > 0;
      const recorded =
        (await q.run(
          "INSERT INTO custody_shreds (dataset_id, version, set_id, ordered_block, shredded_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
          [r.datasetId, r.version, r.setId, r.orderedBlock, r.shreddedAt],
        )) === 1;
      return { deleted, recorded };
    });
  }

  async shredded(datasetId: string, version: number, setId: number): Promise<boolean> {
    return !!(await this.#db.get("SELECT 1 AS x FROM custody_shreds WHERE dataset_id = ? AND version = ? AND set_id = ?", [datasetId, version, setId]));
  }

  async rewrapShares(rewrap: (s: StoredShare) => Uint8Array): Promise<number> {
    return this.#db.tx(async (q) => {
      const rows = await q.all("SELECT dataset_id, version, set_id FROM custody_shares ORDER BY dataset_id, version, set_id");
      for (const r of rows) {
        const s = (await this.#shareIn(q, String(r.dataset_id), num(r.version), num(r.set_id)))!;
        await q.run("UPDATE custody_shares SET sealed = ? WHERE dataset_id = ? AND version = ? AND set_id = ?", [rewrap(s), s.datasetId, s.version, s.setId]);
      }
      return rows.length;
    });
  }

  async custodyScanned(): Promise<number> {
    const r = await this.#db.get("SELECT scanned_block FROM custody_scan WHERE id = 1");
    return r ? num(r.scanned_block) : -1;
  }

  async setCustodyScanned(block: number): Promise<void> {
    await this.#db.run("INSERT INTO custody_scan (id, scanned_block) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET scanned_block = excluded.scanned_block", [block]);
  }
}
