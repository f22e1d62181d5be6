/**
 * Blob URIs name content, not a location: `blob://<scheme>/<64 lowercase hex>`. The same URI is
 * valid in every store (local folder today, S3-compatible later), so the URI registered on chain
 * never has to change when a blob moves, and it already says what the bytes must hash to:
 *
 *  - `blob://merkle/<hex>`: a version-2 stream, named by its Merkle root (docs/FORMAT.md §9,
 *    §10), the value registered on chain as the version's `merkleRoot`;
 *  - `blob://sha256/<hex>`: anything else, named by its SHA-256 — version-1 streams, registered
 *    before format v2, and bytes that are not a stream.
 */
import { BlobUriError } from "./errors.js";
import type { Hex } from "../stream/hex.js";

/** How a blob is named: its stream Merkle root (v2 streams) or its SHA-256 (everything else). */
export type BlobScheme = "merkle" | "sha256";

export const BLOB_SCHEMES: readonly BlobScheme[] = ["merkle", "sha256"];

const URI_PATTERN = /^blob:\/\/(merkle|sha256)\/([0-9a-f]{64})$/;

/** The URI of content whose `scheme` digest is `digest` (0x hex, either case). */
export function blobUri(digest: Hex, scheme: BlobScheme = "merkle"): string {
  if (!/^0x[0-9a-fA-F]{64}$/.test(digest)) throw new TypeError("a blob digest must be 0x-prefixed 32-byte hex");
  if (!BLOB_SCHEMES.includes(scheme)) throw new TypeError(`unknown blob scheme ${JSON.stringify(scheme)}`);
  return `blob://${scheme}/${digest.slice(2).toLowerCase()}`;
}

/** The scheme and digest a URI names (0x hex). Only the canonical lowercase form is accepted, so
 * one blob has exactly one URI. */
export function parseBlobUri(uri: string): { scheme: BlobScheme; digest: Hex } {
  const match = URI_PATTERN.exec(uri);
  if (match === null) throw new BlobUriError(uri);
  return { scheme: match[1] as BlobScheme, digest: `0x${match[2]!}` };
}

/**
 * The scheme of a storage location: a `blob://` URI's own; for an http(s) URL, "sha256" when its
 * path is under a `/sha256/` folder (how serve.ts and HttpBlobStore lay SHA-256 blobs out), else
 * "merkle". Never throws: whether the location is usable is the store's to say.
 */
export function blobSchemeOf(location: string): BlobScheme {
  const match = URI_PATTERN.exec(location);
  if (match !== null) return match[1] as BlobScheme;
  try {
    return new URL(location).pathname.includes("/sha256/") ? "sha256" : "merkle";
  } catch {
    return "merkle";
  }
}

/**
 * The digest a storage location names: a `blob://` URI's, or the last path segment of an http(s)
 * URL when it is 64 lowercase hex (`…/<scheme>/<hex>`, as serve.ts lays blobs out); else undefined.
 */
export function blobDigestOf(location: string): Hex | undefined {
  const match = URI_PATTERN.exec(location);
  if (match !== null) return `0x${match[2]!}`;
  try {
    const last = /\/([0-9a-f]{64})$/.exec(new URL(location).pathname);
    return last ? `0x${last[1]!}` : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What a registered version's copy must hash to, by what its storage URI names: the chain's
 * Merkle root for a version-2 stream (`merkle`), or the SHA-256 in a `sha256` name (a version-1
 * stream, whose name the chain holds in the version's event). Decryption checks the root either way.
 */
export function expectedDigestOf(storageURI: string, merkleRoot: string): { scheme: BlobScheme; digest: Hex } {
  const scheme = blobSchemeOf(storageURI);
  return { scheme, digest: (scheme === "merkle" ? merkleRoot : (blobDigestOf(storageURI) ?? merkleRoot)).toLowerCase() as Hex };
}
