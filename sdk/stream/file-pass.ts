/**
 * Encryption and decryption between two regular files (encryptFile / decryptFile, files.ts):
 * the same format, bytes, summary and errors as the streaming passes (encrypt-core.ts,
 * decrypt-core.ts), computed faster.
 *
 * The size of a regular file is known up front, so every chunk's index, final flag and offsets in
 * both files are too (docs/FORMAT.md §4, §9). The pass cuts the file into jobs of consecutive
 * chunks (≈ 1 MiB each) and pipelines them over three kinds of threads:
 *
 *   worker(s)        read a job's chunks (one positional read into a recycled buffer), then run
 *                    AES-256-GCM and the per-segment SHA-256 (the Merkle leaves) on them
 *                    (file-jobs.ts, file-pool.ts);
 *   this thread      takes the results in chunk order, hashes the whole stream (SHA-256) and
 *                    builds the Merkle root: the only sequential work;
 *   one writer       writes the output, in 64 KiB writes (a single writer: threads writing one
 *                    file contend on its inode lock): a worker of its own given three cores or
 *                    more, else this thread, after hashing (on two cores: two busy threads, not
 *                    three); meanwhile the output is flushed to disk in the background every
 *                    64 MiB (fdatasync), so committing the file (blob/atomic.ts) does not start
 *                    writing it only at the end.
 *
 * Buffers move between threads as transferred ArrayBuffers, never copied, and are freed as soon
 * as they are written. At most a window of jobs (≈ 8 MiB) is in flight and at most a few writes
 * are queued, so memory does not depend on the file size. Small files (one job) run inline. A
 * file that changes size while it is processed makes the pass fail.
 */
import { createHash } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { MAX_CHUNK_INDEX } from "./chunk-format.js";
import { chunkKeyBytes } from "./chunk-node.js";
import { namedFailure, noChunkError } from "./decrypt-core.js";
import { inlineJobRunner, type FileJob, type JobReply, type OpenReply, type SealReply, type WriteReply } from "./file-jobs.js";
import { fileJobPool, type FileJobPool } from "./file-pool.js";
import { decodeHeader, HEADER_LENGTH, TAG_LENGTH, type StreamHeader } from "./header.js";
import { assertDataKey } from "./keys.js";
import { StreamTally, type ProgressCallback, type StreamSummary } from "./summary.js";

const MiB = 1024 * 1024;
/** Plaintext bytes per job (at least one chunk): one chunk with the default chunk size. */
const JOB_BYTES = MiB;
/** Plaintext bytes in flight across all jobs. */
const WINDOW_BYTES = 8 * MiB;
/** Output bytes queued to the writer (beyond the latest write) before the pass waits. */
const WRITE_QUEUE_BYTES = 4 * MiB;
/** Output bytes between background flushes. */
const SYNC_EVERY = 64 * MiB;

/** Internal knobs, for tests. */
export interface FilePassOptions {
  readonly onProgress?: ProgressCallback;
  /** Where jobs run: "inline" on this thread, or a pool; default: the process pool unless one job. */
  readonly runOn?: "inline" | FileJobPool;
}

type Run = (job: FileJob, transfer: ArrayBuffer[]) => Promise<JobReply>;

/** Runs a job on this thread, now. */
const runInline: Run = (job) => {
  try {
    return Promise.resolve(inlineJobRunner()(job).reply);
  } catch (error) {
    return Promise.reject(error);
  }
};

/** `promise`, settled no earlier than the event loop's next turn. */
function afterTurn<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined); // its rejection is reported through the promise returned here
  return new Promise<void>((resolve) => setImmediate(resolve)).then(() => promise);
}

