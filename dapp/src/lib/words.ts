/**
 * Plain words for the ledger's codes, on top of sdk/vocabulary.ts: names for addresses, purposes
 * and categories as a person says them, durations, times, statuses.
 */
import { getAddress, ZeroAddress } from "ethers";
import { Category, GrantInvalidReason, Purpose, RequestStatus, categoryName, purposeName } from "../../../sdk/vocabulary.js";

export { Category, Purpose };

/** "creditAssessment" → "credit assessment". */
export function spaced(camel: string): string {
  return camel.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
}

export const purposeWords = (code: number | bigint): string => spaced(purposeName(Number(code)));
export const categoryWords = (code: number | bigint): string => spaced(categoryName(Number(code)));
export const kindWords = (kind: number | bigint): string => (Number(kind) === 2 ? "formal" : Number(kind) === 1 ? "temporary" : "no");

export const PURPOSES = Object.entries(Purpose).map(([name, code]) => ({ code, label: spaced(name) }));
export const CATEGORIES = Object.entries(Category).map(([name, code]) => ({ code, label: spaced(name) }));

/**
 * Reason codes for rejections, revocations and suspensions (uint16 on chain).
 * TODO(sdk): these belong in sdk/vocabulary.ts next to the purpose codes.
 */
export const REASONS: { code: number; label: string }[] = [
  { code: 1, label: "purpose not justified" },
  { code: 2, label: "consent does not cover it" },
  { code: 3, label: "more data than needed" },
  { code: 4, label: "requester under review" },
  { code: 5, label: "policy breach" },
  { code: 99, label: "other" },
];
/** Reason codes for suspending a member (uint16 on chain). TODO(sdk): sdk/vocabulary.ts. */
export const SUSPENSION_REASONS: { code: number; label: string }[] = [
  { code: 101, label: "KYC lapsed or under review" },
  { code: 102, label: "misuse of data" },
  { code: 103, label: "regulatory order" },
  { code: 99, label: "other" },
];

/** A reason code in words ("purpose not justified"); 0 is "none given". */
export function reasonWords(code: number): string {
  if (code === 0) return "none given";
  return (REASONS.find((r) => r.code === code) ?? SUSPENSION_REASONS.find((r) => r.code === code))?.label ?? `code ${code}`;
}

export function shortAddress(a: string): string {
  return `${a.slice(0, 6)}…${a.slice(-4)}`;
}

/** "Insurer (0x1234…abcd)" when the address has a name, else the short address. */
export function who(address: string, names: Record<string, string>, me?: string): string {
  if (address === ZeroAddress) return "any member";
  const a = getAddress(address);
  if (me && a === getAddress(me)) return "you";
  const name = names[a];
  return name ? `${name} (${shortAddress(a)})` : shortAddress(a);
}

export function duration(seconds: number | bigint): string {
  const s = Number(seconds);
  if (s >= 86_400 && s % 86_400 === 0) return `${s / 86_400} day${s === 86_400 ? "" : "s"}`;
  if (s >= 3_600 && s % 3_600 === 0) return `${s / 3_600} hour${s === 3_600 ? "" : "s"}`;
  if (s >= 60) return `${Math.round(s / 60)} minutes`;
  return `${s} seconds`;
}

export function when(unixSeconds: number | bigint): string {
  const d = new Date(Number(unixSeconds) * 1000);
  return d.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Why a grant is not valid, in words (GrantInvalidReason). */
const INVALID_WORDS: Record<string, string> = {
  None: "valid",
  NotGranted: "not granted yet",
  Expired: "expired",
  Revoked: "revoked by the provider or a supervisor",
  ConsentRevoked: "revoked: the person withdrew consent",
  ConsentExpired: "expired: the consent ran out",
  RequesterSuspended: "revoked: the requester was suspended",
  DeviceKeyChanged: "void: the device key changed",
  DatasetRetired: "void: the dataset was retired",
  Paused: "on hold: the ledger is paused",
};
export function invalidWords(reason: number | bigint): string {
  const name = GrantInvalidReason[Number(reason)] ?? "unknown";
  return INVALID_WORDS[name] ?? name;
}

export const STATUS_WORDS: Record<number, string> = {
  [RequestStatus.None]: "unknown",
  [RequestStatus.Pending]: "waiting for approvals",
  [RequestStatus.Temporary]: "temporary access granted",
  [RequestStatus.Formal]: "formal access granted",
  [RequestStatus.Rejected]: "rejected",
  [RequestStatus.Revoked]: "revoked",
};
