/**
 * The blob store contract. Stores hold ciphertext only; they are untrusted for integrity, which is
 * why readers go through fetchVerified against the Merkle root registered on chain (uri.ts).
 */
import type { Readable } from "node:stream";
import type { Hex } from "../stream/hex.js";
import type { BlobScheme } from "./uri.js";

/** What to store: a file path, or bytes as a Readable / (async) iterable of chunks. */
export type BlobSource = string | Readable | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

export interface BlobPutResult {
  readonly uri: string; // blob://merkle/<hex> for a v2 stream, else blob://sha256/<hex>; see uri.ts
  readonly scheme: BlobScheme;
  /** The digest the URI names: the stream's Merkle root (merkle), or the bytes' SHA-256 (sha256). */
  readonly digest: Hex;
  readonly size: number; // stored bytes
  /**
   * True when this put added the blob, false when the same bytes were already stored (undefined:
   * the store cannot tell). Only a blob a caller added is the caller's to remove again.
   */
  readonly created?: boolean;
}

export interface BlobGetOptions {
  /** Read no more than this many bytes: a longer blob errors with BlobSizeError. */
  readonly maxBytes?: number;
}

export interface BlobStore {
  /**
   * Stores the bytes and returns their content address. Idempotent: storing the same bytes again
   * returns the same URI. A blob becomes visible only once completely written.
   */
  put(source: BlobSource): Promise<BlobPutResult>;
  /**
   * Streams the blob's bytes. Errors with BlobNotFoundError if absent. Does not verify the hash;
   * with `maxBytes` (the size registered on chain) a store that has more bytes stops reading at
   * that size and errors with BlobSizeError.
   */
  get(uri: string, opts?: BlobGetOptions): Readable;
  /** Whether the store holds the blob. */
  has(uri: string): Promise<boolean>;
  /** Local file path of the blob, for stores that keep blobs on the local filesystem. */
  path?(uri: string): string;
  /**
   * Deletes the blob (no error if absent). For stores that can: used to take back a blob whose
   * registration the ledger refused (sdk/actions/orphan-blob.ts), never for a registered one.
   */
  remove?(uri: string): Promise<void>;
}
