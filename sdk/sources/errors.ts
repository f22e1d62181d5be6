/**
 * What can go wrong when a data-source adapter pulls a subject's records, as one error class with
 * stable codes. `retryable` tells the provider worker whether trying again later can help (a
 * timeout, a 503, a database restarting) or not (no data for the subject, malformed data, a bad
 * configuration): it retries the first kind with back-off and gives up on the second at once.
 *
 * Messages name the source and what failed, never record values or credentials.
 */
import { SealshareError } from "../errors.js";

export type SourceErrorCode =
  /** The sources file or an adapter's settings are invalid. */
  | "SOURCE_CONFIG_INVALID"
  /** The source cannot be reached now: missing folder, connection refused, DNS failure. */
  | "SOURCE_UNAVAILABLE"
  /** The source did not answer within its time limit. */
  | "SOURCE_TIMEOUT"
  /** The HTTP API answered with a non-2xx status (`details.status`). */
  | "SOURCE_HTTP_STATUS"
  /** The source has nothing for this subject (no file, HTTP 404). */
  | "SOURCE_NO_DATA"
  /** The answer exceeds the configured size or row limit. */
  | "SOURCE_TOO_LARGE"
  /** The answer is not records: malformed CSV/JSON/NDJSON, or values that are not objects. */
  | "SOURCE_BAD_DATA"
  /** The database refused or failed the query. */
  | "SOURCE_QUERY_FAILED"
  /** The caller cancelled the pull. */
  | "SOURCE_ABORTED";

export class SourceError extends SealshareError {
  declare readonly code: SourceErrorCode;
  /** Whether trying the same pull again later may succeed. */
  readonly retryable: boolean;

  constructor(
    code: SourceErrorCode,
    message: string,
    opts: { retryable?: boolean; hint?: string; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(code, message, opts);
    this.retryable = opts.retryable ?? DEFAULT_RETRYABLE[code];
  }
}

const DEFAULT_RETRYABLE: Record<SourceErrorCode, boolean> = {
  SOURCE_CONFIG_INVALID: false,
  SOURCE_UNAVAILABLE: true,
  SOURCE_TIMEOUT: true,
  SOURCE_HTTP_STATUS: false,
  SOURCE_NO_DATA: false,
  SOURCE_TOO_LARGE: false,
  SOURCE_BAD_DATA: false,
  SOURCE_QUERY_FAILED: false,
  SOURCE_ABORTED: false,
};

/** Throws SOURCE_ABORTED if `signal` was aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, source: string): void {
  if (signal?.aborted) throw new SourceError("SOURCE_ABORTED", `the pull from ${source} was cancelled`, { cause: signal.reason });
}
