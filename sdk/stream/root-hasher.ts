/**
 * The Merkle root of a version-2 stream computed from its bytes alone, fed in pieces of any size:
 * what a blob store, a download or anyone without the key uses to check or name a ciphertext
 * (docs/FORMAT.md §9, §10). One SHA-256 pass over the bytes, cut at the segment boundaries that
 * the header's chunk size fixes; the first leaf covers the header and segment 0.
 *
 * Platform-neutral: the SHA-256 is given (node:crypto's native one on Node, sdk/blob/content-hash.ts;
 * @noble/hashes in browsers, sdk/blob/web-fetch.ts), so the one layout rule serves both. Nothing
 * is decrypted or authenticated here: the root says which bytes these are, the key commitment and
 * AES-GCM say whether they decrypt.
 */
import { StreamFormatError } from "./errors.js";
import { decodeHeader, HEADER_LENGTH, TAG_LENGTH } from "./header.js";
import type { Hex } from "./hex.js";
import { segmentLength } from "./layout.js";
import { MerkleAccumulator } from "./merkle.js";

/** An incremental SHA-256: node:crypto's `createHash("sha256")` and @noble/hashes' `sha256.create()` both fit. */
export interface Sha256Hash {
  update(bytes: Uint8Array): unknown;
  digest(): Uint8Array;
}

export class StreamRootHasher {
  readonly #newHash: () => Sha256Hash;
  readonly #merkle = new MerkleAccumulator();
  readonly #head = new Uint8Array(HEADER_LENGTH);
  #headBytes = 0;
  #segment = 0; // full segment length, once the header is in
  #leaf: Sha256Hash | undefined; // the leaf being hashed
  #inLeaf = 0; // segment bytes in the current leaf
  #size = 0;

  constructor(newHash: () => Sha256Hash) {
    this.#newHash = newHash;
  }

  /** Bytes seen so far. */
  get size(): number {
    return this.#size;
  }

  update(bytes: Uint8Array): this {
    this.#size += bytes.byteLength;
    let at = 0;
    if (this.#headBytes < HEADER_LENGTH) {
      const take = Math.min(HEADER_LENGTH - this.#headBytes, bytes.byteLength);
      this.#head.set(bytes.subarray(0, take), this.#headBytes);
      this.#headBytes += take;
      at = take;
      if (this.#headBytes < HEADER_LENGTH) return this;
      const header = decodeHeader(this.#head);
      if (header.version < 2) throw new StreamFormatError("UNSUPPORTED_VERSION", "a version-1 stream has no Merkle root over its header; it is addressed by its SHA-256");
      this.#segment = segmentLength(header.chunkSize);
      this.#leaf = this.#newHash(); // leaf 0 covers the header
      this.#leaf.update(this.#head);
    }
    while (at < bytes.byteLength) {
      this.#leaf ??= this.#newHash();
      const take = Math.min(this.#segment - this.#inLeaf, bytes.byteLength - at);
      this.#leaf.update(bytes.subarray(at, at + take));
      this.#inLeaf += take;
      at += take;
      if (this.#inLeaf === this.#segment) this.#endLeaf();
    }
    return this;
  }

  /**
   * The root (0x hex). Throws StreamFormatError if the bytes are not laid out as a version-2
   * stream: shorter than a header, another version, no chunk, or a last chunk shorter than a tag.
   */
  digest(): Hex {
    if (this.#headBytes < HEADER_LENGTH) throw new StreamFormatError("BAD_HEADER", `${this.#size} bytes cannot hold a stream header`);
    if (this.#inLeaf > 0) {
      if (this.#inLeaf < TAG_LENGTH) throw new StreamFormatError("BAD_HEADER", "the last chunk is shorter than its tag: not a whole stream");
      this.#endLeaf();
    }
    if (this.#merkle.leafCount === 0) throw new StreamFormatError("BAD_HEADER", "the stream ends after its header: not a whole stream");
    return this.#merkle.root();
  }

  #endLeaf(): void {
    this.#merkle.push(this.#leaf!.digest());
    this.#leaf = undefined;
    this.#inLeaf = 0;
  }
}

/** Whether `bytes` (at least the first HEADER_LENGTH of a blob) start a version-2 stream header. */
export function startsVersion2Stream(bytes: Uint8Array): boolean {
  try {
    return bytes.byteLength >= HEADER_LENGTH && decodeHeader(bytes).version >= 2;
  } catch {
    return false;
  }
}
