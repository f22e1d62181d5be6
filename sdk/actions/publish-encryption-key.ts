/**
 * Publishes (or rotates) the acting account's encryption public key for a device. Requests name
 * the device; the custodian wraps data keys to the key published for it.
 *
 * The ledger accepts a key only with proof that the publisher holds its private key (DESIGN §3):
 * an EIP-712 `KeyPossession(owner, deviceId, publicKey)` signature made with the encryption
 * key's own private key in the ledger's domain (read from chain, `eip712Domain()`), plus the
 * point's y coordinate (sdk/crypto/key-possession.ts). So the action takes the key pair; the
 * private key signs the proof here and is never sent.
 *
 * @example
 * ```ts
 * const keyPair = generateEncryptionKeyPair();
 * const { keyId } = await publishEncryptionKey(insurerCtx, { device: "insurer/laptop-1", keyPair });
 * ```
 */
import { hexlify } from "ethers";
import { assertValidPublicKey, type EncryptionKeyPair } from "../crypto/ecies.js";
import { keyPossessionProof } from "../crypto/key-possession.js";
import { ledgerDomain } from "../eip712.js";
import { SealshareError } from "../errors.js";
import { eventIn, requireSigner, sendTx, toDeviceId, txResult, writer, type SealshareContext, type TxResult } from "./context.js";

export interface PublishEncryptionKeyParams {
  /** Device label (hashed) or 0x bytes32 device id. */
  device: string;
  /**
   * The device's key pair: `publicKey` (33-byte compressed secp256k1 point, checked on the curve
   * before sending) is published; `privateKey` only signs the proof of possession, locally.
   */
  keyPair: EncryptionKeyPair;
}

export interface PublishEncryptionKeyResult extends TxResult {
  deviceId: string;
  keyId: number;
  /** The key this one supersedes, 0 if none. */
  previousKeyId: number;
  publicKey: string;
}

/**
 * Errors: `INVALID_PUBLIC_KEY` (checked locally), `KEY_PAIR_MISMATCH` (the public key is not the
 * private key's), `KeysInvalidPublicKey`, `KeysNoProofOfPossession`.
 */
export async function publishEncryptionKey(ctx: SealshareContext, p: PublishEncryptionKeyParams): Promise<PublishEncryptionKeyResult> {
  const publicKey = Uint8Array.from(p.keyPair.publicKey);
  assertValidPublicKey(publicKey);
  const deviceId = toDeviceId(p.device);
  const owner = await requireSigner(ctx).getAddress();
  const proof = keyPossessionProof({ privateKey: p.keyPair.privateKey, owner, deviceId, domain: await ledgerDomain(ctx.ledger) });
  if (hexlify(proof.publicKey) !== hexlify(publicKey)) {
    throw new SealshareError("KEY_PAIR_MISMATCH", "the public key does not belong to the private key given with it", { hint: "publish the key pair written by `keys generate` (or generateEncryptionKeyPair) as a whole" });
  }
  const receipt = await sendTx(() => writer(ctx).publishEncryptionKey(deviceId, proof.publicKey, proof.publicKeyY, proof.signature));
  const e = eventIn(ctx, receipt, "EncryptionKeyPublished");
  return { ...txResult(receipt), deviceId, keyId: Number(e.keyId), previousKeyId: Number(e.previousKeyId), publicKey: hexlify(publicKey) };
}
