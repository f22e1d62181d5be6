/**
 * The facts about a ciphertext that go on chain, computed in the same pass that writes or reads
 * it: the SHA-256 of every ciphertext byte (content address and on-chain commitment), the Merkle
 * root of the chunk digests (range verification), and the sizes.
 *
 * Platform-neutral. The whole-stream SHA-256 is injected, because the best incremental SHA-256
 * differs by platform: Node passes node:crypto's `createHash("sha256")` (native, SHA-NI), the
 * browser implementation passes `@noble/hashes` `sha256.create()` (WebCrypto cannot hash
 * incrementally). Per-segment digests use WebCrypto on both.
 */
import { toHex, type Hex } from "./hex.js";
import { MerkleAccumulator } from "./merkle.js";
import { bufferSource, subtle } from "./webcrypto.js";

/** What encryptStream/decryptStream (and the file helpers) report about a ciphertext. */
export interface StreamSummary {
  readonly ciphertextSha256: Hex; // SHA-256 of the whole ciphertext, header included
  readonly merkleRoot: Hex; // Merkle root over SHA-256 of each segment (merkle.ts)
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
 * SHA-256 of one segment. In Node, WebCrypto runs it on the thread pool, so it overlaps with
 * AES-GCM and with the whole-stream hash running on the main thread.
 */
export async function digestSegment(segment: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest("SHA-256", bufferSource(segment)));
}

/** Accumulates a {@link StreamSummary}; feed it the header, then each segment in order. */
export class StreamTally {
  readonly #sha256: IncrementalHash;
  readonly #merkle = new MerkleAccumulator();
  readonly #onProgress: ProgressCallback | undefined;
  #size = 0;
  #plaintextSize = 0;

  /** `sha256` must be a fresh incremental SHA-256; see the module comment. */
  constructor(
    readonly chunkSize: number,
    sha256: IncrementalHash,
    onProgress?: ProgressCallback,
  ) {
    this.#sha256 = sha256;
    this.#onProgress = onProgress;
  }

  addHeader(header: Uint8Array): void {
    this.#sha256.update(header);
    this.#size += header.byteLength;
  }

  /** Adds segment `i` (in order): its bytes, given whole or as consecutive parts, and its digest. */
  addSegment(segment: Uint8Array | readonly Uint8Array[], segmentDigest: Uint8Array, plaintextLength: number): void {
    let length = 0;
    for (const part of isPartList(segment) ? segment : [segment]) {
      this.#sha256.update(part);
      length += part.byteLength;
    }
    this.#merkle.push(segmentDigest);
    this.#size += length;
    this.#plaintextSize += plaintextLength;
    this.#onProgress?.({ plaintextBytes: this.#plaintextSize, ciphertextBytes: this.#size });
  }

  summary(): StreamSummary {
    return {
      ciphertextSha256: toHex(this.#sha256.digest()),
      merkleRoot: this.#merkle.root(),
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
