/**
 * Names people type (categories, purposes, grant kinds, durations) to the numbers the ledger
 * stores, with errors that list what is accepted. The names are sdk/vocabulary.ts's; shared by
 * the actions and the CLI.
 */
import { SealshareError } from "../errors.js";
import { CATEGORIES, GRANT_KINDS, PURPOSES, toCode } from "../vocabulary.js";

/** "deposit" | "Deposit" | 0 → 0. */
export function toCategory(v: string | number): number {
  return toCode(CATEGORIES, v);
}

/** "underwriting" | "credit-assessment" | 1 → purpose code. Any other number in uint32 is taken as a custom code. */
export function toPurpose(v: string | number): number {
  return toCode(PURPOSES, v, 0xffffffff);
}

/** "temporary" | "formal" (or 1 | 2) → GrantKind. */
export function toGrantKind(v: string | number): number {
  const kind = toCode(GRANT_KINDS, v);
  if (kind === 0) throw new SealshareError("INVALID_GRANT_KIND", "a grant kind of none asks for nothing", { hint: "use temporary or formal" });
  return kind;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** "7d" | "12h" | "30m" | "90s" | "3600" → seconds. */
export function toSeconds(v: string | number): number {
  if (typeof v === "number") return v;
  const m = /^(\d+)\s*([smhdw]?)$/i.exec(v.trim());
  if (!m) throw new SealshareError("INVALID_DURATION", `not a duration: ${JSON.stringify(v)}`, { hint: "write e.g. 3600, 90s, 30m, 12h, 7d or 2w" });
  return Number(m[1]) * (UNITS[(m[2] || "s").toLowerCase()] ?? 1);
}
