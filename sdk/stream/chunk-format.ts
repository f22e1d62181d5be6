/**
 * The chunk layout of the stream format as pure functions — the one definition both chunk
 * ciphers use: chunk.ts (WebCrypto: browsers, and Node's streaming passes) and chunk-node.ts
 * (node:crypto: the file passes, on worker threads or inline). Neither derives a nonce, an AAD or
 * a key label of its own.
 *
 * nonce_i = noncePrefix (7 bytes) || uint32be(i) || (0x01 if chunk i is the last, else 0x00)
 * AAD     = the 35 header bytes
 * key     = HKDF-SHA256(ikm = DEK, salt = fileId, info = CHUNK_KEY_INFO), 32 bytes (keys.ts)
 * segment = ciphertext || 16-byte tag
 * leaf_i  = SHA-256(segment_i); in version 2, leaf_0 = SHA-256(header || segment_0), so the
 *           Merkle root commits to every byte of the stream (docs/FORMAT.md §9)
 *
 * Platform-neutral: no `node:*`, no WebCrypto, no Buffer (docs/FORMAT.md §2–§5).
 */
import { HEADER_LENGTH, NONCE_PREFIX_OFFSET, VERSION_OFFSET } from "./header.js";

/** AES-GCM nonce bytes. */
export const NONCE_LENGTH = 12;
/** Largest index the 4-byte counter can hold; a stream has at most 2^32 chunks. */
export const MAX_CHUNK_INDEX = 0xffff_ffff;
/** Bytes of a chunk key (AES-256). */
export const CHUNK_KEY_LENGTH = 32;

/** HKDF `info`, so keys derived here can never collide with keys derived for another purpose. */
export const CHUNK_KEY_INFO: Uint8Array = new TextEncoder().encode("sealshare/stream/v1/chunk-key");

/** Builds the 12-byte nonce of chunk `index`. */
export function chunkNonce(noncePrefix: Uint8Array, index: number, last: boolean): Uint8Array {
  if (!Number.isInteger(index) || index < 0 || index > MAX_CHUNK_INDEX) {
    throw new RangeError(`chunk index ${index} does not fit the 32-bit counter`);
  }
  const nonce = new Uint8Array(NONCE_LENGTH);
  nonce.set(noncePrefix, 0);
  new DataView(nonce.buffer).setUint32(noncePrefix.byteLength, index, false);
  nonce[NONCE_LENGTH - 1] = last ? 1 : 0;
  return nonce;
}

/** The nonce of chunk `index` of the stream whose encoded header is `headerBytes`. */
export function chunkNonceOf(headerBytes: Uint8Array, index: number, last: boolean): Uint8Array {
  return chunkNonce(headerBytes.subarray(NONCE_PREFIX_OFFSET, HEADER_LENGTH), index, last);
}

/** The AAD of every chunk of a stream: its encoded header, unchanged. */
export function chunkAad(headerBytes: Uint8Array): Uint8Array {
  return headerBytes;
}

/**
 * The bytes hashed in front of segment `index` in its Merkle leaf: the whole header for chunk 0 of
 * a version-2 stream (so the root commits to the header too, and with it to every byte of the
 * stream), nothing otherwise (version 1, where the whole-stream SHA-256 covered the header).
 */
export function leafPrefix(headerBytes: Uint8Array, index: number): Uint8Array | undefined {
  return index === 0 && headerBytes[VERSION_OFFSET]! >= 2 ? headerBytes.subarray(0, HEADER_LENGTH) : undefined;
}
