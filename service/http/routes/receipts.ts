/**
 * GET /v1/receipts/:requestId — receipt inclusion proofs (service/receipts/proofs.ts). Public:
 * receipts are facts the ledger publishes anyway. Mount with `...receiptRoutes({ receipts })`
 * in the route list (service/http/app.ts `allRoutes`).
 *
 *   200 { requestId, receipts: [{ kind, mode, status, envelopeHash, releasedAt, batchId, root,
 *         leaf, proof, sealTx, sealBlock }] }    (empty list: seen, nothing released yet)
 *   404 unknown-request                          never seen on the ledger
 */
import { z } from "zod";
import { ProblemError } from "../../internal/errors.js";
import type { ReceiptReader } from "../../receipts/proofs.js";
import { defineRoute, type AnyRoute } from "../registry.js";
import { RequestIdParamsSchema } from "../schemas.js";

const hash32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/);

export const ReceiptProofSchema = z
  .object({
    requestId: z.string().regex(/^\d+$/),
    kind: z.number().int().describe("GrantKind: 1 temporary, 2 formal"),
    mode: z.enum(["batch", "single"]),
    status: z.enum(["pending", "submitted", "confirmed"]).describe("confirmed: the chain event recording it is final"),
    envelopeHash: hash32.describe("EIP-712 digest of the envelope the requester received"),
    releasedAt: z.number().int().describe("unix seconds; part of the leaf"),
    batchId: z.string().regex(/^0x[0-9a-fA-F]{32}$/).nullable().describe("UUID v4 as bytes16 (batch mode)"),
    root: hash32.nullable(),
    leaf: hash32.nullable().describe("receiptLeaf(requestId, kind, envelopeHash, releasedAt)"),
    proof: z.array(hash32).nullable().describe("OpenZeppelin StandardMerkleTree proof: verifyReceipt(batchId, leaf, proof)"),
    sealTx: hash32.nullable().describe("the sealReceiptBatch (batch) or recordRelease (single) transaction, once final"),
    sealBlock: z.number().int().nullable(),
  })
  .meta({ id: "ReceiptProof" });

export const ReceiptsSchema = z.object({ requestId: z.string(), receipts: z.array(ReceiptProofSchema) }).meta({ id: "Receipts" });

export function receiptRoutes(deps: { receipts: ReceiptReader }): AnyRoute[] {
  return [
    defineRoute({
      method: "get",
      path: "/v1/receipts/:requestId",
      operationId: "releaseReceipts",
      summary: "How each release of a request is recorded on chain, with its Merkle inclusion proof",
      description:
        "Batch mode: check `verifyReceipt(batchId, leaf, proof)` on the ledger, and that `leaf` equals " +
        "`receiptLeaf(requestId, kind, envelopeHash, releasedAt)`. Single mode: the recordRelease transaction.",
      tags: ["receipts"],
      request: { params: RequestIdParamsSchema },
      responses: { 200: { description: "the receipts (empty until released)", schema: ReceiptsSchema } },
      problems: ["unknown-request"],
      async handler({ params }, _req, res) {
        const requestId = params.requestId.toString();
        const receipts = await deps.receipts.receiptsOf(requestId);
        if (!receipts) throw new ProblemError("unknown-request", `no access request ${requestId} has been seen on the ledger`);
        res.set("Cache-Control", "no-store").json({ requestId, receipts });
      },
    }) as AnyRoute,
  ];
}
