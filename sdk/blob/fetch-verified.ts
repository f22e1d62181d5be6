/**
 * Fetches a blob from an untrusted store and hands it over only once its SHA-256 matches the
 * expected value (normally the ciphertext hash registered on chain).
 *
 * The bytes are copied to a private temporary file while being hashed and the copy is what the
 * caller gets. Hashing the store's file in place and then reading it again would leave a window
 * in which the store's copy could change between the check and the use.
 *
 * @example
 * const blob = await fetchVerified(store, record.uri, record.ciphertextSha256);
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
  readonly sha256: Hex;
  readonly size: number;
  /** Streams the verified copy. */
  open(): Readable;
  /** Deletes the verified copy. Safe to call twice. */
  remove(): Promise<void>;
}

/**
 * Copies blob `uri` out of `store`, checking it hashes to `expectedSha256`. Throws
 * BlobIntegrityError on mismatch (and leaves no file behind), BlobNotFoundError if absent,
 * BlobSizeError when the blob is longer than `expectedSize`.
 */
export async function fetchVerified(store: BlobStore, uri: string, expectedSha256: Hex, opts: FetchVerifiedOptions = {}): Promise<VerifiedBlob> {
  if (!isBytes32Hex(expectedSha256)) throw new TypeError("expectedSha256 must be 0x-prefixed 32-byte hex");
  const path = join(opts.dir ?? tmpdir(), `sealshare-${randomBytes(8).toString("hex")}.blob`);
  const tap = createHashingTap();
  try {
    if (opts.expectedSize === undefined) await pipeline(store.get(uri), tap.stage, createWriteStream(path, { flags: "wx", mode: 0o600 }));
    else await pipeline(store.get(uri, { maxBytes: opts.expectedSize }), sizeCap(opts.expectedSize, uri), tap.stage, createWriteStream(path, { flags: "wx", mode: 0o600 }));
    const { sha256, size } = tap.digest();
    if (sha256 !== expectedSha256.toLowerCase()) throw new BlobIntegrityError(uri, expectedSha256, sha256);
    return {
      path,
      sha256,
      size,
      open: () => createReadStream(path, { highWaterMark: 1024 * 1024 }),
      remove: () => rm(path, { force: true }),
    };
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  }
}
