/**
 * Record files in the three formats a requester may ask for — NDJSON, JSON (an array of
 * objects) and CSV — and conversion between them, streaming where the format allows.
 *
 * - NDJSON in/out streams line by line (constant memory).
 * - CSV out needs its columns before the first row: the union of every record's keys in
 *   first-seen order, found by a first pass over the input; rows are written in a second pass.
 *   Nested values (objects, arrays) become JSON text in their cell.
 * - JSON in is parsed whole (an array is one value); JSON out is written record by record.
 * - CSV in (RFC 4180: quoted cells, doubled quotes, CRLF or LF) yields string values.
 *
 * The on-chain `formatId` of a dataset version is keccak256("sealshare-stream-v1/<format>"),
 * see {@link formatIdOf}; {@link formatOfId} maps it back for the three known formats.
 *
 * @example
 * ```ts
 * await convertRecordsFile("records.ndjson", "records.csv", { to: "csv" });
 * ```
 */
import { createReadStream, createWriteStream } from "node:fs";
import { open, readFile } from "node:fs/promises";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { id } from "ethers";
import { writeFileAtomically } from "../blob/atomic.js";
import { SealshareError } from "../errors.js";

export const RECORD_FORMATS = ["ndjson", "json", "csv"] as const;
export type RecordFormat = (typeof RECORD_FORMATS)[number];

export type DataRecord = Record<string, unknown>;

/** The on-chain format id of a Sealshare stream holding `format` records. */
export function formatIdOf(format: string): string {
  return id(`sealshare-stream-v1/${format}`);
}

/** The record format an on-chain format id names, if it is one of the three known ones. */
export function formatOfId(formatId: string): RecordFormat | undefined {
  return RECORD_FORMATS.find((f) => formatIdOf(f) === formatId.toLowerCase());
}

export function isRecordFormat(s: string): s is RecordFormat {
  return (RECORD_FORMATS as readonly string[]).includes(s);
}

/**
 * Guesses a file's format from its start: `[` JSON, `{` NDJSON, text whose first line has a
 * comma CSV, anything else (binary, plain text) "raw".
 */
export async function sniffFormat(path: string): Promise<RecordFormat | "raw"> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const head = buf.subarray(0, bytesRead);
    if (head.includes(0)) return "raw";
    const text = new TextDecoder("utf-8", { fatal: false }).decode(head).replace(/^\uFEFF/, "");
    if (text.includes("\uFFFD")) return "raw";
    const start = text.trimStart();
    if (start.startsWith("[")) return "json";
    if (start.startsWith("{")) return "ndjson";
    if ((start.split(/\r?\n/, 1)[0] ?? "").includes(",")) return "csv";
    return "raw";
  } finally {
    await fh.close();
  }
}

/** Reads the records of a file, one at a time. */
export async function* readRecords(path: string, format: RecordFormat): AsyncGenerator<DataRecord> {
  if (format === "json") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(path, "utf8"));
    } catch (cause) {
      throw new SealshareError("BAD_RECORDS", `${path} is not valid JSON`, { cause });
    }
    const list = Array.isArray(parsed) ? parsed : [parsed];
    for (const r of list) yield asRecord(r, path);
    return;
  }
  const lines = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
  if (format === "ndjson") {
    let n = 0;
    for await (const line of lines) {
      n++;
      if (!line.trim()) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch (cause) {
        throw new SealshareError("BAD_RECORDS", `${path} line ${n} is not a JSON record`, { cause });
      }
      yield asRecord(parsed, path);
    }
    return;
  }
  yield* csvRecords(lines);
}

function asRecord(v: unknown, path: string): DataRecord {
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    throw new SealshareError("BAD_RECORDS", `${path} holds a value that is not a record (object)`);
  }
  return v as DataRecord;
}

/** CSV rows (RFC 4180) as records keyed by the header row. A quoted cell may span lines. */
async function* csvRecords(lines: AsyncIterable<string>): AsyncGenerator<DataRecord> {
  let header: string[] | undefined;
  let pending = "";
  for await (const line of lines) {
    const text = pending ? `${pending}\n${line}` : line;
    const cells = parseCsvLine(text);
    if (cells === undefined) {
      pending = text; // an open quote: the cell continues on the next line
      continue;
    }
    pending = "";
    if (!header) {
      header = cells.map((c, i) => (i === 0 ? c.replace(/^\uFEFF/, "") : c));
      continue;
    }
    if (cells.length === 1 && cells[0] === "") continue;
    const rec: DataRecord = {};
    header.forEach((h, i) => (rec[h] = cells[i] ?? ""));
    yield rec;
  }
  if (pending) throw new SealshareError("BAD_RECORDS", "the CSV ends inside a quoted cell");
}

/** Splits one logical CSV line into cells; undefined if a quoted cell is still open. */
export function parseCsvLine(line: string): string[] | undefined {
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      cells.push(cell);
      cell = "";
    } else cell += ch;
  }
  if (quoted) return undefined;
  cells.push(cell);
  return cells;
}

export function csvCell(v: unknown): string {
  if (v === undefined || v === null) return "";
  const s = typeof v === "object" ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export interface ConvertOptions {
  /** Input format; sniffed from the content when omitted. */
  from?: RecordFormat;
  to: RecordFormat;
}

export interface ConvertResult {
  records: number;
  from: RecordFormat;
  to: RecordFormat;
}

/**
 * Converts a record file. The output appears only once complete (temporary file + rename),
 * readable by the owner only: it is plaintext.
 */
export async function convertRecordsFile(inPath: string, outPath: string, opts: ConvertOptions): Promise<ConvertResult> {
  const sniffed = opts.from ?? (await sniffFormat(inPath));
  if (sniffed === "raw") {
    throw new SealshareError("NOT_RECORDS", "the data is not records (NDJSON, JSON or CSV), so it cannot be converted", { hint: "write it as stored with --format raw" });
  }
  const from: RecordFormat = sniffed;
  const to = opts.to;
  let columns: string[] = [];
  if (to === "csv") {
    const seen = new Set<string>();
    for await (const r of readRecords(inPath, from)) for (const k of Object.keys(r)) seen.add(k);
    columns = [...seen];
  }
  const records = await writeFileAtomically(outPath, async (tmp) => {
    const out = createWriteStream(tmp, { flags: "wx", mode: 0o600 });
    const write = async (s: string) => {
      if (!out.write(s)) await once(out, "drain");
    };
    let n = 0;
    try {
      if (to === "csv") await write(columns.map(csvCell).join(",") + "\n");
      if (to === "json") await write("[");
      for await (const r of readRecords(inPath, from)) {
        if (to === "ndjson") await write(JSON.stringify(r) + "\n");
        else if (to === "json") await write((n === 0 ? "\n" : ",\n") + JSON.stringify(r));
        else await write(columns.map((c) => csvCell(r[c])).join(",") + "\n");
        n++;
      }
      if (to === "json") await write(n === 0 ? "]\n" : "\n]\n");
      out.end();
      await once(out, "finish");
    } catch (err) {
      out.destroy();
      throw err;
    }
    return n;
  });
  return { records, from, to };
}
