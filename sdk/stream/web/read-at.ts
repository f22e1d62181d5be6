/**
 * {@link ReadAt} implementations for browsers, for decryptRange: over a Blob/File (a local
 * ciphertext the user picked) and over HTTP Range requests (a blob store URL; shared with Node).
 */
import type { ReadAt } from "../range.js";

export { httpReadAt, type HttpReadAtOptions } from "../../blob/http-range.js";

/** Positional reads from a Blob or File; only the requested slice is loaded. */
export function blobReadAt(blob: Blob): ReadAt {
  return async (offset, length) => new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
}
