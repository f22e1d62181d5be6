/**
 * One error base class for the SDK: a short message, details, an optional cause and a hint
 * that says what to do. CLI and dapp print `message` and `hint`; scripts branch on `code`.
 */
export class SealshareError extends Error {
  readonly code: string;
  readonly hint?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: string, message: string, opts: { hint?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = opts.hint;
    this.details = opts.details;
  }
}

/**
 * Codes of threshold custody (`sdk/threshold/`), thrown as SealshareError with facts in
 * `details` (the custodian's address and its index in the set; never a share or a key):
 * - `THRESHOLD_INVALID_SET` — n, t or the custodian list cannot make a set (1 ≤ t ≤ n ≤ 16).
 * - `THRESHOLD_BAD_SHARE` — a custodian answered with a share that is not the one the provider
 *   committed to on chain for that custodian's slot; collected per custodian, thrown only inside
 *   `THRESHOLD_NOT_ENOUGH`.
 * - `THRESHOLD_CUSTODIAN_TIMEOUT`, `THRESHOLD_CUSTODIAN_FAILED` — a custodian did not answer in
 *   time, or its fetch failed; collected like bad shares.
 * - `THRESHOLD_NOT_ENOUGH` — fewer than t good shares: names every custodian that failed and why.
 * - `THRESHOLD_KEY_MISMATCH` — t committed shares combine to a key that is not the version's key
 *   commitment: the provider (the dealer) dealt inconsistent shares.
 * - `THRESHOLD_UNWRAP_FAILED` — a custodian could not unwrap the share wrapped to its key.
 */
export const THRESHOLD_ERROR_CODES = [
  "THRESHOLD_INVALID_SET",
  "THRESHOLD_BAD_SHARE",
  "THRESHOLD_CUSTODIAN_TIMEOUT",
  "THRESHOLD_CUSTODIAN_FAILED",
  "THRESHOLD_NOT_ENOUGH",
  "THRESHOLD_KEY_MISMATCH",
  "THRESHOLD_UNWRAP_FAILED",
] as const;
export type ThresholdErrorCode = (typeof THRESHOLD_ERROR_CODES)[number];
