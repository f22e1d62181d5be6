/**
 * Realistic sample financial records for one person (deposits, funds, stocks, insurance), as
 * NDJSON, generated deterministically from a seed so demo runs are reproducible. Streams to a
 * file in constant memory, whatever the size asked for.
 */
import { createWriteStream } from "node:fs";
import { once } from "node:events";

/** Small, fast, seeded PRNG (mulberry32): reproducible sample data, not for secrets. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MERCHANTS = ["Grocer & Co", "City Utilities", "Metro Transit", "Payroll ACME Ltd", "Rent Lakeside", "Pharmacy Plus", "Bookshop", "Café Aurora"];
const FUNDS = ["Global Equity Index", "Euro Bond Fund", "Emerging Markets", "Green Energy Fund"];
const TICKERS = ["ACME", "GLOBX", "NRTH", "SOLR", "FINQ", "MEDI"];
const POLICIES = ["home", "life", "car", "health"];

export interface SampleOptions {
  subject: string; // the subject's address: the only identifier in the records
  bytes: number; // approximate output size
  seed?: number;
}

/** Writes NDJSON records to `path` until about `bytes` are written; returns the record count. */
export async function writeSampleRecords(path: string, opts: SampleOptions): Promise<number> {
  const rand = prng(opts.seed ?? 42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const money = (max: number) => Math.round(rand() * max * 100) / 100;
  const out = createWriteStream(path);
  let written = 0;
  let count = 0;
  let day = Date.UTC(2024, 0, 1);
  while (written < opts.bytes) {
    day += Math.floor(rand() * 3) * 3_600_000;
    const date = new Date(day).toISOString().slice(0, 10);
    const r = rand();
    let rec: Record<string, unknown>;
    if (r < 0.7) {
      const credit = rand() < 0.2;
      rec = { kind: "deposit", account: "DEP-001", date, description: pick(MERCHANTS), amount: credit ? money(4000) : -money(300), currency: "EUR" };
    } else if (r < 0.85) {
      rec = { kind: "fund", fund: pick(FUNDS), date, units: money(50), navPerUnit: money(200), currency: "EUR" };
    } else if (r < 0.97) {
      rec = { kind: "stock", ticker: pick(TICKERS), date, side: rand() < 0.5 ? "buy" : "sell", quantity: 1 + Math.floor(rand() * 100), price: money(500), currency: "EUR" };
    } else {
      rec = { kind: "insurance", policy: pick(POLICIES), date, premium: money(150), insuredSum: money(500_000), status: "active", currency: "EUR" };
    }
    rec = { subject: opts.subject, seq: count, ...rec };
    const line = JSON.stringify(rec) + "\n";
    written += Buffer.byteLength(line);
    count++;
    if (!out.write(line)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  return count;
}

/** Converts NDJSON records to CSV (union of keys, in first-seen order), streaming line by line. */
export async function* ndjsonToCsv(lines: AsyncIterable<string>): AsyncGenerator<string> {
  const columns = ["subject", "seq", "kind", "date", "account", "description", "amount", "fund", "units", "navPerUnit", "ticker", "side", "quantity", "price", "policy", "premium", "insuredSum", "status", "currency"];
  yield columns.join(",") + "\n";
  for await (const line of lines) {
    if (!line.trim()) continue;
    const rec = JSON.parse(line) as Record<string, unknown>;
    yield columns.map((c) => csvCell(rec[c])).join(",") + "\n";
  }
}

function csvCell(v: unknown): string {
  if (v === undefined || v === null) return "";
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
