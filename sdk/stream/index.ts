/**
 * Sealshare stream format v2 (v1 still read): chunked AES-256-GCM with a STREAM nonce, a Merkle
 * root over chunk digests that commits to every byte (the content commitment and blob address),
 * range verification and decryption, and the on-chain data-key commitment. Spec: docs/FORMAT.md. This is the Node entry point (node:stream Readables, files);
 * browsers import sdk/stream/web/index.ts, which shares the same code.
 */
export type { ByteSource } from "./byte-reader.js";
export { chunkNonce, MAX_CHUNK_INDEX } from "./chunk.js";
export { DEK_COMMITMENT_TAG, keyCommitment, verifyKeyCommitment, type KeyBinding } from "./commitment.js";
export { decryptStream, type DecryptedStream, type DecryptOptions } from "./decrypt.js";
export { hashFile, sha256OfStream } from "./digest.js";
export { encryptStream, type EncryptedStream, type EncryptOptions } from "./encrypt.js";
export { StreamAuthError, StreamError, StreamFormatError, type StreamErrorCode } from "./errors.js";
export { decryptFile, encryptFile, openReadAt, type FileReadAt } from "./files.js";
export {
  decodeHeader,
  DEFAULT_CHUNK_SIZE,
  FORMAT_VERSION,
  HEADER_LENGTH,
  READABLE_VERSIONS,
  MAX_CHUNK_SIZE,
  MIN_CHUNK_SIZE,
  TAG_LENGTH,
  type StreamHeader,
} from "./header.js";
export { fromHex, isBytes32Hex, toHex, type Hex } from "./hex.js";
export { DATA_KEY_LENGTH, generateDataKey } from "./keys.js";
export { chunkCountOf, chunksForPlaintextRange, segmentLength, segmentRange } from "./layout.js";
export { merkleProof, merkleRootOfLeaves, verifyMerkleProof, type MerkleProof } from "./merkle.js";
export {
  decryptRange,
  decryptRangeChunks,
  merkleProofSource,
  plaintextSizeOf,
  type DecryptRangeParams,
  type ProofSource,
  type ReadAt,
} from "./range.js";
export { StreamRootHasher } from "./root-hasher.js";
export { chunkDigestsOf } from "./segments.js";
export type { ProgressCallback, StreamProgress, StreamSummary } from "./summary.js";
