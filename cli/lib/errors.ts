/**
 * Turning any failure into what a person (or a script) needs: what happened, what to do, and an
 * exit code — 1 for a failed operation, 2 for a command line that does not make sense.
 * SealshareError (SDK, decoded ledger reverts, custodian problems) already carries code, message
 * and hint; the rest (stream, blob, network, keystore errors) is mapped here.
 */
import { isError } from "ethers";
import { SealshareError } from "../../sdk/errors.js";

/** A command line that does not make sense: exit code 2. */
export class UsageError extends SealshareError {
  constructor(message: string, hint?: string) {
    super("USAGE", message, { hint });
  }
}

export interface DescribedError {
  code: string;
  message: string;
  hint?: string;
  details?: Record<string, unknown>;
  exitCode: 1 | 2;
}

export function describeError(err: unknown): DescribedError {
  if (err instanceof UsageError) return { code: err.code, message: err.message, hint: err.hint, exitCode: 2 };
  if (err instanceof SealshareError) return { code: err.code, message: err.message, hint: err.hint, details: safeDetails(err.details), exitCode: 1 };
  const e = err as { name?: string; code?: unknown; message?: string };
  if (e?.name === "StreamAuthError" || e?.name === "StreamFormatError") {
    return { code: "CIPHERTEXT_DAMAGED", message: `the ciphertext does not decrypt: ${e.message}`, hint: "the file was truncated or modified, or the key is not this file's key; nothing was written", exitCode: 1 };
  }
  if (e?.name === "BlobIntegrityError") return { code: "HASH_MISMATCH", message: e.message ?? "hash mismatch", hint: "the stored copy was modified or swapped; get an intact copy", exitCode: 1 };
  if (e?.name === "BlobNotFoundError") return { code: "BLOB_NOT_FOUND", message: e.message ?? "blob not found", hint: "check the blob folder (--blob-dir)", exitCode: 1 };
  if (e?.name === "BlobUriError") return { code: "BAD_BLOB_URI", message: e.message ?? "bad blob URI", exitCode: 1 };
  if (typeof e?.code === "string" && ["ENOENT", "EACCES", "EEXIST", "EISDIR"].includes(e.code)) {
    return { code: e.code, message: e.message ?? e.code, hint: e.code === "EEXIST" ? "the file exists; pass --force to replace it" : undefined, exitCode: 1 };
  }
  if (isError(err, "CALL_EXCEPTION")) {
    return { code: "CALL_EXCEPTION", message: `the ledger refused: ${err.shortMessage}`, hint: "is the deployment file for this chain? (`sealshare config show`)", exitCode: 1 };
  }
  if (isError(err, "NETWORK_ERROR") || isError(err, "SERVER_ERROR") || isError(err, "TIMEOUT") || /ECONNREFUSED|fetch failed/.test(String(e?.message))) {
    return { code: "RPC_UNREACHABLE", message: `could not reach the chain: ${(err as { shortMessage?: string }).shortMessage ?? e?.message}`, hint: "check --rpc-url (is the node running? `sealshare dev` starts one)", exitCode: 1 };
  }
  if (isError(err, "INSUFFICIENT_FUNDS")) return { code: "INSUFFICIENT_FUNDS", message: "the account cannot pay for gas", hint: "fund the account with the chain's native token", exitCode: 1 };
  return { code: "ERROR", message: e?.message ?? String(err), exitCode: 1 };
}

/** Details that are safe to print (they never hold keys; drop anything odd). */
function safeDetails(d: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!d) return undefined;
  try {
    return JSON.parse(JSON.stringify(d, (_k, v) => (typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? undefined : v))) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
