/**
 * Checking the custodian's answers against the API's schemas (./schemas.ts) before any client
 * code touches them: the SDK's CustodianClient and the auditor's receipt fetch both go through
 * {@link parseAnswer}. Browser-safe.
 */
import type { z } from "zod";
import { SealshareError } from "../errors.js";

/**
 * Thrown when a success answer is not what the API's schema says: not JSON, a missing or
 * mistyped field, a status the route never answers. The answer is never used; `details.issues`
 * says what was wrong. Usually a custodian of another version, or something between you and it
 * rewriting answers (a captive portal, a misconfigured proxy).
 */
export class CustodianAnswerError extends SealshareError {
  // Spelled out: a minifier (the dapp's production build) renames classes, and callers recognise this error by name.
  override name = "CustodianAnswerError";
  readonly path: string;

  constructor(path: string, status: number, issues: { path: string; message: string }[]) {
    super("CUSTODIAN_BAD_ANSWER", `the custodian's answer to ${path} (HTTP ${status}) does not match the API schema`, {
      details: { path, status, issues },
      hint: "check that the custodian URL is a Sealshare custodian of a matching version",
    });
    this.path = path;
  }
}

/** The answer's body parsed: `text` must be JSON (or empty, for `undefined`) matching `schema`. */
export function parseAnswer<S extends z.ZodType>(schema: S, path: string, status: number, text: string): z.output<S> {
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    throw new CustodianAnswerError(path, status, [{ path: "", message: "not JSON" }]);
  }
  const result = schema.safeParse(body);
  if (!result.success) {
    const issues = result.error.issues.slice(0, 10).map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
    throw new CustodianAnswerError(path, status, issues);
  }
  return result.data;
}
