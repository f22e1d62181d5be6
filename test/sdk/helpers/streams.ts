/** Small stream utilities shared by the SDK tests. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";

/** Reads a stream to the end. */
export async function collect(readable: Readable | AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of readable) parts.push(Buffer.from(part as Uint8Array));
  return Buffer.concat(parts);
}

/**
 * Reads a stream until it ends or fails, keeping what was emitted before a failure — so a test
 * can check that nothing from the failing chunk got out.
 */
export async function collectUntilError(readable: Readable): Promise<{ bytes: Buffer; error: unknown }> {
  const parts: Buffer[] = [];
  try {
    for await (const part of readable) parts.push(Buffer.from(part as Uint8Array));
    return { bytes: Buffer.concat(parts), error: undefined };
  } catch (error) {
    return { bytes: Buffer.concat(parts), error };
  }
}

/** Yields `bytes` in pieces of varying small sizes, to exercise re-chunking at every offset. */
export function* irregularPieces(bytes: Uint8Array, sizes: readonly number[] = [1, 7, 3, 13, 64, 5, 100, 2]): Generator<Uint8Array> {
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length]!;
    yield bytes.subarray(at, at + size);
    at += size;
  }
}

/** A fresh temporary directory, and a function that deletes it. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "sealshare-test-"));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Reads a WHATWG ReadableStream to the end. */
export async function collectWeb(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const { bytes, error } = await collectWebUntilError(stream);
  if (error !== undefined) throw error;
  return bytes;
}

/** Like {@link collectUntilError}, for a WHATWG ReadableStream (read with a reader, as browsers do). */
export async function collectWebUntilError(stream: ReadableStream<Uint8Array>): Promise<{ bytes: Buffer; error: unknown }> {
  const reader = stream.getReader();
  const parts: Buffer[] = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { bytes: Buffer.concat(parts), error: undefined };
      parts.push(Buffer.from(value));
    }
  } catch (error) {
    return { bytes: Buffer.concat(parts), error };
  }
}

/** A pull-driven ReadableStream yielding `bytes` in irregular pieces, recording a cancel. */
export function webStreamOf(bytes: Uint8Array, sizes?: readonly number[]): ReadableStream<Uint8Array> & { cancelled: () => boolean } {
  const pieces = irregularPieces(bytes, sizes);
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const next = pieces.next();
        if (next.done === true) controller.close();
        else controller.enqueue(Uint8Array.from(next.value));
      },
      cancel() {
        cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return Object.assign(stream, { cancelled: () => cancelled });
}
