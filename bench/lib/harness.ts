/**
 * The benchmark harness: what an entry is, how repeated samples become one figure, and how
 * figures are printed and saved. Every group file (bench/gas.ts, bench/crypto.ts, …) returns
 * entries built with {@link entry}, which is the only place a ratio is computed.
 *
 * Conventions (docs/PERFORMANCE.md explains them for readers):
 *  - `value` and `baseline_value` are medians of their samples (each sample is one repetition);
 *  - `ratio` is always value / baseline_value, nothing else — a "lower is better" figure (gas,
 *    latency) simply has a target with a maximum;
 *  - `spread` is (max − min) / median of the value's samples: 0 for one sample or a deterministic
 *    figure like gas, 0.1 means the repetitions ranged over 10 % of the median;
 *  - baselines are measured in the same run as the value, interleaved with it where that is
 *    possible, so the shared machine's load hits both alike.
 */
import { cpus, loadavg, release, type as osType } from "node:os";

export interface Target {
  /** Which number the target is about. */
  on: "ratio" | "value";
  min?: number;
  max?: number;
  /** The target as people say it, e.g. "≥ 5× eciesjs". */
  text: string;
}

export interface Entry {
  name: string;
  value: number;
  unit: string;
  baseline_name: string;
  baseline_value: number;
  /** Always value / baseline_value. */
  ratio: number;
  /** Repetitions behind `value` (the median). */
  runs: number;
  /** (max − min) / median of the value's samples. */
  spread: number;
  baseline_runs: number;
  baseline_spread: number;
  target?: Target;
  meets?: boolean;
  /** How it was measured, when the name does not say it all. */
  note?: string;
  samples: number[];
  baseline_samples: number[];
}

export interface Machine {
  cpu: string;
  cores: number;
  node: string;
  os: string;
  /** 1-minute load average when the run started: other work on a shared machine. */
  loadavg1: number;
}

export interface GroupError {
  group: string;
  message: string;
}

export interface Results {
  machine: Machine;
  profile: string;
  startedAt: string;
  finishedAt: string;
  seconds: number;
  entries: Entry[];
  errors: GroupError[];
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest-rank percentile (p in 0..100) of `xs`. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * s.length));
  return s[Math.min(s.length, rank) - 1]!;
}

/** (max − min) / median; 0 for fewer than two samples. */
export function spread(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = median(xs);
  return m === 0 ? 0 : (Math.max(...xs) - Math.min(...xs)) / Math.abs(m);
}

export interface EntrySpec {
  name: string;
  unit: string;
  samples: number | readonly number[];
  baseline: { name: string; samples: number | readonly number[] };
  target?: Target;
  note?: string;
}

const asArray = (x: number | readonly number[]): number[] => (typeof x === "number" ? [x] : [...x]);

function meets(t: Target, value: number, ratio: number): boolean {
  const x = t.on === "ratio" ? ratio : value;
  if (!Number.isFinite(x)) return false;
  return (t.min === undefined || x >= t.min) && (t.max === undefined || x <= t.max);
}

/** Builds an entry from raw samples: medians, ratio, spread, and whether it meets its target. */
export function entry(spec: EntrySpec): Entry {
  const samples = asArray(spec.samples);
  const baselineSamples = asArray(spec.baseline.samples);
  const value = median(samples);
  const baselineValue = median(baselineSamples);
  const ratio = value / baselineValue;
  const e: Entry = {
    name: spec.name,
    value,
    unit: spec.unit,
    baseline_name: spec.baseline.name,
    baseline_value: baselineValue,
    ratio,
    runs: samples.length,
    spread: spread(samples),
    baseline_runs: baselineSamples.length,
    baseline_spread: spread(baselineSamples),
    samples,
    baseline_samples: baselineSamples,
  };
  if (spec.target) {
    e.target = spec.target;
    e.meets = meets(spec.target, value, ratio);
  }
  if (spec.note) e.note = spec.note;
  return e;
}

export function machineInfo(): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? "unknown",
    cores: list.length,
    node: process.version,
    os: `${osType()} ${release()}`,
    loadavg1: Math.round(loadavg()[0]! * 100) / 100,
  };
}

/** Wall-clock milliseconds of `fn`. */
export async function timeMs(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/**
 * Operations per second of `fn`, run in a loop for about `ms` milliseconds (after `warmup`
 * calls). The loop checks the clock every `batch` calls to keep its own cost out of the figure.
 */
export function opsPerSecond(fn: () => unknown, ms: number, warmup = 5, batch = 4): number {
  for (let i = 0; i < warmup; i++) fn();
  let n = 0;
  const t0 = performance.now();
  let elapsed = 0;
  do {
    for (let i = 0; i < batch; i++) fn();
    n += batch;
    elapsed = performance.now() - t0;
  } while (elapsed < ms);
  return (n * 1000) / elapsed;
}

/**
 * Interleaves two loops `reps` times (A, B, B, A, A, B, …: the order alternates so neither side
 * always runs second on a machine whose load drifts) and returns the per-repetition samples.
 */
export function interleaved(reps: number, a: () => number, b: () => number): { a: number[]; b: number[] } {
  const out = { a: [] as number[], b: [] as number[] };
  for (let r = 0; r < reps; r++) {
    if (r % 2 === 0) {
      out.a.push(a());
      out.b.push(b());
    } else {
      out.b.push(b());
      out.a.push(a());
    }
  }
  return out;
}

/** Async version of {@link interleaved}. */
export async function interleavedAsync(reps: number, a: () => Promise<number>, b: () => Promise<number>): Promise<{ a: number[]; b: number[] }> {
  const out = { a: [] as number[], b: [] as number[] };
  for (let r = 0; r < reps; r++) {
    if (r % 2 === 0) {
      out.a.push(await a());
      out.b.push(await b());
    } else {
      out.b.push(await b());
      out.a.push(await a());
    }
  }
  return out;
}

// ── printing ──────────────────────────────────────────────────────────────────────────────

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString("en-US");
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  if (a === 0) return "0";
  return x.toPrecision(2);
}

function targetCell(e: Entry): string {
  if (!e.target) return "";
  return `${e.target.text} ${e.meets ? "✓" : "✗"}`;
}

/** The results as a fixed-width text table (what `npm run bench` prints). */
export function formatTable(entries: readonly Entry[]): string {
  const header = ["entry", "value", "unit", "baseline", "baseline value", "ratio", "runs", "spread", "target"];
  const rows = entries.map((e) => [
    e.name,
    fmt(e.value),
    e.unit,
    e.baseline_name,
    fmt(e.baseline_value),
    `${fmt(e.ratio)}×`,
    String(e.runs),
    `${(e.spread * 100).toFixed(0)}%`,
    targetCell(e),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const right = new Set([1, 4, 5, 6, 7]);
  const line = (cells: string[]) => cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** The results as a Markdown table (README and docs/PERFORMANCE.md). */
export function formatMarkdown(entries: readonly Entry[]): string {
  const rows = entries.map(
    (e) =>
      `| \`${e.name}\` | ${fmt(e.value)} ${e.unit} | ${e.baseline_name}: ${fmt(e.baseline_value)} | ${fmt(e.ratio)}× | ${(e.spread * 100).toFixed(0)}% | ${e.target ? `${e.target.text} ${e.meets ? "✓" : "✗"}` : ""} |`,
  );
  return ["| entry | value | baseline (same run) | ratio | spread | target |", "|---|---|---|---|---|---|", ...rows].join("\n");
}