/** How a pass runs its jobs, and how many it keeps in flight. */
function runner(jobs: number, jobBytes: number, opts: FilePassOptions): { run: Run; window: number } {
  const on = opts.runOn ?? (jobs > 1 ? fileJobPool() : "inline");
  if (on === "inline") return { run: runInline, window: 1 };
  on.start();
  return {
    // Until a worker is up (the first pass in a process), this thread runs the jobs itself, and
    // lets its event loop turn after each one: that is where it learns that a worker is up.
    run: (job, transfer) => {
      if (job.op === "write" && !on.writer) return runInline(job, transfer); // this thread writes
      return on.online(job.op) ? on.run(job, transfer) : afterTurn(runInline(job, transfer));
    },
    // Enough to keep every worker busy while this thread hashes, and no more.
    window: Math.max(on.size + 1, Math.floor(WINDOW_BYTES / jobBytes)),
  };
}

/**
 * Starts jobs 0 … count−1 with at most `window` in flight and hands each result to `consume` in
 * job order. Never returns (or throws) while a job may still use a buffer or a file.
 */
async function inOrder<R>(count: number, window: number, start: (j: number) => Promise<R>, consume: (j: number, result: R) => Promise<void> | void): Promise<void> {
  const inFlight: Promise<R>[] = [];
  let next = 0;
  try {
    for (let j = 0; j < count; j++) {
      while (inFlight.length < window && next < count) {
        const result = start(next++);
        result.catch(() => undefined); // reported in order, below
        inFlight.push(result);
      }
      await consume(j, await inFlight.shift()!);
    }
  } finally {
    if (inFlight.length > 0) await Promise.allSettled(inFlight);
  }
}

/**
 * The output: write jobs (file-jobs.ts) run by the pool's writer thread if it has one (else on
 * this thread), with about WRITE_QUEUE_BYTES queued at most, and an fdatasync every SYNC_EVERY
 * bytes.
 */
class Writer {
  readonly #queued: { done: Promise<void>; bytes: number }[] = [];
  #queuedBytes = 0;
  #error: unknown;
  #bytes = 0;
  #flushedAt = 0;
  #flushing: Promise<void> | undefined;

  constructor(
    readonly output: FileHandle,
    readonly run: Run,
  ) {}

