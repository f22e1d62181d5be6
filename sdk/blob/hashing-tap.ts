/**
 * A pass-through stage for stream.pipeline that hashes and counts bytes as they flow to disk, so
 * storing or fetching a blob reads it once, not once to copy and again to hash. The digest is the
 * one that names the blob (content-hash.ts): given a scheme (fetching a named blob), or picked
 * from the bytes (storing them).
 */
import type { Hex } from "../stream/hex.js";
import { contentHash, detectingContentHash, type ContentHash } from "./content-hash.js";
import type { BlobScheme } from "./uri.js";

export interface HashingTap {
  /** Use as a middle stage of stream.pipeline. */
  readonly stage: (source: AsyncIterable<unknown> | Iterable<unknown>) => AsyncGenerator<Uint8Array, void, undefined>;
  /**
   * Scheme, digest and byte count of everything that passed; call once, after the pipeline
   * finished. For "merkle", throws StreamFormatError if the bytes are not a v2 stream.
   */
  readonly digest: () => { scheme: BlobScheme; digest: Hex; size: number };
}

/** A tap hashing with `scheme`, or with the scheme the bytes call for when it is omitted. */
export function createHashingTap(scheme?: BlobScheme): HashingTap {
  const detecting = scheme === undefined ? detectingContentHash() : undefined;
  const hash: ContentHash = detecting ?? contentHash(scheme!);
  let size = 0;
  return {
    async *stage(source) {
      for await (const piece of source) {
        if (!(piece instanceof Uint8Array)) throw new TypeError("blob source yielded a non-Uint8Array value");
        hash.update(piece);
        size += piece.byteLength;
        yield piece;
      }
    },
    digest: () => {
      const digest = hash.digest();
      return { scheme: detecting ? detecting.scheme() : scheme!, digest, size };
    },
  };
}
