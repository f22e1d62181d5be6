/**
 * Fetches a blob from an untrusted store and hands it over only once its digest — the Merkle root
 * of a `blob://merkle/…` blob, the SHA-256 of a `blob://sha256/…` one (uri.ts) — matches the
 * expected value (normally the Merkle root registered on chain).
 *
 * The bytes are copied to a private temporary file while being hashed and the copy is what the
 * caller gets. Hashing the store's file in place and then reading it again would leave a window
 * in which the store's copy could change between the check and the use.
 *
 * @example
 * const blob = await fetchVerified(store, record.uri, record.merkleRoot);
 * try { await decryptFile(blob.path, "statement.pdf", dek); } finally { await blob.remove(); }
 */
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { isBytes32Hex, type Hex } from "../stream/hex.js";
import { BlobIntegrityError } from "./errors.js";
import { createHashingTap } from "./hashing-tap.js";
import { sizeCap } from "./size-cap.js";
import type { BlobStore } from "./types.js";
import { blobSchemeOf, type BlobScheme } from "./uri.js";

export interface FetchVerifiedOptions {
  /** Directory for the verified copy. Default: the OS temporary directory. */
  readonly dir?: string;
  /**
   * The size registered on chain: reading stops there, and a blob with more bytes is refused
   * with BlobSizeError (nothing kept). Give it whenever the size is known.
   */
  readonly expectedSize?: number;
}

/** A verified private copy of a blob. The caller owns it and should `remove()` it when done. */
export interface VerifiedBlob {
  readonly path: string;
  readonly scheme: BlobScheme;
  readonly digest: Hex;
  readonly size: number;
  /** Streams the verified copy. */
  open(): Readable;
  /** Deletes the verified copy. Safe to call twice. */
  remove(): Promise<void>;
}

/**
 * Copies blob `uri` out of `store`, checking that its digest (the URI's scheme) is `expected`.
 * Throws BlobIntegrityError on mismatch (and leaves no file behind), BlobNotFoundError if absent,
 * BlobSizeError when the blob is longer than `expectedSize`.
 */
export async function fetchVerified(store: BlobStore, uri: string, expected: Hex, opts: FetchVerifiedOptions = {}): Promise<VerifiedBlob> {
  if (!isBytes32Hex(expected)) throw new TypeError("the expected digest must be 0x-prefixed 32-byte hex");
  const scheme = blobSchemeOf(uri);
  const path = join(opts.dir ?? tmpdir(), `sealshare-${randomBytes(8).toString("hex")}.blob`);
  const tap = createHashingTap(scheme);
  try {
    if (opts.expectedSize === undefined) await pipeline(store.get(uri), tap.stage, createWriteStream(path, { flags: "wx", mode: 0o600 }));
    else await pipeline(store.get(uri, { maxBytes: opts.expectedSize }), sizeCap(opts.expectedSize, uri), tap.stage, createWriteStream(path, { flags: "wx", mode: 0o600 }));
    let got: { digest: Hex; size: number } | undefined;
    try {
      got = tap.digest();
    } catch {
      got = undefined; // a "merkle" blob that is not a v2 stream has no root
    }
    if (got?.digest !== expected.toLowerCase()) throw new BlobIntegrityError(uri, expected, got?.digest, scheme);
    return {
      path,
      scheme,
      digest: got.digest,
      size: got.size,
      open: () => createReadStream(path, { highWaterMark: 1024 * 1024 }),
      remove: () => rm(path, { force: true }),
    };
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  }
}
