/**
 * Adapters between WHATWG streams and the platform-neutral stream passes (encrypt-core.ts,
 * decrypt-core.ts): a ReadableStream or Blob in, a ReadableStream plus a summary promise out.
 * Uses only what browsers (and Node ≥ 18) provide globally; no `node:*` imports.
 */
import type { ByteSource } from "../byte-reader.js";
import { StreamError } from "../errors.js";
import type { StreamSummary } from "../summary.js";

/** What the browser front end accepts: a ReadableStream, a Blob/File, or any ByteSource. */
export type WebByteSource = ReadableStream<Uint8Array> | Blob | ByteSource;

export interface SummarizedWebStream {
  /** The output bytes. Pull-driven: nothing is computed ahead of the reader beyond the pipeline. */
  readonly stream: ReadableStream<Uint8Array>;
  /**
   * Resolves once the last byte has been produced; rejects with the stream's error, or with a
   * StreamError "ABORTED" if the reader cancelled. Never rejects unobserved.
   */
  readonly result: Promise<StreamSummary>;
}

/** Turns `input` into a ByteSource. ReadableStreams are read with a reader, not async iteration,
 * which Safari does not implement on ReadableStream. */
export function toByteSource(input: WebByteSource): ByteSource {
  if (typeof Blob !== "undefined" && input instanceof Blob) return readChunks(input.stream());
  if (isReadableStream(input)) return readChunks(input);
  return input as ByteSource;
}

function isReadableStream(value: unknown): value is ReadableStream<Uint8Array> {
  return typeof value === "object" && value !== null && typeof (value as ReadableStream).getReader === "function";
}

/** Iterates a ReadableStream; cancels it if the iteration stops early (consumer gave up or failed). */
async function* readChunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array, void, undefined> {
  const reader = stream.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      yield value;
    }
  } catch (error) {
    finished = true; // the stream itself errored; there is nothing to cancel
    throw error;
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/**
 * Wraps a byte generator that returns a summary as a pull-driven ReadableStream (one generator
 * step per read, so memory stays bounded by the generator's own pipeline) plus a summary promise.
 */
export function summarizedWebStream(body: () => AsyncGenerator<Uint8Array, StreamSummary, undefined>): SummarizedWebStream {
  let resolve!: (summary: StreamSummary) => void;
  let reject!: (error: unknown) => void;
  const result = new Promise<StreamSummary>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  result.catch(() => undefined);

  let steps: AsyncGenerator<Uint8Array, StreamSummary, undefined> | undefined;
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        steps ??= body();
        let step: IteratorResult<Uint8Array, StreamSummary>;
        try {
          step = await steps.next();
        } catch (error) {
          reject(error);
          controller.error(error);
          return;
        }
        if (step.done === true) {
          resolve(step.value);
          controller.close();
        } else {
          controller.enqueue(step.value);
        }
      },
      async cancel(reason) {
        try {
          await steps?.return(undefined as never); // releases the source (finally blocks run)
        } finally {
          reject(new StreamError("ABORTED", "the stream was not read to the end, so it has no summary", { cause: reason }));
        }
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, result };
}
