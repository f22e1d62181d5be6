/** The transaction outbox: every transaction the custodian sends, stored before broadcast (service/receipts/tx.ts). */

/** A transaction the custodian sends (service/receipts/tx.ts), persisted before broadcast. */
export interface ChainTx {
  key: string; // what it does, unique: "seal:<batchId>" | "release:<requestId>:<kind>"
  nonce: number;
  hashes: string[]; // every hash it was broadcast under (replacements append)
  raw: string; // the last signed bytes
  to: string;
  data: string;
  gasLimit: string;
  maxFeePerGas: string;
  maxPriorityFeePerGas: string;
  state: "sent" | "mined" | "done" | "failed";
  minedTx: string | null;
  minedBlock: number | null;
  sentAtMs: number;
  sentBlock: number;
  bumps: number;
  resends: number;
}

export interface TxOutbox {
  /** Stores a new transaction; if one exists for `tx.key`, returns it and stores nothing. */
  putTx(tx: ChainTx): Promise<ChainTx>;
  tx(key: string): Promise<ChainTx | undefined>;
  /** Transactions in state sent or mined, by nonce. */
  openTxs(): Promise<ChainTx[]>;
  updateTx(key: string, patch: Partial<Omit<ChainTx, "key">>): Promise<void>;
}
