/**
 * Turns a byte generator that returns a {@link StreamSummary} into a Node Readable plus a promise
 * of that summary, so callers get the bytes and the hashes from one pass over the data.
 */
import { Readable } from "node:stream";
import { StreamError } from "./errors.js";
import type { StreamSummary } from "./summary.js";

export interface SummarizedReadable {
  /** The output bytes. Also an AsyncIterable, so `for await` works. */
  readonly readable: Readable;
  /**
   * Resolves once the last byte has been produced; rejects with the stream's error, or with a
   * StreamError "ABORTED" if the consumer stopped early. It never rejects unobserved: a caller who
   * only watches the Readable does not get an unhandled-rejection crash.
   */
  readonly result: Promise<StreamSummary>;
}

export function summarizedReadable(body: () => AsyncGenerator<Uint8Array, StreamSummary, undefined>): SummarizedReadable {
  let resolve!: (summary: StreamSummary) => void;
  let reject!: (error: unknown) => void;
  const result = new Promise<StreamSummary>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  result.catch(() => undefined);

  async function* run(): AsyncGenerator<Uint8Array, void, undefined> {
    const steps: AsyncIterator<Uint8Array, StreamSummary> = body();
    let settled = false;
    // The consumer stopped early: Readable.from throws an AbortError in at the pending yield when
    // the stream is destroyed, or calls return(). Either way, close the body (releasing its
    // source) and report ABORTED rather than a summary of bytes nobody read.
    const abort = async (cause?: unknown): Promise<void> => {
      settled = true;
      try {
        await steps.return?.();
      } finally {
        // Rejected after the body's clean-up, so once `result` settles the source is released.
        reject(new StreamError("ABORTED", "the stream was not read to the end, so it has no summary", { cause }));
      }
    };
    try {
      for (;;) {
        let step: IteratorResult<Uint8Array, StreamSummary>;
        try {
          step = await steps.next();
        } catch (error) {
          settled = true; // the body failed: its error is the result
          reject(error);
          throw error;
        }
        if (step.done === true) {
          settled = true;
          resolve(step.value);
          return;
        }
        try {
          yield step.value;
        } catch (cause) {
          await abort(cause);
          throw cause;
        }
      }
    } finally {
      if (!settled) await abort();
    }
  }

  return { readable: Readable.from(run(), { objectMode: false }), result };
}
