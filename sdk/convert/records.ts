/**
 * Record data in the three formats a requester may ask for — NDJSON, JSON (an array of objects)
 * and CSV — and conversion between them, streaming where the format allows. Browser-safe (no
 * Node module): the dapp converts decrypted Blobs with {@link convertBlob}; the CLI and SDK
 * actions convert files with ./records-file.ts (Node), over the same code.
 *
 * - NDJSON in/out streams line by line (constant memory).
 * - CSV out needs its columns before the first row: the union of every record's keys in
 *   first-seen order, found by a first pass over the input; rows are written in a second pass.
 *   Nested values (objects, arrays) become JSON text in their cell.
 * - JSON in is parsed whole (an array is one value); JSON out is written record by record.
 * - CSV in (RFC 4180: quoted cells, doubled quotes, CRLF or LF) yields string values.
 *
 * The on-chain `formatId` of a dataset version is keccak256("sealshare-stream-v1/<format>"),
 * see {@link formatIdOf}; {@link formatOfId} maps it back for the three known formats. Data that
 * is not records is stored as "raw" and handed over as stored.
 *
 * @example
 * ```ts
 * const csv = await convertBlob(decrypted, "ndjson", "csv"); // in a browser
 * ```
 */
import { id } from "ethers";
import { SealshareError } from "../errors.js";

export const RECORD_FORMATS = ["ndjson", "json", "csv"] as const;
export type RecordFormat = (typeof RECORD_FORMATS)[number];
/** What a dataset version holds: records in one of the three formats, or anything else ("raw"). */
export type DataFormat = RecordFormat | "raw";

export type DataRecord = Record<string, unknown>;

/** Media types, for downloads and HTTP. */
export const MEDIA_TYPES: Record<DataFormat, string> = {
  ndjson: "application/x-ndjson",
  json: "application/json",
  csv: "text/csv",
  raw: "application/octet-stream",
};

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

/** The format a file name says (`.ndjson`/`.jsonl`, `.json`, `.csv`), else "raw". */
export function formatOfFileName(name: string): DataFormat {
  const ext = name.toLowerCase().split(".").pop();
  if (ext === "ndjson" || ext === "jsonl") return "ndjson";
  if (ext === "json" || ext === "csv") return ext;
  return "raw";
}

/**
 * Guesses the format from the first bytes of the data: `[` JSON, `{` NDJSON, text whose first
 * line has a comma CSV, anything else (binary, plain text) "raw".
 */
export function sniffBytes(head: Uint8Array): DataFormat {
  if (head.includes(0)) return "raw";
  const text = new TextDecoder("utf-8", { fatal: false }).decode(head).replace(/^\uFEFF/, "");
  if (text.includes("\uFFFD")) return "raw";
  const start = text.trimStart();
  if (start.startsWith("[")) return "json";
  if (start.startsWith("{")) return "ndjson";
  if ((start.split(/\r?\n/, 1)[0] ?? "").includes(",")) return "csv";
  return "raw";
}

/** Record text that can be read from the start as often as needed (CSV output reads it twice). */
export interface RecordText {
  /** Names the data in error messages (a path, a file name). */
  readonly name: string;
  /** The text, in chunks of any size, from the start. */
  chunks(): AsyncIterable<string>;
}

/** A Blob (a browser File, a decrypted download) as {@link RecordText}. */
export function blobText(blob: Blob, name = "the data"): RecordText {
  return {
    name,
    async *chunks() {
      const reader = blob.stream().getReader();
      const decoder = new TextDecoder("utf-8");
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          const text = decoder.decode(value, { stream: true });
          if (text) yield text;
        }
        const last = decoder.decode();
        if (last) yield last;
      } finally {
        reader.releaseLock();
      }
    },
  };
}

