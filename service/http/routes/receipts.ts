/**
 * GET /v1/receipts/:requestId — receipt inclusion proofs (service/receipts/proofs.ts). Public:
 * receipts are facts the ledger publishes anyway. Mount with `...receiptRoutes({ receipts })`
 * in the route list (service/http/app.ts `allRoutes`).
 *
 *   200 { requestId, receipts: [{ kind, mode, status, envelopeHash, releasedAt, batchId, root,
 *         leaf, proof, sealTx, sealBlock }] }    (empty list: seen, nothing released yet)
 *   404 unknown-request                          never seen on the ledger
 */
import { ProblemError } from "../../internal/errors.js";
import type { ReceiptReader } from "../../receipts/proofs.js";
import { defineRoute, type AnyRoute } from "../registry.js";
import { ReceiptsSchema, RequestIdParamsSchema } from "../schemas.js";

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
