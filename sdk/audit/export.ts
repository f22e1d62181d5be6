/**
 * A timeline as JSON (plain values: bigints as decimal strings, structs as objects) or CSV (one
 * row per event; the event's arguments as a JSON cell), for spreadsheets and other tools.
 */
import { Result } from "ethers";
import { csvCell } from "../convert/records.js";
import type { TimelineEntry } from "./timeline.js";

/** Plain JSON-safe form of a decoded value. */
export function toPlain(v: unknown): unknown {
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Result) {
    try {
      return toPlain(v.toObject());
    } catch {
      return [...v].map(toPlain); // unnamed tuple
    }
  }
  if (Array.isArray(v)) return v.map(toPlain);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toPlain(x)]));
  return v;
}

export interface ExportedEntry {
  blockNumber: number;
  timestamp?: number;
  time?: string;
  txHash: string;
  logIndex: number;
  event: string;
  summary: string;
  args: Record<string, unknown>;
}

export function timelineToJson(entries: TimelineEntry[]): ExportedEntry[] {
  return entries.map((e) => ({
    blockNumber: e.blockNumber,
    ...(e.timestamp !== undefined ? { timestamp: e.timestamp, time: new Date(e.timestamp * 1000).toISOString() } : {}),
    txHash: e.txHash,
    logIndex: e.logIndex,
    event: e.event,
    summary: e.summary,
    args: toPlain(e.args) as Record<string, unknown>,
  }));
}

const COLUMNS = ["blockNumber", "time", "txHash", "logIndex", "event", "summary", "args"] as const;

export function timelineToCsv(entries: TimelineEntry[]): string {
  const rows = timelineToJson(entries).map((e) => COLUMNS.map((c) => csvCell(c === "args" ? JSON.stringify(e.args) : e[c])).join(","));
  return [COLUMNS.join(","), ...rows].join("\n") + "\n";
}
