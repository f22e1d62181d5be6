/**
 * The data-key commitment registered on chain with each record.
 *
 *   commitment = keccak256(abi.encodePacked(string "sealshare/dek-commitment/v1",
 *                                           bytes32 ciphertextSha256, bytes32 dek))
 *
 * Why it exists: AES-GCM is not key-committing — a malicious encryptor can build one ciphertext
 * that authenticates under two different keys and decrypts to two different plaintexts. Binding
 * the key to the ciphertext hash on chain means the custodian and the requester can each check
 * that the key being released is the one the owner registered for exactly these bytes. The
 * contract never evaluates it; the DEK is 32 random bytes, so the hash reveals nothing about it.
 */
import { solidityPackedKeccak256 } from "ethers";
import { bytesEqual, fromHex, isBytes32Hex, toHex, type Hex } from "./hex.js";
import { assertDataKey } from "./keys.js";

export const DEK_COMMITMENT_TAG = "sealshare/dek-commitment/v1";

/** Computes the commitment of `dek` to the ciphertext whose SHA-256 is `ciphertextSha256`. */
export function keyCommitment(dek: Uint8Array, ciphertextSha256: string): Hex {
  assertDataKey(dek);
  if (!isBytes32Hex(ciphertextSha256)) throw new TypeError("ciphertextSha256 must be 0x-prefixed 32-byte hex");
  return solidityPackedKeccak256(["string", "bytes32", "bytes32"], [DEK_COMMITMENT_TAG, ciphertextSha256, toHex(dek)]) as Hex;
}

/** True when `commitment` (as read from chain) commits `dek` to `ciphertextSha256`. */
export function verifyKeyCommitment(dek: Uint8Array, ciphertextSha256: string, commitment: string): boolean {
  if (!isBytes32Hex(commitment)) return false;
  // The commitment is public, so a plain comparison leaks nothing.
  return bytesEqual(fromHex(keyCommitment(dek, ciphertextSha256), 32), fromHex(commitment, 32));
}
