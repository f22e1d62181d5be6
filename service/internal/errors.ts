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

export { ProblemCodes, type ProblemCode } from "../../sdk/api/problems.js";
import { ProblemCodes, type ProblemCode } from "../../sdk/api/problems.js";

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
