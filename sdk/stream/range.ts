/**
 * Random access: verify and decrypt plaintext bytes `[start, end)` of a stored stream without the
 * rest of it (docs/FORMAT.md §9, §15). Reads the header and only the segments holding the range,
 * checks each segment against the Merkle root registered on chain with an inclusion proof, then
 * opens it. Platform-neutral: the same code runs in Node and in browsers (web/index.ts).
 *
 * What is trusted: `size` and `merkleRoot` come from the chain; the key from the custodian
 * (checked against the key commitment). What is not: the store serving the bytes (`readAt`) and
 * whoever serves the proofs (`proof`) — a wrong segment or proof fails as MERKLE_MISMATCH, a wrong
 * header fails as AUTH_FAILED (the header is every chunk's AAD) — or, in version 2, as
 * MERKLE_MISMATCH when chunk 0 is read (its leaf covers the header) — short reads as TRUNCATED.
 *
 * @example
 * const bytes = await decryptRange({
 *   readAt: (offset, length) => store.readAt(record.storageURI, offset, length),
 *   key: dek, size: Number(record.size), merkleRoot: record.merkleRoot,
 *   proof: merkleProofSource(leaves), // or fetched from whoever holds the ciphertext
 *   start: 5_000_000, end: 5_000_100,
 * });
 */
import { isBytes } from "./byte-reader.js";
import { createChunkCipher, type ChunkCipher } from "./chunk.js";
import { StreamAuthError } from "./errors.js";
import { decodeHeader, HEADER_LENGTH, TAG_LENGTH } from "./header.js";
import type { Hex } from "./hex.js";
import { assertDataKey } from "./keys.js";
import { chunkCountOf, chunksForPlaintextRange, segmentLength, segmentRange } from "./layout.js";
import { merkleProof, verifyMerkleProof, type MerkleProof } from "./merkle.js";
import { OrderedWindow } from "./ordered-window.js";
import { digestSegment } from "./summary.js";

/** Reads `length` ciphertext bytes at `offset` (e.g. an HTTP Range request or a file read). */
export type ReadAt = (offset: number, length: number) => Promise<Uint8Array>;

/**
 * Supplies the inclusion proof of chunk `index` in a tree of `leafCount` leaves. Untrusted: the
 * proof is checked, and its own `index` / `leafCount` are ignored in favour of the verifier's.
 */
export type ProofSource = (index: number, leafCount: number) => MerkleProof | Promise<MerkleProof>;

export interface DecryptRangeParams {
  /** Reads the stored ciphertext. */
  readonly readAt: ReadAt;
  /** The 32-byte data key. */
  readonly key: Uint8Array;
  /** Registered ciphertext size in bytes (on chain); fixes the chunk count. */
  readonly size: number;
  /** Registered Merkle root (on chain). */
  readonly merkleRoot: Hex;
  /** Inclusion proofs for the chunks read. */
  readonly proof: ProofSource;
  /** First plaintext byte wanted. */
  readonly start: number;
  /** One past the last plaintext byte wanted; at most the plaintext size. */
  readonly end: number;
}

/** Plaintext bytes in a well-formed stream of `size` bytes with `chunkSize`-byte chunks. */
export function plaintextSizeOf(chunkSize: number, size: number): number {
  const chunkCount = chunkCountOf(chunkSize, size);
  segmentRange(chunkSize, chunkCount - 1, size); // throws if the last segment cannot hold a tag
  return size - HEADER_LENGTH - chunkCount * TAG_LENGTH;
}

/** A ProofSource for whoever holds every chunk digest (e.g. from chunkDigestsOf). */
export function merkleProofSource(leaves: readonly (Uint8Array | Hex)[]): ProofSource {
  return (index) => merkleProof(leaves, index);
}

/**
 * Yields the plaintext of `[start, end)` piece by piece (one piece per chunk), each verified
 * against the Merkle root and authenticated before it is yielded. At most a few chunks are in
 * memory at once, so a large range streams with constant memory.
 */
