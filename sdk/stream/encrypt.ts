/**
 * Encrypts a byte stream into Sealshare stream format v2 (docs/FORMAT.md) with constant memory,
 * reporting the ciphertext's Merkle root (its content commitment) and sizes from the same pass. Node front end
 * over the platform-neutral pass in encrypt-core.ts (the browser one is web/encrypt.ts).
 *
 * @example
 * const { ciphertext, result } = encryptStream(createReadStream("statement.pdf"), dek);
 * await pipeline(ciphertext, createWriteStream("statement.pdf.sealed"));
 * const { merkleRoot, size } = await result;
 */
import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import type { ByteSource } from "./byte-reader.js";
import { encryptChunks, newStreamHeader, type EncryptOptions } from "./encrypt-core.js";
import type { StreamHeader } from "./header.js";
import { assertDataKey } from "./keys.js";
import { summarizedReadable } from "./summarized-readable.js";
import type { StreamSummary } from "./summary.js";

export type { EncryptOptions };

export interface EncryptedStream {
  /** Ciphertext bytes: header, then one segment per chunk. */
  readonly ciphertext: Readable;
  /** Resolves after the last ciphertext byte has been read; see SummarizedReadable.result. */
  readonly result: Promise<StreamSummary>;
  /** The header written first; its fileId identifies this encryption. */
  readonly header: StreamHeader;
}

/**
 * Encrypts `plaintext` under the 32-byte data key `key`. Argument errors (key length, chunk size)
 * throw synchronously; source errors surface on the Readable and reject `result`.
 */
export function encryptStream(plaintext: ByteSource, key: Uint8Array, opts: EncryptOptions = {}): EncryptedStream {
  assertDataKey(key);
  const header = newStreamHeader(opts);
  // Copy the key so a caller zeroing or reusing their buffer mid-stream cannot change it.
  const dek = Uint8Array.from(key);
  const { readable, result } = summarizedReadable(() => encryptChunks(plaintext, dek, header, () => createHash("sha256"), opts.onProgress));
  return { ciphertext: readable, result, header };
}
