/**
 * Data keys and the per-stream chunk key.
 *
 * The data-encryption key (DEK) is what the owner wraps for a requester and commits to on chain.
 * Chunks are not encrypted with the DEK directly: each stream derives its own AES key with
 * HKDF-SHA256(ikm = DEK, salt = header.fileId). This is the construction Tink uses for
 * AES-GCM-HKDF streaming, and it is why reusing a DEK for two files is not a disaster: two streams
 * share a chunk key only if their random 16-byte file ids collide, so nonces never repeat under
 * one key, and a chunk moved between files fails authentication.
 */
import { CHUNK_KEY_INFO } from "./chunk-format.js";
import { bufferSource, randomBytes, subtle } from "./webcrypto.js";

export { CHUNK_KEY_INFO };

export const DATA_KEY_LENGTH = 32;

/** Returns a fresh random 32-byte data-encryption key. Use one per file. */
export function generateDataKey(): Uint8Array {
  return randomBytes(DATA_KEY_LENGTH);
}

/** Throws a RangeError unless `key` is 32 bytes; the message never echoes the key. */
export function assertDataKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.byteLength !== DATA_KEY_LENGTH) {
    throw new RangeError(`data key must be ${DATA_KEY_LENGTH} bytes`);
  }
}

/**
 * Derives the non-extractable AES-256-GCM key for one stream. WebCrypto is used rather than
 * createCipheriv so the same calls work in browsers and so, in Node, chunk operations run on
 * libuv's thread pool in parallel with hashing and I/O on the main thread.
 */
export async function deriveChunkKey(dek: Uint8Array, fileId: Uint8Array): Promise<CryptoKey> {
  assertDataKey(dek);
  const ikm = await subtle().importKey("raw", bufferSource(dek), "HKDF", false, ["deriveKey"]);
  return subtle().deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: bufferSource(fileId), info: bufferSource(CHUNK_KEY_INFO) },
    ikm,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}
