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
