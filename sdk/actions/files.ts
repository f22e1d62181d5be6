/**
 * File plumbing shared by the dataset actions: stream encryption and decryption with progress
 * reports, a blob store view that reports download progress, and the facts (hash, Merkle root,
 * size) of a ciphertext file encrypted earlier. Not an action itself.
 *
 * File to file goes through sdk/stream's encryptFile / decryptFile (the worker-thread path; the
 * output appears under its name only once it is complete and authenticated), their progress
 * reports turned into (done, total) bytes; into a blob store, encryptStream over a counting
 * source.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable, Transform } from "node:stream";
import type { BlobGetOptions, BlobStore } from "../blob/types.js";
import { chunkDigestsOf, decryptFile, encryptFile, encryptStream, hashFile, merkleRootOfLeaves, DEFAULT_CHUNK_SIZE, type StreamSummary } from "../stream/index.js";
import type { Hex } from "../stream/hex.js";

/** Called as bytes go by: `done` of `total` (total 0 when unknown). */
export type ProgressFn = (done: number, total: number) => void;

/** Reads `path` in chunk-sized pieces, reporting progress as it goes. */
async function* countingRead(path: string, total: number, onProgress?: ProgressFn): AsyncGenerator<Uint8Array> {
  let done = 0;
  for await (const piece of createReadStream(path, { highWaterMark: DEFAULT_CHUNK_SIZE }) as AsyncIterable<Buffer>) {
    done += piece.byteLength;
    onProgress?.(done, total);
    yield piece;
  }
}

/** encryptFile (the file-to-file path: chunks on a worker thread) with progress over the plaintext bytes read. */
export async function encryptFileWithProgress(inPath: string, outPath: string, dek: Uint8Array, onProgress?: ProgressFn): Promise<StreamSummary> {
  const total = (await stat(inPath)).size;
  onProgress?.(0, total);
  return encryptFile(inPath, outPath, dek, onProgress ? { onProgress: (p) => onProgress(p.plaintextBytes, total) } : {});
}

/**
 * Encrypts `inPath` straight into a blob store, in one pass (no temporary ciphertext file): the
 * store hashes what it writes and the encryptor reports the same hash, which is checked.
 */
export async function encryptToStore(inPath: string, store: BlobStore, dek: Uint8Array, onProgress?: ProgressFn): Promise<StreamSummary & { uri: string; created?: boolean }> {
  const total = (await stat(inPath)).size;
  onProgress?.(0, total);
  const { ciphertext, result } = encryptStream(countingRead(inPath, total, onProgress), dek);
  result.catch(() => undefined); // surfaced through put() or awaited below
  const stored = await store.put(ciphertext);
  const summary = await result;
  if (stored.digest !== summary.merkleRoot || stored.size !== summary.size) {
    throw new Error(`the blob store stored ${stored.size} bytes named ${stored.digest}, the encryptor wrote ${summary.size} bytes with Merkle root ${summary.merkleRoot}`);
  }
  return { ...summary, uri: stored.uri, created: stored.created };
}

/** decryptFile (the file-to-file path) with progress over the ciphertext bytes read. The plaintext is owner-readable only. */
export async function decryptFileWithProgress(inPath: string, outPath: string, dek: Uint8Array, onProgress?: ProgressFn): Promise<StreamSummary> {
  const total = (await stat(inPath)).size;
  onProgress?.(0, total);
  return decryptFile(inPath, outPath, dek, onProgress ? { onProgress: (p) => onProgress(p.ciphertextBytes, total) } : {});
}

/** A view of `store` whose reads report progress against `total` bytes. */
export function withDownloadProgress(store: BlobStore, total: number, onProgress?: ProgressFn): BlobStore {
  if (!onProgress) return store;
  return {
    put: (s) => store.put(s),
    has: (u) => store.has(u),
    get(uri: string, opts?: BlobGetOptions): Readable {
      let done = 0;
      onProgress(0, total);
      const tap = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          done += chunk.byteLength;
          onProgress(done, total);
          cb(null, chunk);
        },
      });
      const source = store.get(uri, opts);
      source.on("error", (e) => tap.destroy(e));
      return source.pipe(tap);
    },
  };
}

/** What goes on chain about a ciphertext file encrypted earlier (no key needed). */
export interface CiphertextFacts {
  merkleRoot: Hex;
  size: number;
  chunkCount: number;
}

export async function ciphertextFacts(path: string): Promise<CiphertextFacts> {
  const { leaves } = await chunkDigestsOf(createReadStream(path, { highWaterMark: DEFAULT_CHUNK_SIZE }));
  return {
    merkleRoot: merkleRootOfLeaves(leaves),
    size: (await stat(path)).size,
    chunkCount: leaves.length,
  };
}
