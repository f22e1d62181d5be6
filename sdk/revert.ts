/**
 * Turns revert data into a named error with its arguments, so a CLI user or a test reads
 * `ConsentsUnknown(0x12…)` instead of hex, and a role by its name
 * (`AccessControlUnauthorizedAccount(0xAb…, SUPERVISOR_ROLE)`), never its hash.
 */
import { Interface, isError } from "ethers";
import { Sealshare__factory } from "../types/ethers-contracts/index.js";
import { SealshareError } from "./errors.js";
import { ledgerErrorHint, roleName } from "./ledger-hints.js";

const ledgerInterface: Interface = Sealshare__factory.createInterface() as unknown as Interface;

export interface DecodedRevert {
  name: string;
  args: unknown[];
  /** `Name(arg1, arg2)` with bigints printed in decimal and role hashes as their names. */
  text: string;
}

/** Finds revert data anywhere in an ethers error (or its causes) and decodes it against the ledger's ABI. */
export function decodeRevert(err: unknown): DecodedRevert | undefined {
  const data = findRevertData(err);
  if (!data) return undefined;
  try {
    const parsed = ledgerInterface.parseError(data);
    if (!parsed) return undefined;
    const args = [...parsed.args];
    return { name: parsed.name, args, text: `${parsed.name}(${shownArgs(parsed.name, args).join(", ")})` };
  } catch {
    return undefined;
  }
}

/** Re-throws a contract call failure as a SealshareError whose code is the custom error's name. */
export function asLedgerError(err: unknown): SealshareError | unknown {
  const decoded = decodeRevert(err);
  if (!decoded) return err;
  return new SealshareError(decoded.name, `the ledger refused: ${decoded.text}`, {
    details: { args: shownArgs(decoded.name, decoded.args) },
    hint: ledgerErrorHint(decoded.name, decoded.args),
    cause: err,
  });
}

/** The arguments as printed: a role (the `bytes32 neededRole` of AccessControl's errors) by its name. */
function shownArgs(name: string, args: unknown[]): string[] {
  return args.map((a, i) => (name === "AccessControlUnauthorizedAccount" && i === 1 && typeof a === "string" ? roleName(a) : formatArg(a)));
}

function findRevertData(err: unknown, depth = 0): string | undefined {
  if (depth > 5 || err === null || typeof err !== "object") return undefined;
  const e = err as Record<string, unknown>;
  if (isError(err, "CALL_EXCEPTION") && typeof e.data === "string" && e.data.length >= 10) return e.data;
  if (typeof e.data === "string" && /^0x[0-9a-f]{8}/i.test(e.data)) return e.data;
  for (const k of ["error", "info", "cause", "data"]) {
    const found = findRevertData(e[k], depth + 1);
    if (found) return found;
  }
  return undefined;
}

function formatArg(a: unknown): string {
  if (typeof a === "bigint") return a.toString();
  if (Array.isArray(a)) return `[${a.map(formatArg).join(", ")}]`;
  return String(a);
}
