/** Reading the ledger's custom errors out of ethers' CALL_EXCEPTION errors. */
import { isRetryable, ProblemError } from "../internal/errors.js";

/** The name of the custom error a call reverted with (e.g. "DatasetsUnknown"), if any. */
export function revertName(err: unknown): string | undefined {
  const e = err as { code?: string; revert?: { name?: string } } | null;
  return e?.code === "CALL_EXCEPTION" ? e.revert?.name : undefined;
}

/**
 * Maps a failed ledger read on an HTTP path to a problem: RPC trouble is a 503 the client may
 * retry; anything else is rethrown (and becomes a 500 without details).
 */
export function upstreamProblem(err: unknown): never {
  if (isRetryable(err)) throw new ProblemError("upstream-unavailable", "could not read the ledger; retry later");
  throw err;
}
