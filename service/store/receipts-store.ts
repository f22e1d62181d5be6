/** The receipts aggregate: single receipts, receipt batches with their Merkle proofs (service/receipts/). */
import type { ReceiptBatch, ReceiptProof, ReleaseRow, UnbatchedRelease } from "./store.js";

export interface ReceiptStore {
  /** Single-mode receipts not confirmed yet (unsent or sent). */
  openReceipts(limit?: number): Promise<ReleaseRow[]>;
  markReceiptSent(requestId: string, kind: number, txHash: string): Promise<void>;
  markReceiptConfirmed(requestId: string, kind: number, txHash: string, blockNumber: number): Promise<void>;
  /** The receipt tx was dropped or reverted: send again. */
  markReceiptUnsent(requestId: string, kind: number): Promise<void>;
  /** Batch-mode releases waiting for a batch, oldest first. */
  unbatchedReleases(limit: number): Promise<UnbatchedRelease[]>;
  /** Creates a batch and assigns its members and their proofs, in one transaction. */
  createBatch(batch: { batchId: string; root: string; members: { requestId: string; kind: number; proof: string[] }[] }): Promise<void>;
  /** Batches not sealed (final) yet. */
  openBatches(): Promise<ReceiptBatch[]>;
  markBatchSent(batchId: string): Promise<void>;
  receiptProofs(requestId: string): Promise<ReceiptProof[]>;
}
