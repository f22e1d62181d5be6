/**
 * Record formats: what a dataset's `formatId` says its plaintext is, and conversion of the
 * decrypted records to the format the requester asked for (JSON, CSV or NDJSON). NDJSON input
 * is converted line by line; CSV output takes two passes (the first collects the columns).
 */
import { id } from "ethers";

export type RecordFormat = "ndjson" | "json" | "csv";
export type SourceFormat = RecordFormat | "binary";

export const FORMAT_IDS: Record<SourceFormat, string> = {
  ndjson: id("sealshare-stream-v1/ndjson"),
  json: id("sealshare-stream-v1/json"),
  csv: id("sealshare-stream-v1/csv"),
  binary: id("sealshare-stream-v1/octet-stream"),
};

export function formatOfId(formatId: string): SourceFormat {
  for (const [name, fid] of Object.entries(FORMAT_IDS)) if (fid === formatId.toLowerCase()) return name as SourceFormat;
  return "binary";
}

export function formatOfFileName(name: string): SourceFormat {
  const ext = name.toLowerCase().split(".").pop();
  if (ext === "ndjson" || ext === "jsonl") return "ndjson";
  if (ext === "json") return "json";
  if (ext === "csv") return "csv";
  return "binary";
}

export const MIME: Record<SourceFormat, string> = {
  ndjson: "application/x-ndjson",
  json: "application/json",
  csv: "text/csv",
  binary: "application/octet-stream",
};

async function* lines(blob: Blob): AsyncGenerator<string> {
  const reader = blob.stream().pipeThrough(new TextDecoderStream()).getReader();
  let rest = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    rest += value;
    const parts = rest.split("\n");
    rest = parts.pop()!;
    for (const p of parts) yield p.replace(/\r$/, "");
  }
  if (rest) yield rest;
}

async function* records(blob: Blob, from: RecordFormat): AsyncGenerator<Record<string, unknown>> {
  if (from === "ndjson") {
    for await (const line of lines(blob)) if (line.trim()) yield JSON.parse(line) as Record<string, unknown>;
  } else if (from === "json") {
    const all = JSON.parse(await blob.text()) as unknown;
    for (const r of Array.isArray(all) ? all : [all]) yield r as Record<string, unknown>;
  } else {
    let header: string[] | undefined;
    for (const row of parseCsv(await blob.text())) {
      if (!header) header = row;
      else yield Object.fromEntries(header.map((h, i) => [h, row[i] ?? ""]));
    }
  }
}

export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") row.push(cell), (cell = "");
    else if (c === "\n") row.push(cell.replace(/\r$/, "")), rows.push(row), (row = []), (cell = "");
    else cell += c;
  }
  if (cell || row.length) row.push(cell), rows.push(row);
  return rows;
}

function csvCell(v: unknown): string {
  if (v === undefined || v === null) return "";
  const s = typeof v === "object" ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Converts `plaintext` (in `from` format) to `to`; the same blob when nothing changes. */
export async function convert(plaintext: Blob, from: SourceFormat, to: RecordFormat | "original"): Promise<Blob> {
  if (to === "original" || to === from || from === "binary") return plaintext;
  const out: string[] = [];
  if (to === "ndjson") {
    for await (const r of records(plaintext, from)) out.push(JSON.stringify(r) + "\n");
  } else if (to === "json") {
    out.push("[");
    let first = true;
    for await (const r of records(plaintext, from)) {
      out.push((first ? "\n" : ",\n") + JSON.stringify(r));
      first = false;
    }
    out.push("\n]\n");
  } else {
    const columns: string[] = [];
    const seen = new Set<string>();
    for await (const r of records(plaintext, from)) for (const k of Object.keys(r)) if (!seen.has(k)) seen.add(k), columns.push(k);
    out.push(columns.map(csvCell).join(",") + "\n");
    for await (const r of records(plaintext, from)) out.push(columns.map((c) => csvCell(r[c])).join(",") + "\n");
  }
  return new Blob(out, { type: MIME[to] });
}

/** Hands the user a file (the browser's download). */
export function saveAs(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = fileName;
  a.rel = "noopener";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
