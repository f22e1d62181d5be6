/**
 * The custodian API's stable problem codes (RFC 9457 `code` member), with the HTTP status and
 * title each is answered with. Shared by the service (service/internal/errors.ts answers them)
 * and the SDK client (which validates answers against them). Browser-safe: no Node imports.
 * Catalogue with causes and fixes: docs/ERRORS-API.md.
 */
/** Stable problem codes. Clients branch on these; never rename one. */
export const ProblemCodes = {
  "invalid-request": { status: 400, title: "The request is malformed" },
  "bad-signature": { status: 401, title: "The request's signature is invalid, expired or already used" },
  unauthenticated: { status: 401, title: "This route needs a session: Authorization: Bearer <token>" },
  "bad-session": { status: 401, title: "The session token is unknown, expired or logged out" },
  "siwe-rejected": { status: 401, title: "The Sign-In with Ethereum message or signature was refused" },
  "not-provider": { status: 403, title: "The signer is not the dataset's current provider" },
  "not-requester": { status: 403, title: "The signer is not the request's requester" },
  "not-party": { status: 403, title: "The caller is not the request's requester, subject or provider" },
  "unknown-request": { status: 404, title: "No such access request has been seen" },
  "unknown-dataset": { status: 404, title: "No such dataset on the ledger" },
  "unknown-version": { status: 404, title: "No such dataset version on the ledger" },
  "not-found": { status: 404, title: "No such route" },
  "method-not-allowed": { status: 405, title: "The route does not support this method" },
  "key-conflict": { status: 409, title: "A different key was already deposited for this dataset version" },
  "grant-expired": { status: 410, title: "The grant has expired" },
  "grant-revoked": { status: 410, title: "The grant is no longer valid" },
  "payload-too-large": { status: 413, title: "The request body is too large" },
  "unsupported-media-type": { status: 415, title: "Send application/json" },
  "key-commitment-mismatch": { status: 422, title: "The key does not match the version's on-chain commitment" },
  "unwrap-failed": { status: 422, title: "The wrapped key could not be unwrapped with the custodian's key" },
  "rate-limited": { status: 429, title: "Too many requests; retry after the Retry-After delay" },
  "ledger-paused": { status: 503, title: "The ledger is paused; nothing is released" },
  "upstream-unavailable": { status: 503, title: "The ledger's RPC endpoint is unavailable; retry later" },
  "chain-view-stale": { status: 503, title: "The custodian's view of the chain is too old to judge revocations; retry later" },
  "not-ready": { status: 503, title: "The custodian is not ready to serve; see the failed checks" },
  // Threshold custody (POST /v1/shares)
  "custody-not-configured": { status: 404, title: "This custodian follows no custody contract (the deployment names none)" },
  "shares-not-committed": { status: 409, title: "The version's on-chain custody record does not name this custodian set" },
  "shares-shredded": { status: 410, title: "The version's shares were ordered shredded" },
  "wrong-share-index": { status: 403, title: "This custodian is not at that index of the custodian set" },
  "share-proof-invalid": { status: 422, title: "The share does not verify against the version's on-chain shares root" },
  "share-conflict": { status: 409, title: "A different share was already deposited for this version and set" },
  internal: { status: 500, title: "Internal error" },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemCode = keyof typeof ProblemCodes;
