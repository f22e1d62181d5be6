/**
 * The facts about a ciphertext that go on chain, computed in the same pass that writes or reads
 * it: the Merkle root of the chunk digests (the content commitment and blob address of a
 * version-2 stream, and what range reads verify against), and the sizes. For a version-1 stream
 * (read only) also the SHA-256 of every ciphertext byte, v1's content address.
 *
 * Platform-neutral. The whole-stream SHA-256 (v1 only) is injected, because the best incremental
 * SHA-256 differs by platform: Node passes node:crypto's `createHash("sha256")` (native,
 * SHA-NI), the browser implementation passes `@noble/hashes` `sha256.create()` (WebCrypto cannot
 * hash incrementally). Per-segment digests use WebCrypto on both.
 */
import { leafPrefix } from "./chunk-format.js";
import type { StreamHeader } from "./header.js";
import { toHex, type Hex } from "./hex.js";
import { MerkleAccumulator } from "./merkle.js";
import { bufferSource, subtle } from "./webcrypto.js";

/** What encryptStream/decryptStream (and the file helpers) report about a ciphertext. */
export interface StreamSummary {
  readonly version: number; // the stream format version, from the header
  readonly merkleRoot: Hex; // Merkle root over the chunk digests (merkle.ts): v2's content commitment
  /** SHA-256 of the whole ciphertext, header included: version-1 streams only (v1's address). */
  readonly ciphertextSha256?: Hex;
  readonly size: number; // ciphertext bytes, header included
  readonly plaintextSize: number; // plaintext bytes
  readonly chunkCount: number; // segments; at least 1
  readonly chunkSize: number; // plaintext bytes per full chunk, from the header
}

/** Bytes processed so far, reported after each chunk (both directions). */
export interface StreamProgress {
  readonly plaintextBytes: number; // plaintext bytes read (encrypting) or released (decrypting)
  readonly ciphertextBytes: number; // ciphertext bytes written or read, header included
}

/** Called after each chunk; keep it cheap (it runs on the stream's critical path). */
export type ProgressCallback = (progress: StreamProgress) => void;

/** An incremental SHA-256: node:crypto's Hash and @noble/hashes' `sha256.create()` both fit. */
export interface IncrementalHash {
  update(data: Uint8Array): unknown;
  digest(): Uint8Array;
}

/**
 * The Merkle leaf of segment `index` of the stream whose header is `headerBytes`: SHA-256 of the
 * segment, with the header in front for chunk 0 of a version-2 stream (chunk-format.ts,
 * leafPrefix). In Node, WebCrypto runs it on the thread pool, so it overlaps with AES-GCM.
 */
export async function digestSegment(headerBytes: Uint8Array, index: number, segment: Uint8Array): Promise<Uint8Array> {
  const prefix = leafPrefix(headerBytes, index);
  let input = segment;
  if (prefix) {
    input = new Uint8Array(prefix.byteLength + segment.byteLength);
    input.set(prefix, 0);
    input.set(segment, prefix.byteLength);
  }
  return new Uint8Array(await subtle().digest("SHA-256", bufferSource(input)));
}

/** Accumulates a {@link StreamSummary}: made with the header, then fed each segment in order. */
export class StreamTally {
  /** The whole-stream SHA-256: version 1 only. */
  readonly #sha256: IncrementalHash | undefined;
  readonly #merkle = new MerkleAccumulator();
  readonly #onProgress: ProgressCallback | undefined;
  readonly version: number;
  readonly chunkSize: number;
  #size: number;
  #plaintextSize = 0;

  /**
   * `newSha256` makes a fresh incremental SHA-256 (see the module comment); it is called only for
   * a version-1 stream, which needs the whole-stream hash.
   */
  constructor(header: StreamHeader, newSha256: () => IncrementalHash, onProgress?: ProgressCallback) {
    this.version = header.version;
    this.chunkSize = header.chunkSize;
    this.#sha256 = header.version === 1 ? newSha256() : undefined;
    this.#sha256?.update(header.bytes);
    this.#size = header.bytes.byteLength;
    this.#onProgress = onProgress;
  }

  /** Whether segments' bytes must be passed to addSegment (the v1 whole-stream hash reads them). */
  get hashesBytes(): boolean {
    return this.#sha256 !== undefined;
  }

  /**
   * Adds segment `i` (in order): its bytes, given whole or as consecutive parts, and its leaf
   * digest. The bytes are only read for version 1 (whole-stream hash); otherwise only their length.
   */
  addSegment(segment: Uint8Array | readonly Uint8Array[], segmentDigest: Uint8Array, plaintextLength: number): void {
    let length = 0;
    for (const part of isPartList(segment) ? segment : [segment]) {
      this.#sha256?.update(part);
      length += part.byteLength;
    }
    this.#merkle.push(segmentDigest);
    this.#size += length;
    this.#plaintextSize += plaintextLength;
    this.#onProgress?.({ plaintextBytes: this.#plaintextSize, ciphertextBytes: this.#size });
  }

  summary(): StreamSummary {
    return {
      version: this.version,
      merkleRoot: this.#merkle.root(),
      ...(this.#sha256 ? { ciphertextSha256: toHex(this.#sha256.digest()) } : {}),
      size: this.#size,
      plaintextSize: this.#plaintextSize,
      chunkCount: this.#merkle.leafCount,
      chunkSize: this.chunkSize,
    };
  }
}

function isPartList(segment: Uint8Array | readonly Uint8Array[]): segment is readonly Uint8Array[] {
  return Array.isArray(segment);
}
