/**
 * Browser front end of stream encryption: Sealshare stream format v1 (docs/FORMAT.md) over WHATWG
 * streams and WebCrypto, byte-identical to the Node implementation (sdk/stream/encrypt.ts), which
 * shares the same pass (encrypt-core.ts). The whole-ciphertext SHA-256 is computed incrementally
 * with @noble/hashes (WebCrypto has no incremental hash), the Merkle root in the same pass.
 * No `node:*` imports: bundles for browsers as is (Vite, esbuild).
 *
 * @example
 * const file = input.files[0];
 * const { ciphertext, result } = encryptStream(file, dek, { onProgress: (p) => bar.value = p.plaintextBytes / file.size });
 * await ciphertext.pipeTo(uploadSink);
 * const { merkleRoot, size } = await result; // what to register on chain
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { encryptChunks, newStreamHeader, type EncryptOptions } from "../encrypt-core.js";
import type { StreamHeader } from "../header.js";
import { assertDataKey } from "../keys.js";
import type { StreamSummary } from "../summary.js";
import { summarizedWebStream, toByteSource, type WebByteSource } from "./streams.js";

export type { EncryptOptions };

export interface WebEncryptedStream {
  /** Ciphertext bytes: header, then one segment per chunk. */
  readonly ciphertext: ReadableStream<Uint8Array>;
  /** Resolves after the last ciphertext byte has been read; rejects like the stream errors. */
  readonly result: Promise<StreamSummary>;
  /** The header written first; its fileId identifies this encryption. */
  readonly header: StreamHeader;
}

/**
 * Encrypts `plaintext` (a ReadableStream, Blob/File, bytes or iterable) under the 32-byte data key
 * `key`. Argument errors throw synchronously; source errors error the stream and reject `result`.
 */
export function encryptStream(plaintext: WebByteSource, key: Uint8Array, opts: EncryptOptions = {}): WebEncryptedStream {
  assertDataKey(key);
  const header = newStreamHeader(opts);
  const dek = Uint8Array.from(key); // a caller zeroing their buffer mid-stream cannot change it
  const { stream, result } = summarizedWebStream(() => encryptChunks(toByteSource(plaintext), dek, header, () => sha256.create(), opts.onProgress));
  return { ciphertext: stream, result, header };
}
