/** The transaction outbox: every transaction the custodian sends, stored before broadcast (service/receipts/tx.ts). */
import type { ChainTx } from "./store.js";

export interface TxOutbox {
  /** Stores a new transaction; if one exists for `tx.key`, returns it and stores nothing. */
  putTx(tx: ChainTx): Promise<ChainTx>;
  tx(key: string): Promise<ChainTx | undefined>;
  /** Transactions in state sent or mined, by nonce. */
  openTxs(): Promise<ChainTx[]>;
  updateTx(key: string, patch: Partial<Omit<ChainTx, "key">>): Promise<void>;
}
