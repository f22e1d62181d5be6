/**
 * The stream header: the first {@link HEADER_LENGTH} bytes of every Sealshare stream.
 *
 * ```
 * offset  length  field
 *      0       7  magic        "SEALSHR" (53 45 41 4C 53 48 52)
 *      7       1  version      0x02 (this SDK writes 2; it still reads 1)
 *      8       4  chunkSize    uint32 big-endian, plaintext bytes per chunk
 *     12      16  fileId       random; HKDF salt for this stream's chunk key
 *     28       7  noncePrefix  random; first 7 bytes of every chunk nonce
 * ```
 *
 * The whole header is the AAD of every chunk, so changing any header byte makes every chunk fail
 * authentication (docs/FORMAT.md §2).
 *
 * Platform-neutral (plain Uint8Array and DataView, no Buffer), shared with sdk/stream/web.
 */
import { StreamFormatError } from "./errors.js";

export const MAGIC: Uint8Array = new TextEncoder().encode("SEALSHR");
/** The version this SDK writes. Version 2 is version 1 without the whole-stream SHA-256: its
 * Merkle root (merkle.ts), whose first leaf covers the header, is the content commitment. */
export const FORMAT_VERSION = 2;
/** Every version this SDK reads (docs/FORMAT.md §16: version 1 stays readable). */
export const READABLE_VERSIONS: readonly number[] = [1, 2];
export const FILE_ID_LENGTH = 16;
export const NONCE_PREFIX_LENGTH = 7;
export const HEADER_LENGTH = MAGIC.length + 1 + 4 + FILE_ID_LENGTH + NONCE_PREFIX_LENGTH; // 35
/** AES-GCM tag length; every chunk on the wire is its ciphertext followed by this tag. */
export const TAG_LENGTH = 16;

export const DEFAULT_CHUNK_SIZE = 1024 * 1024;
/** Below this the 16-byte tag dominates; a decoder refuses it so a forged header cannot force
 * one AES-GCM call per byte. */
export const MIN_CHUNK_SIZE = 16;
/** A decoder buffers a few chunks before it can authenticate anything, and the chunk size comes
 * from the unauthenticated header, so it is capped to bound the memory an attacker can demand. */
export const MAX_CHUNK_SIZE = 16 * 1024 * 1024;

/** Where the version byte sits in the header. */
export const VERSION_OFFSET = MAGIC.length;
const CHUNK_SIZE_OFFSET = MAGIC.length + 1;
const FILE_ID_OFFSET = CHUNK_SIZE_OFFSET + 4;
/** Where the nonce prefix sits in the header: bytes NONCE_PREFIX_OFFSET … HEADER_LENGTH − 1. */
export const NONCE_PREFIX_OFFSET = FILE_ID_OFFSET + FILE_ID_LENGTH;

/** Decoded header fields. `bytes` is the exact encoding, used as AAD. */
export interface StreamHeader {
  readonly version: number;
  readonly chunkSize: number; // plaintext bytes per chunk; the last chunk may be shorter
  readonly fileId: Uint8Array; // 16 bytes
  readonly noncePrefix: Uint8Array; // 7 bytes
  readonly bytes: Uint8Array; // HEADER_LENGTH bytes
}

/** Throws a RangeError unless `chunkSize` is an integer in [MIN_CHUNK_SIZE, MAX_CHUNK_SIZE]. */
export function assertChunkSize(chunkSize: number): void {
  if (!Number.isInteger(chunkSize) || chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
    throw new RangeError(`chunkSize must be an integer in [${MIN_CHUNK_SIZE}, ${MAX_CHUNK_SIZE}], got ${chunkSize}`);
  }
}

/** Encodes a header; version {@link FORMAT_VERSION} unless another readable one is asked for (tests of v1). */
export function encodeHeader(fields: { chunkSize: number; fileId: Uint8Array; noncePrefix: Uint8Array; version?: number }): StreamHeader {
  const version = fields.version ?? FORMAT_VERSION;
  if (!READABLE_VERSIONS.includes(version)) throw new RangeError(`stream version ${version} is not one of ${READABLE_VERSIONS.join(", ")}`);
  assertChunkSize(fields.chunkSize);
  if (fields.fileId.byteLength !== FILE_ID_LENGTH) throw new RangeError(`fileId must be ${FILE_ID_LENGTH} bytes`);
  if (fields.noncePrefix.byteLength !== NONCE_PREFIX_LENGTH) {
    throw new RangeError(`noncePrefix must be ${NONCE_PREFIX_LENGTH} bytes`);
  }
  const bytes = new Uint8Array(HEADER_LENGTH);
  bytes.set(MAGIC, 0);
  bytes[MAGIC.length] = version;
  new DataView(bytes.buffer).setUint32(CHUNK_SIZE_OFFSET, fields.chunkSize, false);
  bytes.set(fields.fileId, FILE_ID_OFFSET);
  bytes.set(fields.noncePrefix, NONCE_PREFIX_OFFSET);
  return decodeHeader(bytes);
}

/**
 * Parses and validates a header. Only structure is checked here; authenticity is established
 * when the first chunk opens, because the header is every chunk's AAD.
 */
export function decodeHeader(bytes: Uint8Array): StreamHeader {
  if (bytes.byteLength < HEADER_LENGTH) {
    throw new StreamFormatError("BAD_HEADER", `stream ended inside the header (${bytes.byteLength} of ${HEADER_LENGTH} bytes)`);
  }
  if (!MAGIC.every((byte, i) => bytes[i] === byte)) {
    throw new StreamFormatError("BAD_HEADER", "magic bytes are not \"SEALSHR\"; this is not a Sealshare stream");
  }
  const version = bytes[MAGIC.length]!;
  if (!READABLE_VERSIONS.includes(version)) {
    throw new StreamFormatError("UNSUPPORTED_VERSION", `stream version ${version} is not supported (this reader knows ${READABLE_VERSIONS.join(" and ")})`);
  }
  const chunkSize = new DataView(bytes.buffer, bytes.byteOffset, HEADER_LENGTH).getUint32(CHUNK_SIZE_OFFSET, false);
  if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
    throw new StreamFormatError("BAD_HEADER", `chunk size ${chunkSize} is outside [${MIN_CHUNK_SIZE}, ${MAX_CHUNK_SIZE}]`);
  }
  const exact = bytes.subarray(0, HEADER_LENGTH);
  return {
    version,
    chunkSize,
    fileId: exact.subarray(FILE_ID_OFFSET, NONCE_PREFIX_OFFSET),
    noncePrefix: exact.subarray(NONCE_PREFIX_OFFSET, HEADER_LENGTH),
    bytes: exact,
  };
}
