/**
 * Sealing and opening one chunk with node:crypto — the chunk cipher of the file passes
 * (file-jobs.ts, on worker threads or inline). Byte for byte the construction of chunk.ts (the
 * WebCrypto cipher of the streaming passes and browsers): both take the nonce, the AAD and the
 * key label from chunk-format.ts.
 *
 * node:crypto rather than WebCrypto here because the file passes run synchronously on their own
 * threads, reusing buffers (no promise and no copy per chunk).
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync } from "node:crypto";
import { CHUNK_KEY_INFO, CHUNK_KEY_LENGTH, chunkAad, chunkNonceOf, leafPrefix } from "./chunk-format.js";
import { TAG_LENGTH } from "./header.js";
import { assertDataKey } from "./keys.js";

/** The chunk key as bytes: the same HKDF as keys.ts' deriveChunkKey. */
export function chunkKeyBytes(dek: Uint8Array, fileId: Uint8Array): Uint8Array {
  assertDataKey(dek);
  return new Uint8Array(hkdfSync("sha256", dek, fileId, CHUNK_KEY_INFO, CHUNK_KEY_LENGTH));
}

/** Chunk `index` of the stream with header `headerBytes`, sealed: its ciphertext and its tag. */
export function sealChunk(key: Uint8Array, headerBytes: Uint8Array, index: number, last: boolean, plaintext: Uint8Array): { ciphertext: Buffer; tag: Buffer } {
  const cipher = createCipheriv("aes-256-gcm", key, chunkNonceOf(headerBytes, index, last), { authTagLength: TAG_LENGTH });
  cipher.setAAD(chunkAad(headerBytes));
  const ciphertext = cipher.update(plaintext);
  cipher.final(); // GCM: no further output
  return { ciphertext, tag: cipher.getAuthTag() };
}

/**
 * The plaintext of `segment` (ciphertext || tag) as chunk `index`, or throws if it does not
 * authenticate with this final flag. The plaintext is returned only after `final()` verified the tag.
 */
export function openChunk(key: Uint8Array, headerBytes: Uint8Array, index: number, last: boolean, segment: Uint8Array): Buffer {
  const decipher = createDecipheriv("aes-256-gcm", key, chunkNonceOf(headerBytes, index, last), { authTagLength: TAG_LENGTH });
  decipher.setAAD(chunkAad(headerBytes));
  decipher.setAuthTag(segment.subarray(segment.byteLength - TAG_LENGTH));
  const plaintext = decipher.update(segment.subarray(0, segment.byteLength - TAG_LENGTH));
  decipher.final(); // throws unless the tag verifies
  return plaintext;
}

/**
 * Segment `index`'s Merkle leaf: SHA-256 of its bytes, given whole or as ciphertext and tag, with
 * the header in front for chunk 0 of a version-2 stream (chunk-format.ts, leafPrefix).
 */
export function segmentLeaf(headerBytes: Uint8Array, index: number, ciphertext: Uint8Array, tag?: Uint8Array): Buffer {
  const hash = createHash("sha256");
  const prefix = leafPrefix(headerBytes, index);
  if (prefix) hash.update(prefix);
  hash.update(ciphertext);
  if (tag) hash.update(tag);
  return hash.digest();
}
