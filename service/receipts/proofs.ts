/**
 * Receipt inclusion proofs, for GET /v1/receipts/:requestId: for each released kind of a
 * request, how its release was recorded on chain — in a sealed batch (batch id, Merkle root,
 * the release's leaf and proof, the seal transaction) or one by one (the recordRelease
 * transaction) — and whether that record is final yet.
 *
 * An auditor checks a batch receipt without trusting the custodian: recompute
 * `leaf = receiptLeaf(requestId, kind, envelopeHash, releasedAt)` (the contract's pure view, or
 * OpenZeppelin's StandardMerkleTree), then `verifyReceipt(batchId, leaf, proof)` on the ledger;
 * `envelopeHash` is the EIP-712 digest of the envelope the requester received.
 * Receipts are public facts (the single-mode KeyReleased event carries the same data), so the
 * route needs no authentication.
 */
import type { ReceiptProof, ReceiptStore, ReleaseStore } from "../store/store.js";

export interface ReceiptReader {
  /** Every recorded release of the request (one per kind); undefined if the request was never seen. */
  receiptsOf(requestId: string): Promise<ReceiptProof[] | undefined>;
  /** The receipt of one (request, kind), if released. */
  proofForRelease(requestId: string, kind: number): Promise<ReceiptProof | undefined>;
}

export function createReceiptReader(store: ReceiptStore & Pick<ReleaseStore, "request">): ReceiptReader {
  return {
    async receiptsOf(requestId) {
      const proofs = await store.receiptProofs(requestId);
      if (proofs.length === 0 && !(await store.request(requestId))) return undefined;
      return proofs;
    },
    async proofForRelease(requestId, kind) {
      return (await store.receiptProofs(requestId)).find((p) => p.kind === kind);
    },
  };
}
