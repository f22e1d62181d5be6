/**
 * Turning any failure into what a person (or a script) needs: what happened, what to do, and an
 * exit code — 1 for a failed operation, 2 for a command line that does not make sense.
 * SealshareError (SDK, decoded ledger reverts, custodian problems) already carries code, message
 * and hint; the rest (stream, blob, network, keystore errors) is mapped here.
 */
import { resolve } from "node:path";
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

/** A value the command line gave (an option's or a positional's), which may name a file. */
export interface FileOption {
  /** `--consent`, or `<file>` for a positional. */
  option: string;
  value: string;
}

/**
 * `files`: what the command line gave, so a failure about a file names the option that gave it;
 * `cwd`: the folder relative paths were read from.
 */
export function describeError(err: unknown, files: readonly FileOption[] = [], cwd = process.cwd()): DescribedError {
  if (err instanceof UsageError) return { code: err.code, message: err.message, hint: err.hint, exitCode: 2 };
  if (err instanceof SealshareError && err.code === "FILE_NOT_FOUND" && typeof err.details?.path === "string") {
    return { code: err.code, ...fileProblem(String(err.details.what ?? "file"), err.details.path, fileErrno(err.cause), files, cwd), exitCode: 1 };
  }
  if (err instanceof SealshareError) return { code: err.code, message: err.message, hint: err.hint, details: safeDetails(err.details), exitCode: 1 };
  const e = err as { name?: string; code?: unknown; message?: string; path?: unknown };
  if (typeof e?.code === "string" && ["ENOENT", "EACCES", "EISDIR"].includes(e.code) && typeof e.path === "string") {
    return { code: e.code, ...fileProblem(undefined, e.path, e.code, files, cwd), exitCode: 1 };
  }
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

function fileErrno(cause: unknown): string | undefined {
  const code = (cause as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * A file that could not be used, said with the absolute path looked at and the option that
 * named it: "no consent file at /home/me/consent.json (given by --consent)". `what` is known for
 * files the CLI reads itself; a Node error (`ENOENT` from the SDK) may be a file read or written,
 * so it is said without guessing which ("no such file or folder").
 */
function fileProblem(what: string | undefined, path: string, errno: string | undefined, files: readonly FileOption[], cwd: string): { message: string; hint: string; details: Record<string, unknown> } {
  const abs = resolve(cwd, path);
  const from = files.find((f) => resolve(cwd, f.value) === abs);
  const by = from ? ` (given by ${from.option})` : "";
  const the = what ? `the ${what} ` : "";
  const message =
    errno === "EACCES"
      ? `no permission to use ${the}${abs}${by}`
      : errno === "EISDIR"
        ? `${the}${abs}${by} is a folder, not a file`
        : what
          ? `no ${what} at ${abs}${by}`
          : `no such file or folder: ${abs}${by}`;
  const hint =
    errno === "EACCES"
      ? `give this account access to it, or pass another path${from ? ` to ${from.option}` : ""}`
      : `check the path${from ? ` given to ${from.option}` : ""}; a relative path is read from the folder the command runs in (${cwd})`;
  return { message, hint, details: { path: abs, ...(from ? { option: from.option } : {}) } };
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
