/**
 * Proof that the publisher of an encryption key holds its private key (DESIGN §3: "an encryption
 * key is published only with proof that the publisher holds its private key").
 *
 * The proof is an EIP-712 `KeyPossession(owner, deviceId, publicKey)` signature in the ledger's
 * domain, made with the encryption key's own private key, plus the point's y coordinate. The
 * contract checks that (x, y) is on secp256k1 with the parity the compressed key names, derives
 * the key's Ethereum-style address keccak256(x ‖ y)[12:], and requires the signature to recover
 * to it. Bound to chain and ledger (domain), owner and device (fields): a proof cannot be copied
 * to another owner, device, chain or deployment.
 */
import { SigningKey, TypedDataEncoder, getAddress, getBytes, hexlify, zeroPadValue, type TypedDataDomain } from "ethers";
import { KEY_POSSESSION_TYPES } from "../eip712.js";

export interface KeyPossessionProof {
  /** The 33-byte compressed public key being published. */
  publicKey: Uint8Array;
  /** The point's y coordinate, 0x-prefixed 32-byte hex. */
  publicKeyY: string;
  /** 65-byte ECDSA signature (r ‖ s ‖ v) by the encryption key's private key. */
  signature: string;
}

export interface KeyPossessionParams {
  /** The encryption key's private key (32 bytes). Used to sign, never kept or sent. */
  privateKey: Uint8Array;
  /** The account that will call `publishEncryptionKey`. */
  owner: string;
  /** bytes32 device id, as the ledger stores it. */
  deviceId: string;
  /** The ledger's EIP-712 domain (read from chain: `eip712Domain()`). */
  domain: TypedDataDomain;
}

/** Signs the proof of possession for publishing `privateKey`'s public key as `owner`'s `deviceId`. */
export function keyPossessionProof(p: KeyPossessionParams): KeyPossessionProof {
  const signer = new SigningKey(hexlify(p.privateKey));
  const compressed = SigningKey.computePublicKey(signer.publicKey, true);
  const uncompressed = signer.publicKey; // 0x04 ‖ x ‖ y
  const publicKeyY = zeroPadValue(`0x${uncompressed.slice(2 + 2 + 64)}`, 32);
  const message = { owner: getAddress(p.owner), deviceId: p.deviceId, publicKey: compressed };
  const digest = TypedDataEncoder.hash(p.domain, KEY_POSSESSION_TYPES, message);
  const signature = signer.sign(digest).serialized;
  return { publicKey: getBytes(compressed), publicKeyY, signature };
}
