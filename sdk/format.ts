/**
 * Display helpers, written once for every client that shows the ledger to a person (CLI, dapp,
 * audit timeline): addresses, hashes, durations, times, sizes. Codes in words (kinds, purposes,
 * reasons, statuses) are sdk/vocabulary.ts's `labelOf` / `nameOf`. Browser-safe (ethers only).
 *
 * @example
 * ```ts
 * when(1767225600);           // "2026-01-01T00:00:00Z"
 * duration(1800);             // "30 minutes"
 * bytes(3 * 1024 * 1024);     // "3.0 MiB"
 * who(addr, { [addr]: "Insurer" }); // "Insurer (0x1234…abcd)"
 * ```
 */
import { getAddress, ZeroAddress } from "ethers";

/** "0x1234…abcd": an address short enough for a sentence. */
export function shortAddress(a: string): string {
  return `${a.slice(0, 6)}…${a.slice(-4)}`;
}

/** "0x12345678…abcd": a hash or long hex value, shortened; short values unchanged. */
export function shortHex(hex: string): string {
  return hex.length > 14 ? `${hex.slice(0, 10)}…${hex.slice(-4)}` : hex;
}

/**
 * "Insurer (0x1234…abcd)" when the address has a name in `names` (keyed by checksummed
 * address), "you" for `me`, "any member" for the zero address, else the short address.
 */
export function who(address: string, names: Record<string, string>, me?: string): string {
  if (address === ZeroAddress) return "any member";
  const a = getAddress(address);
  if (me && a === getAddress(me)) return "you";
  const name = names[a];
  return name ? `${name} (${shortAddress(a)})` : shortAddress(a);
}

/** Seconds in the largest whole unit: "7 days", "1 hour", "30 minutes", "90 seconds". */
export function duration(seconds: number | bigint): string {
  const s = Number(seconds);
  for (const [unit, n] of [["day", 86_400], ["hour", 3_600], ["minute", 60]] as const) {
    if (s >= n && s % n === 0) return `${s / n} ${unit}${s === n ? "" : "s"}`;
  }
  return `${s} second${s === 1 ? "" : "s"}`;
}

/** Unix seconds as an ISO 8601 UTC time without milliseconds: "2026-11-23T16:46:26Z". */
export function when(unixSeconds: number | bigint): string {
  return new Date(Number(unixSeconds) * 1000).toISOString().replace(/\.\d+Z$/, "Z");
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
