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
 * Platform-neutral: WebCrypto in Node and in browsers alike (webcrypto.ts). The nonce, AAD and
 * key derivation are chunk-format.ts', shared with the node:crypto cipher (chunk-node.ts).
 */
import { chunkAad, chunkNonce } from "./chunk-format.js";
import { deriveChunkKey } from "./keys.js";
import { bufferSource, subtle } from "./webcrypto.js";
import type { StreamHeader } from "./header.js";

export { chunkNonce, MAX_CHUNK_INDEX } from "./chunk-format.js";

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
    additionalData: bufferSource(chunkAad(header.bytes)),
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
