/**
 * The custodian's own routes: identity, key deposit (provider), envelope fetch (requester) and
 * grant status (requester, subject, provider). Thin: parse (done by the registry), call one
 * function of the release stage, map the answer.
 */
import { ProblemError } from "../../internal/errors.js";
import { credentialFrom } from "../auth.js";
import { defineRoute, sendJson, type AnyRoute } from "../registry.js";
import {
  AuthHeadersSchema,
  CustodianInfoSchema,
  DepositBodySchema,
  DepositResultSchema,
  EnvelopeSchema,
  GrantStatusSchema,
  PendingSchema,
  RequestIdParamsSchema,
} from "../schemas.js";
import type { RouteDeps } from "./deps.js";
import { z } from "zod";

const retryAfterHeader = { "Retry-After": { description: "seconds before asking again", schema: z.string() } };

/**
 * Envelopes as JSON text, serialized once per stored envelope object: the store hands out the
 * same object while its cached view of the request holds (service/store, requestView), and a
 * client polls the same envelope many times. Weakly held: it goes with the cached view.
 */
const envelopeText = new WeakMap<object, string>();
function serializedEnvelope(envelope: object): string {
  let text = envelopeText.get(envelope);
  if (text === undefined) {
    text = JSON.stringify(envelope);
    envelopeText.set(envelope, text);
  }
  return text;
}

export function ledgerRoutes(deps: RouteDeps): AnyRoute[] {
  return [
    defineRoute({
      method: "get",
      path: "/v1/custodian",
      operationId: "custodianInfo",
      summary: "The custodian's identity: signing account, chain, ledger, encryption key",
      description: "Providers wrap data keys to `encryptionKey` (also published on chain). Check `chainId` and `ledger`.",
      tags: ["custodian"],
      request: {},
      responses: { 200: { description: "identity", schema: CustodianInfoSchema } },
      problems: ["upstream-unavailable"],
      handler(_input, _req, res) {
        const id = deps.identity();
        if (!id) throw new ProblemError("upstream-unavailable", "the custodian is still starting");
        res.json(id);
      },
    }),
    defineRoute({
      method: "post",
      path: "/v1/keys",
      operationId: "depositKey",
      summary: "Deposit a dataset version's data key (provider)",
      description:
        "The body's `signature` is an EIP-712 `KeyDeposit { datasetId, version, wrappedKeyHash: keccak256(wrappedKey), " +
        "issuedAt }` in the custodian domain, by the dataset's current provider. The key must open with the custodian's " +
        "key and match the version's on-chain key commitment. Idempotent: the same key again answers 200.",
      tags: ["keys"],
      request: { body: DepositBodySchema },
      responses: {
        201: { description: "stored", schema: DepositResultSchema },
        200: { description: "this very key was already stored", schema: DepositResultSchema },
      },
      problems: ["bad-signature", "not-provider", "unknown-dataset", "unknown-version", "key-conflict", "unwrap-failed", "key-commitment-mismatch", "upstream-unavailable"],
      async handler({ body }, _req, res) {
        const result = await deps.deposit(body);
        res.status(result.created ? 201 : 200).json({ ...result, status: result.created ? "stored" : "already-stored" });
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/envelopes/:requestId",
      operationId: "fetchEnvelope",
      summary: "Fetch the key envelope of a grant (requester)",
      description:
        "Authenticate with an EIP-712 `EnvelopeRequest { requestId, issuedAt }` (headers x-sealshare-issued-at, " +
        "x-sealshare-signature; single use, ±300 s) or a session (Authorization: Bearer). Answered from stored state only: " +
        "no chain call — and only while the custodian's chain view is fresh (503 chain-view-stale otherwise: " +
        "SEALSHARE_SERVE_MAX_STALE_SECONDS / SEALSHARE_SERVE_MAX_BEHIND_BLOCKS). 202 while the grant is not released yet.",
      tags: ["envelopes"],
      security: ["eip712Request", "siweSession"],
      request: { params: RequestIdParamsSchema, headers: AuthHeadersSchema },
      responses: {
        200: { description: "the envelope", schema: EnvelopeSchema },
        202: { description: "not released yet; ask again after Retry-After", schema: PendingSchema, headers: retryAfterHeader },
      },
      problems: ["bad-signature", "bad-session", "not-requester", "unknown-request", "grant-revoked", "grant-expired", "ledger-paused", "chain-view-stale"],
      async handler({ params, headers }, req, res) {
        const { credential } = await credentialFrom(headers, deps.sessions, res);
        const answer = await deps.readEnvelope({
          requestId: params.requestId,
          credential,
          gate: (account) => deps.limits.account(req, res, account),
        });
        res.setHeader("Cache-Control", "no-store");
        if (answer.status === "ready") return sendJson(res, 200, answer.envelope, serializedEnvelope(answer.envelope));
        res.setHeader("Retry-After", String(answer.retryAfter));
        sendJson(res, 202, answer);
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/grants/:requestId",
      operationId: "grantStatus",
      summary: "A request's grant status (requester, subject or provider)",
      description:
        "Authenticate with an EIP-712 `GrantStatusRequest { requestId, issuedAt }` (same headers as the envelope fetch) or " +
        "a session. The requester is answered from stored state; the subject and the dataset's current provider too, " +
        "after one cached ledger read of the dataset's parties.",
      tags: ["grants"],
      security: ["eip712Request", "siweSession"],
      request: { params: RequestIdParamsSchema, headers: AuthHeadersSchema },
      responses: { 200: { description: "the status", schema: GrantStatusSchema } },
      problems: ["bad-signature", "bad-session", "not-party", "unknown-request", "unknown-dataset", "upstream-unavailable", "chain-view-stale"],
      async handler({ params, headers }, req, res) {
        const { credential } = await credentialFrom(headers, deps.sessions, res);
        const status = await deps.grantStatus({
          requestId: params.requestId,
          credential,
          gate: (account) => deps.limits.account(req, res, account),
        });
        res.set("Cache-Control", "no-store").json(status);
      },
    }),
  ];
}
