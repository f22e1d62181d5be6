/**
 * The one place the stream code reaches WebCrypto. `globalThis.crypto` is node:crypto's
 * `webcrypto` in Node ≥ 19 and `window.crypto` (or `self.crypto` in a worker) in browsers, so
 * every module that goes through here runs unchanged on both; none of them imports `node:*`.
 */

/** WebCrypto's subtle interface (AES-GCM, HKDF, SHA-256). */
export function subtle(): SubtleCrypto {
  return globalThis.crypto.subtle;
}

/** `n` bytes from the platform CSPRNG. */
export function randomBytes(n: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}

/**
 * TypeScript's DOM typings want ArrayBuffer-backed views for WebCrypto inputs, while bytes in
 * this SDK are typed `Uint8Array` (which could in principle sit on a SharedArrayBuffer). The
 * stream code never creates shared buffers, so this only narrows the type.
 */
export function bufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes as Uint8Array<ArrayBuffer>;
}
