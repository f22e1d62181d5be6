/**
 * Shared by the SQL stores of every aggregate (./sql-*.ts): the clock, the checkpoint key, the
 * fact columns, and the row → value mappers. Dialect differences live in the drivers and
 * ./sql.ts; statements are written once for both SQLite and PostgreSQL.
 */
import type { Envelope } from "../../sdk/envelope.js";
import { bytes, num, numOrNull, strOrNull, type Row } from "./sql.js";
import type { ChainTx, ReceiptBatch, ReceiptMode, ReceiptState, ReleaseRow, ReleaseStatus, StoredKey } from "./store.js";

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Zero-padded ordering key of a log: block, transaction index, log index. */
export function checkpointOf(blockNumber: number, txIndex: number, logIndex: number): string {
  return `${String(blockNumber).padStart(12, "0")}:${String(txIndex).padStart(6, "0")}:${String(logIndex).padStart(6, "0")}`;
}

/** The columns every fact row carries: where its event was logged. */
export const FACT = ["block_number", "log_index", "block_hash"] as const;

export function toStoredKey(r: Row): StoredKey {
  return {
    datasetId: String(r.dataset_id),
    version: num(r.version),
    sealed: bytes(r.sealed),
    keyCommitment: String(r.key_commitment),
    merkleRoot: strOrNull(r.merkle_root),
    depositedBy: String(r.deposited_by),
    depositedAt: num(r.deposited_at),
  };
}

export function toBatch(r: Row): ReceiptBatch {
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

export function toChainTx(r: Row): ChainTx {
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
