/**
 * One record shape for every adapter: a plain JSON object, whatever the source handed over.
 * Files and HTTP bodies parse to JSON values already; database drivers do not (PostgreSQL gives
 * `Date`s, `Buffer`s, and bigint columns as strings), so every record goes through
 * {@link normalizeRecord} before it is written:
 *
 * - `Date` → ISO 8601 text (UTC); an invalid date → null
 * - bytes (`Buffer`, `Uint8Array`) → "0x…" hex
 * - `bigint` → decimal text (JSON has no integers beyond 2^53)
 * - non-finite numbers → null (what JSON.stringify writes anyway, made explicit)
 * - `undefined` members dropped, nested objects and arrays normalized the same way
 * - anything else that is not JSON (functions, symbols, class instances) → SOURCE_BAD_DATA
 *
 * The records then become NDJSON, the format on-demand versions are published in; the requester
 * converts them to JSON or CSV after decryption with sdk/convert/records.ts, whose NDJSON
 * reader reads exactly what {@link encodeNdjson} writes.
 */
import type { DataRecord } from "../convert/records.js";
import { SourceError } from "./errors.js";

/** Nesting depth beyond which a value is refused (a guard against cyclic or hostile input). */
const MAX_DEPTH = 64;

/** A JSON-safe copy of `value`, which must be a plain object. `where` names it in errors. */
export function normalizeRecord(value: unknown, where: string): DataRecord {
  if (!isPlainObject(value)) {
    throw new SourceError("SOURCE_BAD_DATA", `${where} is not a record (a JSON object) but ${describe(value)}`);
  }
  return normalizeValue(value, where, 0) as DataRecord;
}

function normalizeValue(value: unknown, where: string, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new SourceError("SOURCE_BAD_DATA", `${where} nests deeper than ${MAX_DEPTH} levels`);
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return "0x" + Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex");
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : normalizeValue(v, where, depth + 1)));
  if (isPlainObject(value)) {
    const out: DataRecord = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) out[k] = normalizeValue(v, where, depth + 1);
    }
    return out;
  }
  throw new SourceError("SOURCE_BAD_DATA", `${where} holds a value that has no JSON form (${describe(value)})`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return `a ${(v as object).constructor?.name ?? "non-plain"} object`;
  return `a ${typeof v}`;
}

export interface NormalizeOptions {
  /** Names the source in errors. */
  source: string;
  /** Refuse more records than this (SOURCE_TOO_LARGE). Default: no limit. */
  maxRecords?: number;
}

/** The records of `records`, normalized; counts them against `maxRecords`. */
export async function* normalizeRecords(records: AsyncIterable<unknown> | Iterable<unknown>, opts: NormalizeOptions): AsyncGenerator<DataRecord> {
  let n = 0;
  for await (const r of records) {
    n++;
    if (opts.maxRecords !== undefined && n > opts.maxRecords) {
      throw new SourceError("SOURCE_TOO_LARGE", `${opts.source} returned more than ${opts.maxRecords} records`, { details: { maxRecords: opts.maxRecords } });
    }
    yield normalizeRecord(r, `record ${n} from ${opts.source}`);
  }
}

/** Bytes per piece handed to the encryptor: many small lines are batched into one write. */
const PIECE_BYTES = 64 * 1024;

/**
 * NDJSON bytes of `records` (one `JSON.stringify(record)` line each, UTF-8), in pieces of about
 * 64 KiB. `onRecord` is called once per record, e.g. to count them.
 */
export async function* encodeNdjson(records: AsyncIterable<DataRecord>, onRecord?: () => void): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder();
  let batch = "";
  for await (const r of records) {
    batch += JSON.stringify(r) + "\n";
    onRecord?.();
    if (batch.length >= PIECE_BYTES) {
      yield encoder.encode(batch);
      batch = "";
    }
  }
  if (batch) yield encoder.encode(batch);
}
