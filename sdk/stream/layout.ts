/**
 * Where chunks sit in a ciphertext, so a reader can fetch and check one chunk (with a Merkle
 * proof) without downloading the whole stream.
 *
 * A stream is `header || segment_0 || ... || segment_{n-1}`, where segment_i is the AES-GCM
 * ciphertext of chunk i followed by its 16-byte tag. Every segment but the last holds exactly
 * `chunkSize` plaintext bytes.
 */
import { HEADER_LENGTH, TAG_LENGTH } from "./header.js";

/** Ciphertext bytes of a full segment. */
export function segmentLength(chunkSize: number): number {
  return chunkSize + TAG_LENGTH;
}

/** Byte range `[start, end)` of segment `index` in the ciphertext; `end` is clipped to `totalSize`. */
export function segmentRange(chunkSize: number, index: number, totalSize: number): { start: number; end: number } {
  const start = HEADER_LENGTH + index * segmentLength(chunkSize);
  const end = Math.min(start + segmentLength(chunkSize), totalSize);
  if (!Number.isInteger(index) || index < 0 || end - start < TAG_LENGTH) {
    throw new RangeError(`chunk ${index} is not inside a ${totalSize}-byte stream`);
  }
  return { start, end };
}

/** Number of chunks in a well-formed ciphertext of `totalSize` bytes (always at least one). */
export function chunkCountOf(chunkSize: number, totalSize: number): number {
  const body = totalSize - HEADER_LENGTH;
  if (body < TAG_LENGTH) throw new RangeError(`a ${totalSize}-byte stream cannot hold a chunk`);
  return Math.ceil(body / segmentLength(chunkSize));
}

/** Indices of the chunks holding plaintext bytes `[start, end)`, e.g. to verify a byte range. */
export function chunksForPlaintextRange(chunkSize: number, start: number, end: number): { first: number; last: number } {
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start < end)) {
    throw new RangeError(`invalid plaintext range [${start}, ${end})`);
  }
  return { first: Math.floor(start / chunkSize), last: Math.floor((end - 1) / chunkSize) };
}
