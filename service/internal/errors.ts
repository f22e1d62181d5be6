/**
 * The service's errors, sorted by how the caller should react (as ponder does):
 *  - {@link ProblemError}: a refusal to show the HTTP client, with a stable `code` that becomes
 *    an RFC 9457 problem+json answer. Its `detail` is written for the client and never carries
 *    key material, signatures or upstream error text.
 *  - {@link RetryableError}: something outside us failed (RPC endpoint down, timeout); back off
 *    and try again.
 *  - {@link FatalError}: the service cannot run as configured (wrong chain, missing role);
 *    surface it and stop.
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
  internal: { status: 500, title: "Internal error" },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemCode = keyof typeof ProblemCodes;

/** A refusal with a stable code, answered to the client as problem+json. */
export class ProblemError extends Error {
  readonly code: ProblemCode;
  readonly status: number;
  readonly title: string;
  /** Extra members of the problem object (RFC 9457 extension members), all safe to show. */
  readonly extra?: Record<string, unknown>;

  constructor(code: ProblemCode, detail: string, extra?: Record<string, unknown>) {
    super(detail);
    this.name = "ProblemError";
    this.code = code;
    this.status = ProblemCodes[code].status;
    this.title = ProblemCodes[code].title;
    this.extra = extra;
  }
}

/** A failure of something outside the service (RPC, timeouts); retry with back-off. */
export class RetryableError extends Error {
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = "RetryableError";
  }
}

/** The service cannot run as configured. */
export class FatalError extends Error {
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = "FatalError";
  }
}

/**
 * True for errors worth retrying: network failures and timeouts talking to the RPC endpoint
 * (ethers codes NETWORK_ERROR, TIMEOUT, SERVER_ERROR, UNKNOWN_ERROR, and socket errors), as
 * opposed to a revert or a bad argument, which will fail the same way again.
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof RetryableError) return true;
  if (err instanceof FatalError || err instanceof ProblemError) return false;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string") {
    if (["NETWORK_ERROR", "TIMEOUT", "SERVER_ERROR", "UNKNOWN_ERROR", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "UND_ERR_SOCKET"].includes(code)) {
      return true;
    }
    if (["CALL_EXCEPTION", "INVALID_ARGUMENT", "BAD_DATA", "NUMERIC_FAULT"].includes(code)) return false;
  }
  const cause = (err as { cause?: unknown } | null)?.cause;
  if (cause && cause !== err) return isRetryable(cause);
  return err instanceof TypeError && /fetch failed/i.test(err.message);
}

/** The message of any thrown value, for logs (never for clients). */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
