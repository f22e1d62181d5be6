/**
 * The worker threads that run file jobs (file-jobs.ts) for encryptFile and decryptFile, so
 * AES-GCM and the per-segment SHA-256 (the Merkle leaves) of different chunks run on every core
 * while the calling thread only orders the results, folds the Merkle tree (one small hash per
 * chunk) and hands the output over; optionally a writer thread too, which runs every write job
 * (one writer per output file, in order).
 *
 * One pool per process, started on first use. Idle workers are unref'd, so they never keep a
 * process alive; a worker with a job in flight is ref'd, so a process waiting for that job does
 * not exit under it. Buffers travel as transferred ArrayBuffers, never copied.
 *
 * A worker runs chunk-worker.ts, a module like any other. Compiled, it is chunk-worker.js next to
 * this file. From source (tsx, in development and tests — including tsx's `register()` API, which
 * workers do not inherit), this file is a .ts file and the worker is started with tsx's loader
 * (`--import <tsx>`), which maps "./chunk-worker.js" to chunk-worker.ts as it does for imports.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { FileJob, JobError, JobReply } from "./file-jobs.js";

/**
 * At most this many seal/open workers. The calling thread's own work per chunk is small (ordering,
 * one Merkle fold step, the write on small machines), so this only bounds the threads and buffers
 * a pass may take on a large machine.
 */
const MAX_WORKERS = 8;

/** The worker's module: chunk-worker.js beside this file (chunk-worker.ts under tsx). */
const WORKER_URL = new URL("./chunk-worker.js", import.meta.url);

/**
 * The worker's Node options: none when this module runs compiled; tsx's loader when it runs from
 * TypeScript source (resolved from here, so it works whatever the working directory).
 */
function workerExecArgv(): string[] {
  return import.meta.url.endsWith(".ts") ? ["--import", import.meta.resolve("tsx")] : [];
}

interface Pending {
  resolve(reply: JobReply): void;
  reject(error: unknown): void;
}

interface Slot {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  online: boolean;
  dead: boolean;
}

type Message = { id: number; reply: JobReply; error?: undefined } | { id: number; error: JobError; reply?: undefined };

/** An error a worker reported for a job (e.g. a write's ENOSPC, with its code). */
export class JobFailedError extends Error {
  readonly code: string | undefined;
  constructor(error: JobError) {
    super(error.message);
    this.name = "Error";
    this.code = error.code;
  }
}

export class FileJobPool {
  /** Workers for seal and open jobs. */
  readonly size: number;
  /** Whether write jobs get a worker of their own (else the caller runs them: file-pass.ts). */
  readonly writer: boolean;
  readonly #slots: Slot[] = [];
  /** The one worker that runs write jobs: one writer per file, in order. */
  #writer: Slot | undefined;
  #nextId = 1;

  constructor(size: number, opts: { writer?: boolean } = {}) {
    this.size = size;
    this.writer = opts.writer ?? false;
  }

  /** Starts the workers (if they are not running) without waiting for them. */
  start(): void {
    while (this.#slots.length < this.size) this.#slots.push(this.#spawn());
    if (this.writer && (!this.#writer || this.#writer.dead)) this.#writer = this.#spawn();
  }

  /**
   * True once a worker that would run a job of this kind runs code, so the job starts without
   * waiting for a worker to boot (≈ 20–100 ms; meanwhile file-pass.ts runs jobs inline).
   */
  online(op: FileJob["op"]): boolean {
    return op === "write" ? this.#writer?.online === true : this.#slots.some((s) => s.online);
  }

  /**
   * Runs `job`: a write on the writer (in the order given), anything else on the least busy
   * worker. `transfer` lists ArrayBuffers to move there with it.
   */
  run(job: FileJob, transfer: ArrayBuffer[] = []): Promise<JobReply> {
    this.start();
    if (job.op === "write" && !this.writer) throw new Error("this pool has no writer thread");
    let slot = job.op === "write" ? this.#writer! : this.#slots[0]!;
    if (job.op !== "write") {
      for (const s of this.#slots) {
        // Prefer a worker that is up; among those, the one with the fewest jobs queued.
        if (s.online !== slot.online ? s.online : s.pending.size < slot.pending.size) slot = s;
      }
    }
    const id = this.#nextId++;
    return new Promise<JobReply>((resolve, reject) => {
      if (slot.pending.size === 0) slot.worker.ref();
      slot.pending.set(id, { resolve, reject });
      try {
        slot.worker.postMessage({ id, job }, transfer);
      } catch (error) {
        this.#settle(slot, id);
        reject(error);
      }
    });
  }

  #spawn(): Slot {
    const worker = new Worker(WORKER_URL, { execArgv: workerExecArgv(), name: "sealshare-stream" });
    const slot: Slot = { worker, pending: new Map(), online: false, dead: false };
    worker.on("online", () => (slot.online = true));
    worker.on("message", (m: Message) => {
      const p = this.#settle(slot, m.id);
      if (!p) return;
      if (m.error !== undefined) p.reject(new JobFailedError(m.error));
      else p.resolve(m.reply);
    });
    const fail = (error: unknown) => this.#kill(slot, error);
    worker.on("error", fail);
    worker.on("messageerror", fail);
    worker.on("exit", (code) => fail(new Error(`a stream worker thread exited (code ${code})`)));
    // After the listeners: adding a "message" listener refs the worker's port again.
    worker.unref();
    return slot;
  }

  #settle(slot: Slot, id: number): Pending | undefined {
    const p = slot.pending.get(id);
    slot.pending.delete(id);
    if (slot.pending.size === 0) slot.worker.unref();
    return p;
  }

  /** A worker died: fail its jobs and forget it (the next run starts a replacement). */
  #kill(slot: Slot, error: unknown): void {
    if (slot.dead) return;
    slot.dead = true;
    const i = this.#slots.indexOf(slot);
    if (i >= 0) this.#slots.splice(i, 1);
    if (this.#writer === slot) this.#writer = undefined;
    for (const p of slot.pending.values()) p.reject(error);
    slot.pending.clear();
    slot.worker.unref();
    void slot.worker.terminate().catch(() => undefined);
  }
}

let pool: FileJobPool | undefined;

/**
 * The process's pool, created on first use: seal/open workers, one per core but the calling
 * thread's (at least one, at most MAX_WORKERS), and a writer thread given three cores or more.
 * Version 2 streams have no whole-stream hash, but the calling thread still orders, folds the
 * Merkle tree and writes: on this project's 2-core machine a worker per core (two workers and
 * the calling thread on two cores) measured 296 / 298 MB/s encrypting / decrypting 256 MiB,
 * against 437 / 459 MB/s with one worker, in back-to-back quiet runs (docs/PERFORMANCE.md, Streams).
 */
export function fileJobPool(): FileJobPool {
  const cores = availableParallelism();
  pool ??= new FileJobPool(Math.max(1, Math.min(MAX_WORKERS, cores - 1)), { writer: cores >= 3 });
  return pool;
}
