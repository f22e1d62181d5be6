/**
 * Sealshare stream format v1 for browsers (docs/FORMAT.md §14): encryption and decryption over
 * WHATWG ReadableStream with WebCrypto, range verification and decryption, Merkle proofs and the
 * header codec. Same formats, errors and summaries as the Node entry point (sdk/stream/index.ts),
 * which it shares its code with; nothing here, or in what it imports, uses `node:*` or `Buffer`
 * (test/sdk/stream-web.test.ts bundles it for the browser platform and runs it without them).
 */
export type { ByteSource } from "../byte-reader.js";
export { chunkNonce, MAX_CHUNK_INDEX } from "../chunk.js";
export { DEK_COMMITMENT_TAG, keyCommitment, verifyKeyCommitment, type KeyBinding } from "../commitment.js";
export { decryptStream, type DecryptOptions, type WebDecryptedStream } from "./decrypt.js";
export { encryptStream, type EncryptOptions, type WebEncryptedStream } from "./encrypt.js";
export { StreamAuthError, StreamError, StreamFormatError, type StreamErrorCode } from "../errors.js";
export {
  decodeHeader,
  DEFAULT_CHUNK_SIZE,
  FORMAT_VERSION,
  HEADER_LENGTH,
  MAX_CHUNK_SIZE,
  MIN_CHUNK_SIZE,
  TAG_LENGTH,
  type StreamHeader,
} from "../header.js";
export { fromHex, isBytes32Hex, toHex, type Hex } from "../hex.js";
export { DATA_KEY_LENGTH, generateDataKey } from "../keys.js";
export { chunkCountOf, chunksForPlaintextRange, segmentLength, segmentRange } from "../layout.js";
export { merkleProof, merkleRootOfLeaves, verifyMerkleProof, type MerkleProof } from "../merkle.js";
export {
  decryptRange,
  decryptRangeChunks,
  merkleProofSource,
  plaintextSizeOf,
  type DecryptRangeParams,
  type ProofSource,
  type ReadAt,
} from "../range.js";
export { blobReadAt, httpReadAt, type HttpReadAtOptions } from "./read-at.js";
export { chunkDigestsOf } from "../segments.js";
export type { ProgressCallback, StreamProgress, StreamSummary } from "../summary.js";
export type { WebByteSource } from "./streams.js";
