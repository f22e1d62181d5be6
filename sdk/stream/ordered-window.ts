/**
 * A bounded FIFO of in-flight chunk operations. Chunk crypto runs on the thread pool, so keeping
 * a few chunks in flight lets AES-GCM, SHA-256 and file I/O overlap across cores; taking results
 * strictly in order means output order never depends on which job finished first, and a failure
 * surfaces at the first bad chunk, after every good chunk before it and before any after it.
 */

/** Chunks in flight per stream: enough to keep libuv's default 4 pool threads busy. */
export const PIPELINE_DEPTH = 4;

export class OrderedWindow<T> {
  readonly #pending: Promise<T>[] = [];

  constructor(readonly depth: number = PIPELINE_DEPTH) {}

  /** Adds a job. A rejection is only reported when the job is taken, in order. */
  push(job: Promise<T>): void {
    // Mark the rejection handled now; without this Node would crash on an "unhandled" rejection
    // of a job that is simply still waiting for its turn.
    job.catch(() => undefined);
    this.#pending.push(job);
  }

  get full(): boolean {
    return this.#pending.length >= this.depth;
  }

  get size(): number {
    return this.#pending.length;
  }

  /** Waits for the oldest job. Call only when `size > 0`. */
  take(): Promise<T> {
    const job = this.#pending.shift();
    if (job === undefined) throw new Error("OrderedWindow.take() on an empty window");
    return job;
  }
}
