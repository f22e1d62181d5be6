/**
 * Blob URIs name content, not a location: `blob://sha256/<64 lowercase hex>`. The same URI is
 * valid in every store (local folder today, S3-compatible later), so the URI registered on chain
 * never has to change when a blob moves, and it already says what the bytes must hash to.
 */
import { BlobUriError } from "./errors.js";
import type { Hex } from "../stream/hex.js";

const PREFIX = "blob://sha256/";
const URI_PATTERN = /^blob:\/\/sha256\/([0-9a-f]{64})$/;

/** The URI of content whose SHA-256 is `sha256` (0x hex, either case). */
export function blobUri(sha256: Hex): string {
  if (!/^0x[0-9a-fA-F]{64}$/.test(sha256)) throw new TypeError("sha256 must be 0x-prefixed 32-byte hex");
  return `${PREFIX}${sha256.slice(2).toLowerCase()}`;
}

/** The SHA-256 a URI names, as 0x hex. Only the canonical lowercase form is accepted, so one blob
 * has exactly one URI. */
export function parseBlobUri(uri: string): { sha256: Hex } {
  const match = URI_PATTERN.exec(uri);
  if (match === null) throw new BlobUriError(uri);
  return { sha256: `0x${match[1]!}` };
}
