/**
 * Threshold custody's deposit route (contracts/interfaces/ICustody.sol): a provider hands this
 * custodian its Shamir share of a dataset version's key. Thin: parse (done by the registry), call
 * the share depositor (service/keys/share-deposit.ts, whose header lists every check), map the answer.
 */
import { defineRoute, type AnyRoute } from "../registry.js";
import { ShareDepositBodySchema, ShareDepositResultSchema } from "../schemas.js";
import type { RouteDeps } from "./deps.js";

export function shareRoutes(deps: RouteDeps): AnyRoute[] {
  return [
    defineRoute({
      method: "post",
      path: "/v1/shares",
      operationId: "depositShare",
      summary: "Deposit this custodian's Shamir share of a dataset version's data key (provider, threshold custody)",
      description:
        "The body's `signature` is an EIP-712 `ShareDeposit { datasetId, version, setId, index, wrappedShareHash: " +
        "keccak256(wrappedShare), proofHash: keccak256(concat(proof)), issuedAt }` in the custodian domain, by the " +
        "dataset's current provider. The custody contract must record `setId` as serving the version (not shredded), with " +
        "this custodian at `index`; the share must open with the custodian's key and its leaf [chainId, custody contract, " +
        "datasetId, version, setId, index, keccak256(share)] verify with `proof` against the on-chain sharesRoot. " +
        "Idempotent: the same share again answers 200.",
      tags: ["keys"],
      request: { body: ShareDepositBodySchema },
      responses: {
        201: { description: "stored", schema: ShareDepositResultSchema },
        200: { description: "this very share was already stored", schema: ShareDepositResultSchema },
      },
      problems: [
        "bad-signature",
        "not-provider",
        "unknown-dataset",
        "custody-not-configured",
        "shares-not-committed",
        "shares-shredded",
        "wrong-share-index",
        "unwrap-failed",
        "share-proof-invalid",
        "share-conflict",
        "upstream-unavailable",
      ],
      async handler({ body }, _req, res) {
        const result = await deps.depositShare(body);
        res.status(result.created ? 201 : 200).json({ ...result, status: result.created ? "stored" : "already-stored" });
      },
    }),
  ];
}