/** Lines of text split at LF, CRLF or a lone CR (as Node's readline), without their ends. */
export async function* textLines(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  const lineEnd = /\r\n|\n|\r/g;
  let rest = "";
  for await (const chunk of chunks) {
    rest += chunk;
    lineEnd.lastIndex = 0;
    let start = 0;
    for (let m = lineEnd.exec(rest); m; m = lineEnd.exec(rest)) {
      if (m[0] === "\r" && m.index === rest.length - 1) break; // its "\n" may come in the next chunk
      yield rest.slice(start, m.index);
      start = m.index + m[0].length;
      lineEnd.lastIndex = start;
    }
    rest = rest.slice(start);
  }
  if (rest) yield rest.endsWith("\r") ? rest.slice(0, -1) : rest;
}

async function wholeText(src: RecordText): Promise<string> {
  let text = "";
  for await (const chunk of src.chunks()) text += chunk;
  return text;
}

/** The records of `src`, one at a time. Errors: `BAD_RECORDS` (naming the line or value). */
export async function* parseRecords(src: RecordText, format: RecordFormat): AsyncGenerator<DataRecord> {
  if (format === "json") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await wholeText(src));
    } catch (cause) {
      throw new SealshareError("BAD_RECORDS", `${src.name} is not valid JSON`, { cause });
    }
    const list = Array.isArray(parsed) ? parsed : [parsed];
    for (const r of list) yield asRecord(r, src.name);
    return;
  }
  const lines = textLines(src.chunks());
  if (format === "ndjson") {
    let n = 0;
    for await (const line of lines) {
      n++;
      if (!line.trim()) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch (cause) {
        throw new SealshareError("BAD_RECORDS", `${src.name} line ${n} is not a JSON record`, { cause });
      }
      yield asRecord(parsed, src.name);
    }
    return;
  }
  yield* csvRecords(lines);
}

function asRecord(v: unknown, name: string): DataRecord {
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    throw new SealshareError("BAD_RECORDS", `${name} holds a value that is not a record (object)`);
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

/** The output of {@link convertRecords}: text pieces, and how many records went through so far. */
export interface RecordConversion extends AsyncIterable<string> {
  readonly records: number;
}

/**
 * Converts the records of `src` (in `from`) to `to`, as text pieces to write or collect in
 * order. CSV output reads `src` twice (columns first). Errors: `BAD_RECORDS`.
 */
export function convertRecords(src: RecordText, from: RecordFormat, to: RecordFormat): RecordConversion {
  let n = 0;
  async function* pieces(): AsyncGenerator<string> {
    let columns: string[] = [];
    if (to === "csv") {
      const seen = new Set<string>();
      for await (const r of parseRecords(src, from)) for (const k of Object.keys(r)) seen.add(k);
      columns = [...seen];
      yield columns.map(csvCell).join(",") + "\n";
    }
    if (to === "json") yield "[";
    for await (const r of parseRecords(src, from)) {
      if (to === "ndjson") yield JSON.stringify(r) + "\n";
      else if (to === "json") yield (n === 0 ? "\n" : ",\n") + JSON.stringify(r);
      else yield columns.map((c) => csvCell(r[c])).join(",") + "\n";
      n++;
    }
    if (to === "json") yield n === 0 ? "]\n" : "\n]\n";
  }
  return {
    get records() {
      return n;
    },
    [Symbol.asyncIterator]: () => pieces(),
  };
}

/**
 * Converts a Blob of records to `to` ("original": as stored). The same Blob when nothing
 * changes. Errors: `NOT_RECORDS` when the data is "raw" and a conversion is asked for,
 * `BAD_RECORDS`.
 */
export async function convertBlob(blob: Blob, from: DataFormat, to: RecordFormat | "original", name?: string): Promise<Blob> {
  if (to === "original" || to === from) return blob;
  if (from === "raw") {
    throw new SealshareError("NOT_RECORDS", "the data is not records (NDJSON, JSON or CSV), so it cannot be converted", { hint: "save it as stored" });
  }
  const out: string[] = [];
  for await (const piece of convertRecords(blobText(blob, name), from, to)) out.push(piece);
  return new Blob(out, { type: MEDIA_TYPES[to] });
}
