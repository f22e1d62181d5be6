/**
 * Sealing and opening one chunk — the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár,
 * "Online Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance", CRYPTO 2015).
 *
 * nonce_i = noncePrefix (7 bytes) || uint32be(i) || (0x01 if chunk i is the last, else 0x00)
 * AAD     = the 35 header bytes
 *
 * The index in the nonce makes a chunk authenticate only at its own position (reorder fails);
 * the final flag makes the last chunk distinguishable, so dropping chunks from the end or
 * appending after the end fails; the header as AAD binds the parameters and the file id.
 *
 * Platform-neutral: WebCrypto in Node and in browsers alike (webcrypto.ts).
 */
import { deriveChunkKey } from "./keys.js";
import { bufferSource, subtle } from "./webcrypto.js";
import type { StreamHeader } from "./header.js";

const NONCE_LENGTH = 12;
/** Largest index the 4-byte counter can hold; a stream has at most 2^32 chunks. */
export const MAX_CHUNK_INDEX = 0xffff_ffff;

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

/** Seals and opens the chunks of one stream; holds the derived key so it is derived once. */
export interface ChunkCipher {
  /** Returns the segment for chunk `index`: ciphertext || 16-byte tag. */
  seal(index: number, last: boolean, plaintext: Uint8Array): Promise<Uint8Array>;
  /**
   * Returns the plaintext of segment `index`, or rejects if it does not authenticate. WebCrypto
   * releases plaintext only after the tag verifies, so unauthenticated bytes never escape.
   */
  open(index: number, last: boolean, segment: Uint8Array): Promise<Uint8Array>;
}

/** Creates the chunk cipher for the stream described by `header`. */
export async function createChunkCipher(dek: Uint8Array, header: StreamHeader): Promise<ChunkCipher> {
  const key = await deriveChunkKey(dek, header.fileId);
  const params = (index: number, last: boolean): AesGcmParams => ({
    name: "AES-GCM",
    iv: bufferSource(chunkNonce(header.noncePrefix, index, last)),
    additionalData: bufferSource(header.bytes),
    tagLength: 128,
  });
  return {
    async seal(index, last, plaintext) {
      return new Uint8Array(await subtle().encrypt(params(index, last), key, bufferSource(plaintext)));
    },
    async open(index, last, segment) {
      return new Uint8Array(await subtle().decrypt(params(index, last), key, bufferSource(segment)));
    },
  };
}
