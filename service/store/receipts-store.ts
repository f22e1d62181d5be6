/** The receipts aggregate: single receipts, receipt batches with their Merkle proofs (service/receipts/). */
import type { ReceiptMode, ReleaseRow } from "./release-store.js";

/** A release waiting for its batch. */
export interface UnbatchedRelease {
  requestId: string;
  kind: number;
  envelopeHash: string;
  releasedAt: number;
  leaf: string;
  /** When the envelope was persisted (wall clock, unix seconds): how long it has waited. */
  persistedAt: number;
}

export type BatchState = "formed" | "sent" | "sealed";

export interface ReceiptBatch {
  batchId: string; // 0x + 16 bytes (UUID v4)
  root: string;
  count: number;
  state: BatchState;
  sealTx: string | null;
  sealBlock: number | null;
  createdAt: number;
}

/** What GET /v1/receipts/:requestId answers for one (request, kind). */
export interface ReceiptProof {
  requestId: string;
  kind: number;
  mode: ReceiptMode;
  status: "pending" | "submitted" | "confirmed"; // confirmed = its chain event is final
  envelopeHash: string;
  releasedAt: number;
  /** batch mode */
  batchId: string | null;
  root: string | null;
  leaf: string | null;
  proof: string[] | null;
  /** The transaction that sealed the batch, or that recorded the single receipt. */
  sealTx: string | null;
  sealBlock: number | null;
}

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
