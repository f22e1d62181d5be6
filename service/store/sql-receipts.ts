/** {@link ReceiptStore} in SQL: single receipts, receipt batches and their proofs. */
import { num, numOrNull, strOrNull, type SqlRunner, type SqlDriver, type SqlContext } from "./sql.js";
import { nowSeconds, toBatch, toReleaseRow } from "./sql-rows.js";
import type { ReceiptBatch, ReceiptMode, ReceiptProof, ReceiptState, ReleaseRow, UnbatchedRelease } from "./store.js";
import type { ReceiptStore } from "./receipts-store.js";

export class SqlReceiptStore implements ReceiptStore {
  readonly #db: SqlDriver;

  constructor(ctx: SqlContext) {
    this.#db = ctx.db;
  }

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
}

// ── steps run inside another aggregate's transaction (the unit of work is the caller's) ──

/** Finalize step (sync's transaction): confirms receipts whose chain event is in a block ≤ `to`; returns how many. */
export async function confirmFinalReceipts(q: SqlRunner, to: number, now: number): Promise<number> {
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
  return confirmedReceipts;
}

/** Rewind step (sync's transaction), before the orphaned rows are dropped. */
export async function dissolveOrphanedBatches(q: SqlRunner, b: number): Promise<void> {
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
}

/** Rewind step (sync's transaction): confirmations from blocks after `b` are taken back. */
export async function unconfirmOrphanedReceipts(q: SqlRunner, b: number, now: number): Promise<void> {
  // Confirmations that came from orphaned blocks (a reorg deeper than the confirmation depth).
  await q.run(
    "UPDATE releases SET receipt_state = 'sent', updated_at = ? WHERE receipt_mode = 'single' AND receipt_state = 'confirmed' AND receipt_block > ?",
    [now, b],
  );
  await q.run("UPDATE receipt_batches SET state = 'sent', seal_tx = NULL, seal_block = NULL, updated_at = ? WHERE state = 'sealed' AND seal_block > ?", [now, b]);
}

/** Rewind step (sync's transaction), last: batch members whose batch is no longer sealed are batched again. */
export async function rebatchUnsealedReceipts(q: SqlRunner, now: number): Promise<void> {
  await q.run(
    `UPDATE releases SET receipt_state = 'batched', updated_at = ? WHERE receipt_state = 'confirmed' AND receipt_mode = 'batch'
       AND batch_id IN (SELECT batch_id FROM receipt_batches WHERE state <> 'sealed')`,
    [now],
  );
}
