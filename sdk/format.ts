/**
 * Display helpers, written once for every client that shows the ledger to a person (CLI, dapp,
 * audit timeline): addresses, hashes, durations, times, sizes. Codes in words (kinds, purposes,
 * reasons, statuses) are sdk/vocabulary.ts's `labelOf` / `nameOf`. Browser-safe (ethers only).
 *
 * @example
 * ```ts
 * when(1767225600);           // "2026-01-01 00:00 UTC"
 * duration(1800);             // "30 minutes"
 * bytes(3 * 1024 * 1024);     // "3.0 MiB"
 * who(addr, { [addr]: { name: "Insurer", verified: true } }); // "Insurer (0x1234…abcd)"
 * who(addr, { [addr]: "Insurer" });                           // "Insurer (0x1234…abcd, unverified)"
 * ```
 */
import { getAddress, ZeroAddress } from "ethers";
import { termOf, type Vocabulary } from "./vocabulary.js";
import { safeName } from "./members/display-name.js";

/** "0x1234…abcd": an address short enough for a sentence. */
export function shortAddress(a: string): string {
  return `${a.slice(0, 6)}…${a.slice(-4)}`;
}

/** "0x12345678…abcd": a hash or long hex value, shortened; short values unchanged. */
export function shortHex(hex: string): string {
  return hex.length > 14 ? `${hex.slice(0, 10)}…${hex.slice(-4)}` : hex;
}

/**
 * A display name and whether it is the member's verified name: the one a supervisor wrote in the
 * member's record on chain (sdk/members/display-name.ts, read by resolveMemberNames). Anything
 * else — a name in a config file, in a consent-ask link — is shown flagged "(unverified)".
 */
export interface DisplayName {
  name: string;
  verified: boolean;
}

/**
 * Names of addresses, keyed by checksummed address. A bare string is an unverified name (a
 * config file's, a link's); a {@link DisplayName} says which it is. Merge the chain's names over
 * a config's (`{ ...config.names, ...chainNames }`): the verified one wins.
 */
export type NameBook = Readonly<Record<string, string | DisplayName>>;

/** "Insurer", or "Insurer (unverified)" for a name that did not come from the chain; undefined: no name. */
export function nameFor(address: string, names: NameBook): string | undefined {
  const n = names[getAddress(address)];
  const text = n === undefined ? undefined : safeName(typeof n === "string" ? n : n.name);
  if (text === undefined) return undefined;
  return typeof n !== "string" && n!.verified ? text : `${text} (unverified)`;
}

/**
 * "Insurer (0x1234…abcd)" when the address has a verified name in `names`, "Insurer
 * (0x1234…abcd, unverified)" for any other name, "you" for `me`, "any member" for the zero address, else the
 * short address (`full`: the whole checksummed address instead).
 */
export function who(address: string, names: NameBook, me?: string, o: { full?: boolean } = {}): string {
  if (address === ZeroAddress) return "any member";
  const a = getAddress(address);
  if (me && a === getAddress(me)) return "you";
  const shown = o.full ? a : shortAddress(a); // full: where a person decides on it (a consent ask)
  const n = names[a];
  // A name from a link or a file could carry direction overrides that make it read as another's: not shown.
  const text = n === undefined ? undefined : safeName(typeof n === "string" ? n : n.name);
  if (text === undefined) return shown;
  return typeof n !== "string" && n!.verified ? `${text} (${shown})` : `${text} (${shown}, unverified)`;
}

/**
 * A code in output: its vocabulary name ("more-data-than-needed"), never a bare number — "none
 * given" for 0 of an open vocabulary (reasons: 0 is "no reason"), "code 4242" for a code the
 * vocabulary does not name.
 */
export function codeName(v: Vocabulary, code: number | bigint): string {
  const t = termOf(v, code);
  if (t) return t.name;
  return v.open && Number(code) === 0 ? "none given" : `code ${code}`;
}

/** Seconds in the largest whole unit: "7 days", "1 hour", "30 minutes", "90 seconds". */
export function duration(seconds: number | bigint): string {
  const s = Number(seconds);
  for (const [unit, n] of [["day", 86_400], ["hour", 3_600], ["minute", 60]] as const) {
    if (s >= n && s % n === 0) return `${s / n} ${unit}${s === n ? "" : "s"}`;
  }
  return `${s} second${s === 1 ? "" : "s"}`;
}

/**
 * Unix seconds as the one time format every output uses: ISO 8601 date and UTC time to the
 * minute, "2026-12-08 10:15 UTC" (the exact second is in `--json` output and on the explorer).
 */
export function when(unixSeconds: number | bigint): string {
  const iso = new Date(Number(unixSeconds) * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** A size in IEC units: "512 B", "1.5 KiB", "3.0 MiB", "2.1 GiB". */
export function bytes(n: number | bigint): string {
  let v = Number(n);
  if (v < 1024) return `${v} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let i = -1;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}
