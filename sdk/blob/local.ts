/**
 * The default blob store: a local folder, content-addressed (uri.ts): a version-2 stream by its
 * Merkle root, anything else by its SHA-256.
 *
 * ```
 * <root>/merkle/<first 2 hex>/<64 hex>   one file per v2 stream, named by its Merkle root
 * <root>/sha256/<first 2 hex>/<64 hex>   one file per other blob, named by its SHA-256
 * <root>/tmp/                            puts in progress; never visible as blobs
 * ```
 *
 * A put streams into tmp/ while hashing, flushes, then renames into place — the name is only
 * known once the last byte is hashed, and the rename makes the blob appear complete or not at
 * all. Files left in tmp/ by a crash are garbage and may be deleted whenever no put is running.
 * The two-character fan-out keeps directories small when a store holds millions of blobs.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { access, mkdir, rm } from "node:fs/promises";
import { join, dirname } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { commitFile, tempPathIn } from "./atomic.js";
import { BlobNotFoundError } from "./errors.js";
import { createHashingTap } from "./hashing-tap.js";
import type { BlobPutResult, BlobSource, BlobStore } from "./types.js";
import { blobUri, parseBlobUri } from "./uri.js";

export class LocalBlobStore implements BlobStore {
  readonly #root: string;

  /** `rootDir` is created on first put if missing. */
  constructor(rootDir: string) {
    this.#root = rootDir;
  }

  async put(source: BlobSource): Promise<BlobPutResult> {
    const tempDir = join(this.#root, "tmp");
    await mkdir(tempDir, { recursive: true });
    const tempPath = tempPathIn(tempDir, "put");
    const tap = createHashingTap();
    try {
      const input = typeof source === "string" ? createReadStream(source, { highWaterMark: 1024 * 1024 }) : source;
      await pipeline(input, tap.stage, createWriteStream(tempPath, { flags: "wx" }));
      const { scheme, digest, size } = tap.digest();
      const uri = blobUri(digest, scheme);
      const finalPath = this.path(uri);
      const created = !(await this.has(uri));
      if (!created) {
        await rm(tempPath, { force: true }); // same bytes are already stored
      } else {
        await mkdir(dirname(finalPath), { recursive: true });
        await commitFile(tempPath, finalPath);
      }
      return { uri, scheme, digest, size, created };
    } catch (error) {
      await rm(tempPath, { force: true });
      throw error;
    }
  }

  get(uri: string): Readable {
    const path = this.path(uri); // throws BlobUriError synchronously for a malformed URI
    return Readable.from(readBlob(path, uri), { objectMode: false });
  }

  async has(uri: string): Promise<boolean> {
    try {
      await access(this.path(uri));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw error;
    }
  }

  /** Deletes the blob's file; its fan-out folder stays (other puts may be using it). */
  async remove(uri: string): Promise<void> {
    await rm(this.path(uri), { force: true });
  }

  path(uri: string): string {
    const { scheme, digest } = parseBlobUri(uri);
    const hex = digest.slice(2);
    return join(this.#root, scheme, hex.slice(0, 2), hex);
  }
}

async function* readBlob(path: string, uri: string): AsyncGenerator<Buffer, void, undefined> {
  try {
    yield* createReadStream(path, { highWaterMark: 1024 * 1024 });
  } catch (error) {
    // Callers should not need to know the store is a folder to recognise a missing blob.
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new BlobNotFoundError(uri);
    throw error;
  }
}
