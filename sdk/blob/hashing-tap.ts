/**
 * A pass-through stage for stream.pipeline that hashes and counts bytes as they flow to disk, so
 * storing or fetching a blob reads it once, not once to copy and again to hash.
 */
import { createHash } from "node:crypto";
import { toHex, type Hex } from "../stream/hex.js";

export interface HashingTap {
  /** Use as a middle stage of stream.pipeline. */
  readonly stage: (source: AsyncIterable<unknown> | Iterable<unknown>) => AsyncGenerator<Uint8Array, void, undefined>;
  /** SHA-256 and byte count of everything that passed; call once, after the pipeline finished. */
  readonly digest: () => { sha256: Hex; size: number };
}

export function createHashingTap(): HashingTap {
  const hash = createHash("sha256");
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
    digest: () => ({ sha256: toHex(hash.digest()), size }),
  };
}