  /** Writes `pieces`, back to back, at `position`, then releases them; waits while too many are queued. */
  async write(pieces: Uint8Array[], position: number): Promise<void> {
    const transfer: ArrayBuffer[] = [];
    let bytes = 0;
    for (const piece of pieces) {
      bytes += piece.byteLength;
      if (isOwn(piece) && !transfer.includes(piece.buffer as ArrayBuffer)) transfer.push(piece.buffer as ArrayBuffer);
    }
    const done = this.run({ op: "write", fd: this.output.fd, position, pieces }, transfer).then(
      (reply) => {
        this.#bytes += (reply as WriteReply).written;
        this.#flush();
      },
      (error: unknown) => void (this.#error ??= error),
    );
    this.#queued.push({ done, bytes });
    this.#queuedBytes += bytes;
    while (this.#queued.length > 1 && this.#queuedBytes - bytes > WRITE_QUEUE_BYTES) {
      const oldest = this.#queued.shift()!;
      await oldest.done;
      this.#queuedBytes -= oldest.bytes;
    }
    if (this.#error !== undefined) throw this.#error;
  }

  #flush(): void {
    if (this.#flushing || this.#bytes - this.#flushedAt < SYNC_EVERY) return;
    this.#flushedAt = this.#bytes;
    this.#flushing = this.output.datasync().then(
      () => (this.#flushing = undefined),
      (error: unknown) => {
        this.#error ??= error;
        this.#flushing = undefined;
      },
    );
  }

  /** Waits for every write and flush; throws the first write or flush error. */
  async done(): Promise<void> {
    await this.settle();
    if (this.#error !== undefined) throw this.#error;
  }

  /** Waits for every write and flush, whatever happened (before the files are closed). */
  async settle(): Promise<void> {
    await Promise.all(this.#queued.splice(0).map((w) => w.done));
    this.#queuedBytes = 0;
    await this.#flushing;
  }
}

/** The input file: read buffers coming back from jobs, for later jobs to read into. */
class Reader {
  readonly #spare: Uint8Array[] = [];

  constructor(
    readonly input: FileHandle,
    readonly doing: string,
  ) {}

  /** The job fields that make it read `length` bytes at `position`, and their transfer list. */
  place(position: number, length: number): { fields: { inFd: number; position: number; length: number; input?: Uint8Array }; transfer: ArrayBuffer[] } {
    const input = this.#spare.pop();
    const fields = { inFd: this.input.fd, position, length, ...(input ? { input } : {}) };
    return { fields, transfer: input ? [input.buffer as ArrayBuffer] : [] };
  }

  /** A buffer back from a job, to read into again. */
  recycle(buffer: Uint8Array): void {
    if (isOwn(buffer)) this.#spare.push(buffer);
  }

  /** Throws unless the input ends at `size` (it did not grow while it was read). */
  async assertEndsAt(size: number): Promise<void> {
    const { bytesRead } = await this.input.read(new Uint8Array(1), 0, 1, size);
    if (bytesRead > 0) throw new Error(`the input file grew while it was being ${this.doing}`);
  }
}

/** True when `bytes` is alone on its ArrayBuffer (which can then be transferred or released). */
function isOwn(bytes: Uint8Array): boolean {
  return bytes.byteLength > 0 && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
}

/** Frees a buffer now rather than at the next garbage collection. */
function release(bytes: Uint8Array): void {
  const buffer = bytes.buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };
  if (!isOwn(bytes) || typeof buffer.transfer !== "function") return;
  try {
    buffer.transfer(0);
  } catch {
    // not detachable: the garbage collector frees it
  }
}

/**
 * Encrypts the regular file open as `input` into the empty file `output`; returns the summary.
 * `header` comes from newStreamHeader.
 */
export async function sealFile(input: FileHandle, output: FileHandle, dek: Uint8Array, header: StreamHeader, opts: FilePassOptions = {}): Promise<StreamSummary> {
  const { chunkSize } = header;
  const key = chunkKeyBytes(dek, header.fileId);
  const plainSize = (await input.stat()).size;
  const chunks = Math.max(1, Math.ceil(plainSize / chunkSize));
  if (chunks - 1 > MAX_CHUNK_INDEX) {
    throw new RangeError(`plaintext needs more than 2^32 chunks of ${chunkSize} bytes; use a larger chunkSize`);
  }
  const perJob = Math.max(1, Math.floor(JOB_BYTES / chunkSize));
  const jobs = Math.ceil(chunks / perJob);
  const { run, window } = runner(jobs, perJob * chunkSize, opts);
  const reader = new Reader(input, "encrypted");
  const writer = new Writer(output, run);

  const tally = new StreamTally(header, () => createHash("sha256"), opts.onProgress);
  const headerBytes = Uint8Array.from(header.bytes);

  const start = async (j: number): Promise<SealReply> => {
    const first = j * perJob;
    const count = Math.min(perJob, chunks - first);
    const length = Math.min(plainSize, (first + count) * chunkSize) - first * chunkSize;
    const { fields, transfer } = reader.place(first * chunkSize, length);
    return (await run({ op: "seal", key, header: headerBytes, chunkSize, first, count, lastIndex: chunks - 1, ...fields }, transfer)) as SealReply;
  };
  const consume = async (j: number, { input: buffer, leaves, pieces }: SealReply): Promise<void> => {
    reader.recycle(buffer);
    const first = j * perJob;
    const count = Math.min(perJob, chunks - first);
    let at = 0; // offset in a single concatenated piece
    for (let k = 0; k < count; k++) {
      const plaintextLength = Math.min(chunkSize, plainSize - (first + k) * chunkSize);
      const segmentLength = plaintextLength + TAG_LENGTH;
      const segment = pieces.length === 1 ? pieces[0]!.subarray(at, at + segmentLength) : pieces.slice(2 * k, 2 * k + 2);
      at += segmentLength;
      tally.addSegment(segment, leaves.subarray(32 * k, 32 * k + 32), plaintextLength);
    }
    await writer.write(pieces, HEADER_LENGTH + first * (chunkSize + TAG_LENGTH));
  };
  try {
    await writer.write([headerBytes.slice()], 0);
    await inOrder(jobs, window, start, consume);
    await reader.assertEndsAt(plainSize);
    await writer.done();
  } finally {
    await writer.settle();
  }
  return tally.summary();
}

/**
 * Decrypts the regular file open as `input` into the empty file `output`; returns the summary.
 * Rejects with the StreamFormatError / StreamAuthError the streaming decoder would throw, having
 * written, like it, only the chunks before the failing one; the caller must discard `output`.
 */
export async function openFile(input: FileHandle, output: FileHandle, dek: Uint8Array, opts: FilePassOptions = {}): Promise<StreamSummary> {
  const size = (await input.stat()).size;
  const head = new Uint8Array(HEADER_LENGTH);
  const header = decodeHeader(head.subarray(0, await readFully(input, head, 0)));
  const key = chunkKeyBytes(dek, header.fileId);
  const { chunkSize } = header;
  const segment = chunkSize + TAG_LENGTH;
  const body = size - HEADER_LENGTH;
  if (body === 0) throw noChunkError();
  const chunks = Math.ceil(body / segment);
  if (chunks - 1 > MAX_CHUNK_INDEX) throw new RangeError(`a stream has at most 2^32 chunks; this one would have ${chunks}`);
  const perJob = Math.max(1, Math.floor(JOB_BYTES / chunkSize));
  const jobs = Math.ceil(chunks / perJob);
  const { run, window } = runner(jobs, perJob * chunkSize, opts);
  const reader = new Reader(input, "decrypted");
  const writer = new Writer(output, run);

  const tally = new StreamTally(header, () => createHash("sha256"), opts.onProgress);
  const headerBytes = Uint8Array.from(header.bytes);

  const start = async (j: number): Promise<OpenReply> => {
    const first = j * perJob;
    const count = Math.min(perJob, chunks - first);
    const position = HEADER_LENGTH + first * segment;
    const length = Math.min(size, position + count * segment) - position;
    const { fields, transfer } = reader.place(position, length);
    return (await run({ op: "open", key, header: headerBytes, chunkSize, first, count, lastIndex: chunks - 1, ...fields }, transfer)) as OpenReply;
  };
  const consume = async (j: number, { input: buffer, leaves, verified, failure, plain }: OpenReply): Promise<void> => {
    const first = j * perJob;
    const length = Math.min(size, HEADER_LENGTH + (first + perJob) * segment) - (HEADER_LENGTH + first * segment);
    for (let k = 0; k < verified; k++) {
      const bytes = buffer.subarray(k * segment, Math.min(length, (k + 1) * segment));
      tally.addSegment(bytes, leaves.subarray(32 * k, 32 * k + 32), bytes.byteLength - TAG_LENGTH);
    }
    reader.recycle(buffer);
    if (failure) {
      for (const piece of plain) release(piece);
      throw namedFailure(failure.index, failure.index === chunks - 1, failure.length, failure.opensWithOtherFlag, new Error(failure.message));
    }
    await writer.write(plain, first * chunkSize);
  };
  try {
    await inOrder(jobs, window, start, consume);
    await reader.assertEndsAt(size);
    await writer.done();
  } finally {
    await writer.settle();
  }
  return tally.summary();
}

async function readFully(file: FileHandle, into: Uint8Array, position: number): Promise<number> {
  let got = 0;
  while (got < into.byteLength) {
    const { bytesRead } = await file.read(into, got, into.byteLength - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}
