/**
 * Names people type (categories, purposes, grant kinds, durations) to the numbers the ledger
 * stores, with errors that list what is accepted. Shared by the actions and the CLI.
 */
import { SealshareError } from "../errors.js";
import { Category, GrantKind, Purpose } from "../vocabulary.js";

function lookup(table: Record<string, number>, what: string, v: string | number): number {
  if (typeof v === "number") {
    if (Object.values(table).includes(v)) return v;
    throw new SealshareError("INVALID_" + what.toUpperCase().replace(/ /g, "_"), `unknown ${what} code ${v}`, { hint: `use one of: ${Object.keys(table).join(", ")}` });
  }
  if (/^\d+$/.test(v)) return lookup(table, what, Number(v));
  const key = Object.keys(table).find((k) => k.toLowerCase() === v.toLowerCase().replace(/[-_ ]/g, ""));
  if (key === undefined) {
    throw new SealshareError("INVALID_" + what.toUpperCase().replace(/ /g, "_"), `unknown ${what} ${JSON.stringify(v)}`, { hint: `use one of: ${Object.keys(table).join(", ")}` });
  }
  return table[key]!;
}

/** "deposit" | "Deposit" | 0 → 0. */
export function toCategory(v: string | number): number {
  return lookup(Category, "category", v);
}

/** "underwriting" | "credit-assessment" | 1 → purpose code. Any other number is taken as a custom code. */
export function toPurpose(v: string | number): number {
  if (typeof v === "number" || /^\d+$/.test(String(v))) {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new SealshareError("INVALID_PURPOSE", `purpose code ${v} is out of range`);
    return n;
  }
  return lookup(Purpose, "purpose", v);
}

/** "temporary" | "formal" (or 1 | 2) → GrantKind. */
export function toGrantKind(v: string | number): number {
  const { None: _none, ...kinds } = GrantKind;
  return lookup(kinds, "grant kind", v);
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** "7d" | "12h" | "30m" | "90s" | "3600" → seconds. */
export function toSeconds(v: string | number): number {
  if (typeof v === "number") return v;
  const m = /^(\d+)\s*([smhdw]?)$/i.exec(v.trim());
  if (!m) throw new SealshareError("INVALID_DURATION", `not a duration: ${JSON.stringify(v)}`, { hint: "write e.g. 3600, 90s, 30m, 12h, 7d or 2w" });
  return Number(m[1]) * (UNITS[(m[2] || "s").toLowerCase()] ?? 1);
}
