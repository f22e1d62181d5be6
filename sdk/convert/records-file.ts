/**
 * Record files on disk (Node only): sniff a file's format, read its records, convert one file
 * into another. The formats and the conversion itself are in ./records.ts (browser-safe).
 *
 * @example
 * ```ts
 * await convertRecordsFile("records.ndjson", "records.csv", { to: "csv" });
 * ```
 */
import { createReadStream, createWriteStream } from "node:fs";
import { open } from "node:fs/promises";
import { once } from "node:events";
import { writeFileAtomically } from "../blob/atomic.js";
import { SealshareError } from "../errors.js";
import { convertRecords, parseRecords, sniffBytes, type DataFormat, type DataRecord, type RecordFormat, type RecordText } from "./records.js";

/** A file's text, streamed from the start on each read. */
export function fileText(path: string): RecordText {
  return {
    name: path,
    chunks: () => createReadStream(path, { encoding: "utf8" }) as AsyncIterable<string>,
  };
}

/** Guesses a file's format from its first 4 KiB (see `sniffBytes`). */
export async function sniffFormat(path: string): Promise<DataFormat> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return sniffBytes(buf.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/** Reads the records of a file, one at a time. */
export function readRecords(path: string, format: RecordFormat): AsyncGenerator<DataRecord> {
  return parseRecords(fileText(path), format);
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
  const records = await writeFileAtomically(outPath, async (tmp) => {
    const out = createWriteStream(tmp, { flags: "wx", mode: 0o600 });
    const conversion = convertRecords(fileText(inPath), from, to);
    try {
      for await (const piece of conversion) {
        if (!out.write(piece)) await once(out, "drain");
      }
      out.end();
      await once(out, "finish");
    } catch (err) {
      out.destroy();
      throw err;
    }
    return conversion.records;
  });
  return { records, from, to };
}
