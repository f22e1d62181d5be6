/**
 * The release worker's ECIES wrap of a data key to a requester's device key: eciesjs 0.5's
 * default format byte for byte, so every client opens it with eciesjs `decrypt` (the SDK's
 * `unwrapKey`, sdk/crypto/ecies.ts).
 *
 * The format (read from node_modules/eciesjs/dist: config.js, keys/PrivateKey.js `encapsulate`,
 * utils/hash.js `getSharedKey`, utils/symmetric.js):
 *
 *   wrapped   = E ‖ nonce ‖ tag ‖ ciphertext            (65 + 16 + 16 + 32 bytes for a data key)
 *   E         = e·G, the ephemeral public key, UNCOMPRESSED (65 bytes, 0x04 ‖ x ‖ y)
 *   S         = e·P, the shared point, UNCOMPRESSED (65 bytes); P is the recipient's key
 *   key       = HKDF-SHA256(ikm = E ‖ S, salt = none (HashLen zeros), info = empty, L = 32)
 *   nonce     = 16 random bytes;  tag = the 16-byte AES-256-GCM tag;  no associated data
 *
 * Why it is faster than eciesjs `encrypt` (`npm run bench`: `ecies.wrap.ops`, ≥ 5×). eciesjs 0.5
 * spends four scalar multiplications per `encrypt`, three of them in key constructors: `new
 * PrivateKey()` derives the ephemeral public key (e·G, needed), and `new PublicKey(receiver)`
 * converts the receiver's key to both encodings by multiplying it by the scalar 1 — twice, at
 * full cost — before `encapsulate` does the one multiplication that matters (e·P); all of it in
 * JavaScript BigInt arithmetic (@noble/curves 1.x). Here the two multiplications that matter —
 * E = e·G and S = e·P — are done by libsecp256k1 (../keys/secp256k1.ts; its ecmult_gen and
 * ECDH with a hash function that returns the whole point, both constant time in e): ~0.1 ms of
 * CPU, with no per-recipient cache or table to warm up (a wrap to a new device costs the same as
 * to a known one). AES-GCM and HKDF stay in node:crypto. Where the native binary does not load,
 * @noble/curves does the multiplications (slower, same bytes).
 *
 * test/service/ecies-interop.test.ts opens its output with eciesjs `decrypt` for many keys, both
 * key encodings and the degenerate keys, and checks it refuses what is not a point.
 */
import { createCipheriv, hkdfSync, randomBytes } from "node:crypto";
import { SealshareError } from "../../sdk/errors.js";
import { BACKEND, ecdhPoint, isPoint, isPrivate, publicFromScalar, type Secp256k1Backend } from "../keys/secp256k1.js";

const EMPTY = Buffer.alloc(0);

/** True for a 33-byte compressed secp256k1 point (the ledger's device-key encoding). */
export function isCompressedPoint(publicKey: Uint8Array): boolean {
  return publicKey.length === 33 && (publicKey[0] === 2 || publicKey[0] === 3) && isPoint(publicKey);
}

/** True for a SEC1 compressed (0x02/0x03, 33 bytes) or uncompressed (0x04, 65 bytes) encoding. */
function isStandardEncoding(publicKey: Uint8Array): boolean {
  return (publicKey.length === 33 && (publicKey[0] === 2 || publicKey[0] === 3)) || (publicKey.length === 65 && publicKey[0] === 4);
}

/**
 * Wraps `dataKey` to `publicKey` (33 or 65 bytes) in eciesjs's default format. Throws a
 * SealshareError INVALID_PUBLIC_KEY for anything else, including the "hybrid" 0x06/0x07
 * encoding libsecp256k1 would parse but eciesjs (and so the key's owner's tools) refuses.
 */
export function wrapReleaseKey(publicKey: Uint8Array, dataKey: Uint8Array, backend: Secp256k1Backend = BACKEND): Uint8Array {
  if (!isStandardEncoding(publicKey) || !isPoint(publicKey, backend)) throw new SealshareError("INVALID_PUBLIC_KEY", "encryption key is not a point on secp256k1");
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