export async function* decryptRangeChunks(params: DecryptRangeParams): AsyncGenerator<Uint8Array, void, undefined> {
  const { readAt, key, size, merkleRoot, proof, start, end } = params;
  assertDataKey(key);
  if (!Number.isSafeInteger(size) || size < HEADER_LENGTH + TAG_LENGTH) throw new RangeError(`registered size ${size} cannot hold a stream`);

  const header = decodeHeader(await readExactly(readAt, 0, HEADER_LENGTH, 0));
  const { chunkSize } = header;
  let plaintextSize: number;
  try {
    plaintextSize = plaintextSizeOf(chunkSize, size);
  } catch (cause) {
    // The registered size fixes the layout; a header whose chunk size does not fit it is not the
    // registered stream's.
    throw new StreamAuthError("MERKLE_MISMATCH", `the header's chunk size ${chunkSize} does not fit the registered size ${size}`, { chunkIndex: 0, cause });
  }
  if (!(Number.isSafeInteger(start) && Number.isSafeInteger(end) && 0 <= start && start <= end && end <= plaintextSize)) {
    throw new RangeError(`plaintext range [${start}, ${end}) is not inside [0, ${plaintextSize})`);
  }
  if (start === end) return;

  const leafCount = chunkCountOf(chunkSize, size);
  const { first, last } = chunksForPlaintextRange(chunkSize, start, end);
  const cipher = await createChunkCipher(Uint8Array.from(key), header);
  const window = new OrderedWindow<Uint8Array>();
  const open = (index: number) => openVerified({ readAt, cipher, headerBytes: header.bytes, chunkSize, size, merkleRoot, proof, leafCount }, index);

  let next = first;
  while (next <= last && !window.full) window.push(open(next++));
  for (let index = first; index <= last; index++) {
    const plaintext = await window.take();
    if (next <= last) window.push(open(next++));
    const from = index === first ? start - index * chunkSize : 0;
    const to = index === last ? end - index * chunkSize : plaintext.byteLength;
    yield plaintext.subarray(from, to);
  }
}

/** Collects {@link decryptRangeChunks} into one array. For large ranges, stream the chunks. */
export async function decryptRange(params: DecryptRangeParams): Promise<Uint8Array> {
  const out = new Uint8Array(params.end - params.start > 0 ? params.end - params.start : 0);
  let at = 0;
  for await (const piece of decryptRangeChunks(params)) {
    out.set(piece, at);
    at += piece.byteLength;
  }
  return out;
}

interface RangeContext {
  readonly readAt: ReadAt;
  readonly cipher: ChunkCipher;
  readonly headerBytes: Uint8Array;
  readonly chunkSize: number;
  readonly size: number;
  readonly merkleRoot: Hex;
  readonly proof: ProofSource;
  readonly leafCount: number;
}

async function openVerified(ctx: RangeContext, index: number): Promise<Uint8Array> {
  const { start, end } = segmentRange(ctx.chunkSize, index, ctx.size);
  const segment = await readExactly(ctx.readAt, start, end - start, index);
  const [digest, supplied] = await Promise.all([digestSegment(ctx.headerBytes, index, segment), ctx.proof(index, ctx.leafCount)]);
  // The verifier's index and count, never the prover's: the root does not commit to the count.
  const checked: MerkleProof = { index, leafCount: ctx.leafCount, siblings: supplied.siblings };
  if (!verifyMerkleProof(ctx.merkleRoot, digest, checked)) {
    throw new StreamAuthError("MERKLE_MISMATCH", `chunk ${index} is not the registered stream's chunk ${index} (segment or proof does not match the Merkle root)`, { chunkIndex: index });
  }
  try {
    return await ctx.cipher.open(index, index === ctx.leafCount - 1, segment);
  } catch (cause) {
    // The segment is the registered one, so either the key or the header is wrong.
    throw new StreamAuthError("AUTH_FAILED", `chunk ${index} failed authentication (wrong key, or a header that is not the stream's)`, { chunkIndex: index, cause });
  }
}

async function readExactly(readAt: ReadAt, offset: number, length: number, chunkIndex: number): Promise<Uint8Array> {
  const bytes = await readAt(offset, length);
  if (!isBytes(bytes) || bytes.byteLength !== length) {
    throw new StreamAuthError("TRUNCATED", `read of ${length} bytes at offset ${offset} returned ${isBytes(bytes) ? bytes.byteLength : "no"} bytes`, { chunkIndex });
  }
  return bytes;
}
