/**
 * Decrypts a Sealshare stream (docs/FORMAT.md) with constant memory, verifying every chunk before
 * releasing its plaintext. Node front end over the platform-neutral pass in decrypt-core.ts (the
 * browser one is web/decrypt.ts).
 *
 * Streaming means earlier chunks are released before later ones are checked: if the stream fails
 * at chunk 7, chunks 0–6 were authentic but the plaintext is incomplete. Treat output as
 * provisional until the stream ends without error — decryptFile does this for you by writing to a
 * temporary file that only replaces the destination on success.
 *
 * @example
 * const { plaintext, result } = decryptStream(createReadStream("statement.pdf.sealed"), dek);
 * await pipeline(plaintext, createWriteStream("statement.pdf.partial"));
 * await result; // same StreamSummary the encryptor reported
 */
import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import type { ByteSource } from "./byte-reader.js";
import { decryptChunks, type DecryptOptions } from "./decrypt-core.js";
import { assertDataKey } from "./keys.js";
import { summarizedReadable } from "./summarized-readable.js";
import type { StreamSummary } from "./summary.js";

export type { DecryptOptions };

export interface DecryptedStream {
  /**
   * Plaintext bytes. Errors with a StreamFormatError or StreamAuthError at the first chunk that
   * fails; no byte of that chunk or any later chunk is emitted.
   */
  readonly plaintext: Readable;
  /** Resolves after the last plaintext byte has been read; rejects with the same error. */
  readonly result: Promise<StreamSummary>;
}

/** Decrypts `ciphertext` with the 32-byte data key `key`. A wrong key length throws synchronously. */
export function decryptStream(ciphertext: ByteSource, key: Uint8Array, opts: DecryptOptions = {}): DecryptedStream {
  assertDataKey(key);
  const dek = Uint8Array.from(key);
  const { readable, result } = summarizedReadable(() => decryptChunks(ciphertext, dek, () => createHash("sha256"), opts.onProgress));
  return { plaintext: readable, result };
}
