/**
 * The release worker's ECIES wrap: eciesjs 0.5's default format byte for byte (the layout is
 * described in sdk/crypto/ecies-fast.ts: E ‖ nonce ‖ tag ‖ AES-256-GCM(DEK), key =
 * HKDF-SHA256(E ‖ S), E and S uncompressed), with the two curve multiplications — the ephemeral
 * E = e·G and the shared point S = e·P — done by libsecp256k1 (../keys/secp256k1.ts; its
 * ecmult_gen and ECDH, constant time in e): ~0.1 ms of CPU against ~1–2 ms for OpenSSL's
 * generic prime-curve code that sdk/crypto/ecies-fast.ts uses (secp256k1 is not one of
 * OpenSSL's optimised curves), with no per-recipient cache or table to warm up. AES-GCM and
 * HKDF stay in node:crypto. Where the native binary does not load, @noble/curves does the
 * multiplications (as slow as before, same bytes).
 *
 * test/service/crypto-fast.test.ts opens its output with eciesjs `decrypt` and with unwrapKeyFast.
 */
import { createCipheriv, hkdfSync, randomBytes } from "node:crypto";
import { SealshareError } from "../../sdk/errors.js";
import { BACKEND, ecdhPoint, isPoint, isPrivate, publicFromScalar, type Secp256k1Backend } from "../keys/secp256k1.js";

const EMPTY = Buffer.alloc(0);

/** True for a 33-byte compressed secp256k1 point (the ledger's device-key encoding). */
export function isCompressedPoint(publicKey: Uint8Array): boolean {
  return publicKey.length === 33 && (publicKey[0] === 2 || publicKey[0] === 3) && isPoint(publicKey);
}

/** Wraps `dataKey` to `publicKey` (33 or 65 bytes) in eciesjs's default format. */
export function wrapReleaseKey(publicKey: Uint8Array, dataKey: Uint8Array, backend: Secp256k1Backend = BACKEND): Uint8Array {
  if (!isPoint(publicKey, backend)) throw new SealshareError("INVALID_PUBLIC_KEY", "encryption key is not a point on secp256k1");
  let e: Buffer;
  do e = randomBytes(32);
  while (!isPrivate(e));
  let ephemeral: Uint8Array;
  let shared: Uint8Array;
  try {
    ephemeral = publicFromScalar(e, backend);
    shared = ecdhPoint(publicKey, e, backend);
  } finally {
    e.fill(0);
  }
  const key = Buffer.from(hkdfSync("sha256", Buffer.concat([ephemeral, shared]), EMPTY, EMPTY, 32));
  shared.fill(0);
  const nonce = randomBytes(16);
  const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: 16 });
  const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  const out = Buffer.concat([ephemeral, nonce, cipher.getAuthTag(), body]);
  key.fill(0);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
