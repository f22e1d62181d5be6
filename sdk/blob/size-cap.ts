/**
 * Stops a blob at the size registered on chain: one byte more and reading errors with
 * BlobSizeError, so an untrusted store (or a server a member's storage URI names) cannot make a
 * reader write, hash or buffer more than the version's registered size.
 *
 * Platform-neutral (no `node:*`, no Buffer): the stage is an async generator over byte chunks,
 * which Node's stream.pipeline takes as a middle stage (sdk/blob/fetch-verified.ts) and which
 * reads a browser's fetch body as well (sdk/blob/web-fetch.ts).
 */
import { BlobSizeError } from "./errors.js";

/** A pipeline stage that passes at most `maxBytes` bytes through, and errors at the first byte more. */
export function sizeCap(maxBytes: number, uri: string): (source: AsyncIterable<unknown> | Iterable<unknown>) => AsyncGenerator<Uint8Array, void, undefined> {
  assertSize(maxBytes);
  return async function* capped(source) {
    let seen = 0;
    for await (const piece of source) {
      if (!(piece instanceof Uint8Array)) throw new TypeError("blob source yielded a non-Uint8Array value");
      seen += piece.byteLength;
      if (seen > maxBytes) throw new BlobSizeError(uri, maxBytes, seen);
      yield piece;
    }
  };
}

/**
 * Refuses a blob whose announced length (an HTTP Content-Length) is already larger than the
 * registered size, before a byte of it is read. An absent or unparsable length passes: the
 * stage above still stops the body itself.
 */
export function checkAnnouncedSize(announced: string | null | undefined, maxBytes: number, uri: string): void {
  assertSize(maxBytes);
  if (announced === null || announced === undefined || !/^\d+$/.test(announced.trim())) return;
  const length = Number(announced);
  if (length > maxBytes) throw new BlobSizeError(uri, maxBytes, length);
}

function assertSize(maxBytes: number): void {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new RangeError("maxBytes must be a non-negative safe integer");
}
