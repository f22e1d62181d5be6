/**
 * ECIES wrapping of data keys (eciesjs's default format: secp256k1, uncompressed ephemeral key,
 * HKDF-SHA256, AES-256-GCM with a 16-byte nonce). Keys travel as 33-byte compressed points,
 * which is what the ledger stores.
 */
import { encrypt, decrypt, PrivateKey, PublicKey } from "eciesjs";
import { SealshareError } from "../errors.js";

export interface EncryptionKeyPair {
  privateKey: Uint8Array; // 32 bytes; never logged, never sent
  publicKey: Uint8Array; // 33-byte compressed secp256k1 point
}

export function generateEncryptionKeyPair(): EncryptionKeyPair {
  const sk = new PrivateKey();
  return { privateKey: sk.secret, publicKey: sk.publicKey.toBytes(true) };
}

export function keyPairFromPrivateKey(privateKey: Uint8Array): EncryptionKeyPair {
  const sk = new PrivateKey(privateKey);
  return { privateKey: sk.secret, publicKey: sk.publicKey.toBytes(true) };
}

/** Throws unless `publicKey` is a valid compressed secp256k1 point (on the curve, not infinity). */
export function assertValidPublicKey(publicKey: Uint8Array): void {
  if (publicKey.length !== 33 || (publicKey[0] !== 2 && publicKey[0] !== 3)) {
    throw new SealshareError("INVALID_PUBLIC_KEY", "encryption key must be a 33-byte compressed secp256k1 point");
  }
  try {
    new PublicKey(publicKey);
  } catch (cause) {
    throw new SealshareError("INVALID_PUBLIC_KEY", "encryption key is not a point on secp256k1", { cause });
  }
}

/** Wraps `dataKey` to `publicKey` (compressed or uncompressed). */
export function wrapKey(publicKey: Uint8Array, dataKey: Uint8Array): Uint8Array {
  assertValidPublicKey(publicKey);
  return encrypt(publicKey, dataKey);
}

/** Unwraps a key wrapped by {@link wrapKey}. Throws a SealshareError on any failure. */
export function unwrapKey(privateKey: Uint8Array, wrapped: Uint8Array): Uint8Array {
  try {
    return decrypt(privateKey, wrapped);
  } catch (cause) {
    throw new SealshareError("UNWRAP_FAILED", "could not unwrap the data key with this device key", {
      hint: "check that you use the device key the request named",
      cause,
    });
  }
}
