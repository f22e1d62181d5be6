/** {@link TxOutbox} in SQL: the custodian's transactions, stored before broadcast (service/receipts/tx.ts). */
import { type SqlRunner, type SqlValue, type SqlDriver, type SqlContext } from "./sql.js";
import { nowSeconds, toChainTx } from "./sql-rows.js";
import type { ChainTx } from "./store.js";
import type { TxOutbox } from "./tx-outbox.js";

export class SqlTxOutbox implements TxOutbox {
  readonly #db: SqlDriver;

  constructor(ctx: SqlContext) {
    this.#db = ctx.db;
  }

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
}

// ── steps run inside another aggregate's transaction (the unit of work is the caller's) ──

/** Rewind step (sync's transaction): transactions mined in blocks after `b` are open again. */
export async function reopenOrphanedTxs(q: SqlRunner, b: number, now: number): Promise<void> {
  // The transactions that carried orphaned confirmations: one closed as final may sit in an orphaned block,
  // so it is opened again for the submitter (same bytes rebroadcast, or resent under a new
  // nonce once the chain shows its effect is missing); otherwise its batch waits forever.
  await q.run("UPDATE chain_txs SET state = 'sent', mined_tx = NULL, mined_block = NULL, updated_at = ? WHERE state IN ('mined', 'done') AND mined_block > ?", [
    now,
    b,
  ]);
}
