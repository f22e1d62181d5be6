/**
 * Child processes for the benchmarks: timed commands, the `age` tool, per-process memory and
 * CPU read from /proc (Linux), and waiting for a process to go idle.
 */
import { spawn, type SpawnOptions } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ROOT } from "./paths.js";

export { ROOT };
export const TSX = join(ROOT, "node_modules", ".bin", "tsx");

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `cmd args…` to completion; rejects on a non-zero exit unless `allowFailure`. */
export function run(cmd: string, args: string[], opts: SpawnOptions & { allowFailure?: boolean } = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...opts });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8000)));
    child.once("error", reject);
    child.once("close", (code) => {
      const r = { code: code ?? 1, stdout, stderr, ms: performance.now() - t0 };
      if (r.code !== 0 && !opts.allowFailure) reject(new Error(`${cmd} ${args.join(" ")} exited with ${r.code}: ${stderr.trim()}`));
      else resolvePromise(r);
    });
  });
}

/**
 * Makes sure the `age` command exists, installing the Debian package when it is missing
 * (idempotent: `command -v age || (apt-get update && apt-get install -y age)`).
 */
export async function ensureAge(say: (line: string) => void): Promise<void> {
  const has = await run("bash", ["-c", "command -v age && command -v age-keygen"], { allowFailure: true });
  if (has.code === 0) return;
  say("streams: `age` is missing; installing it with apt-get (the baseline of stream.encrypt.mbps)");
  const sudo = process.getuid?.() === 0 ? "" : "sudo ";
  await run("bash", ["-c", `command -v age || (${sudo}apt-get update && ${sudo}apt-get install -y age)`], { env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  const again = await run("bash", ["-c", "command -v age && command -v age-keygen"], { allowFailure: true });
  if (again.code !== 0) throw new Error("could not install `age` (apt-get install -y age); install it and run again");
}

/** The pids of `pid` and all its descendants (from /proc/<pid>/task/<tid>/children). */
export async function processTree(pid: number): Promise<number[]> {
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift()!;
    out.push(p);
    try {
      const children = await readFile(`/proc/${p}/task/${p}/children`, "utf8");
      for (const c of children.split(/\s+/).filter(Boolean)) queue.push(Number(c));
    } catch {
      /* gone, or not Linux */
    }
  }
  return out;
}

/** Resident set size of a process tree, MiB (sum of VmRSS). */
export async function treeRssMiB(pid: number): Promise<number> {
  let kib = 0;
  for (const p of await processTree(pid)) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${p}/status`, "utf8"));
      if (m) kib += Number(m[1]);
    } catch {
      /* gone */
    }
  }
  return kib / 1024;
}

/** CPU seconds (user + system) used so far by a process tree. */
export async function treeCpuSeconds(pid: number): Promise<number> {
  const ticksPerSecond = 100; // USER_HZ on Linux
  let ticks = 0;
  for (const p of await processTree(pid)) {
    try {
      const stat = await readFile(`/proc/${p}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
    } catch {
      /* gone */
    }
  }
  return ticks / ticksPerSecond;
}

/**
 * Waits until a process tree uses less than `maxShare` of one core over a `windowMs` window (it
 * finished its backlog), or `timeoutMs` passes. Resolves with whether it went idle.
 */
export async function waitIdle(pid: number, opts: { windowMs?: number; maxShare?: number; timeoutMs?: number } = {}): Promise<boolean> {
  const windowMs = opts.windowMs ?? 500;
  const maxShare = opts.maxShare ?? 0.1;
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let before = await treeCpuSeconds(pid);
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, windowMs));
    const now = await treeCpuSeconds(pid);
    if ((now - before) / (windowMs / 1000) < maxShare) return true;
    before = now;
  }
  return false;
}
