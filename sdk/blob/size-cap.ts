/**
 * A pass-through stream that stops a blob at the size registered on chain: one byte more and it
 * errors with BlobSizeError, so an untrusted store (or a server a member's storage URI names)
 * cannot make a reader write or hash more than the version's registered size.
 */
import { Transform } from "node:stream";
import { BlobSizeError } from "./errors.js";

export function sizeCap(maxBytes: number, uri: string): Transform {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new RangeError("maxBytes must be a non-negative safe integer");
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.byteLength;
      if (seen > maxBytes) cb(new BlobSizeError(uri, maxBytes, seen));
      else cb(null, chunk);
    },
  });
}
