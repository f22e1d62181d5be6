/**
 * Browser front end of stream decryption, sharing its pass (decrypt-core.ts) with the Node
 * implementation: every chunk is authenticated before its plaintext is enqueued, and failures
 * carry the same StreamFormatError / StreamAuthError codes. No `node:*` imports.
 *
 * As in Node, plaintext from earlier chunks is released before later chunks are checked: treat it
 * as provisional until the stream closes without error (e.g. build the download Blob only then).
 *
 * @example
 * const response = await fetch(blobUrl);
 * const { plaintext, result } = decryptStream(response.body!, dek);
 * const blob = await new Response(plaintext).blob(); // rejects if any chunk fails
 * const { merkleRoot } = await result;               // compare with the chain's value
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { decryptChunks, type DecryptOptions } from "../decrypt-core.js";
import { assertDataKey } from "../keys.js";
import type { StreamSummary } from "../summary.js";
import { summarizedWebStream, toByteSource, type WebByteSource } from "./streams.js";

export type { DecryptOptions };

export interface WebDecryptedStream {
  /** Plaintext bytes; errors at the first chunk that fails, with nothing of it enqueued. */
  readonly plaintext: ReadableStream<Uint8Array>;
  /** Resolves after the last plaintext byte has been read; rejects with the same error. */
  readonly result: Promise<StreamSummary>;
}

/** Decrypts `ciphertext` with the 32-byte data key `key`. A wrong key length throws synchronously. */
export function decryptStream(ciphertext: WebByteSource, key: Uint8Array, opts: DecryptOptions = {}): WebDecryptedStream {
  assertDataKey(key);
  const dek = Uint8Array.from(key);
  const { stream, result } = summarizedWebStream(() => decryptChunks(toByteSource(ciphertext), dek, () => sha256.create(), opts.onProgress));
  return { plaintext: stream, result };
}
