/**
 * Publishes (or rotates) the acting account's encryption public key for a device. Requests name
 * the device; the custodian wraps data keys to the key published for it.
 *
 * @example
 * ```ts
 * const device = generateEncryptionKeyPair();
 * const { keyId } = await publishEncryptionKey(insurerCtx, { device: "insurer/laptop-1", publicKey: device.publicKey });
 * ```
 */
import { getBytes, hexlify, type BytesLike } from "ethers";
import { assertValidPublicKey } from "../crypto/ecies.js";
import { eventIn, sendTx, toDeviceId, txResult, writer, type SealshareContext, type TxResult } from "./context.js";

export interface PublishEncryptionKeyParams {
  /** Device label (hashed) or 0x bytes32 device id. */
  device: string;
  /** 33-byte compressed secp256k1 point. Checked on the curve before sending. */
  publicKey: BytesLike;
}

export interface PublishEncryptionKeyResult extends TxResult {
  deviceId: string;
  keyId: number;
  /** The key this one supersedes, 0 if none. */
  previousKeyId: number;
  publicKey: string;
}

/** Errors: `INVALID_PUBLIC_KEY` (checked locally), `KeysInvalidPublicKey`. */
export async function publishEncryptionKey(ctx: SealshareContext, p: PublishEncryptionKeyParams): Promise<PublishEncryptionKeyResult> {
  const publicKey = getBytes(p.publicKey);
  assertValidPublicKey(publicKey);
  const deviceId = toDeviceId(p.device);
  const receipt = await sendTx(() => writer(ctx).publishEncryptionKey(deviceId, publicKey));
  const e = eventIn(ctx, receipt, "EncryptionKeyPublished");
  return { ...txResult(receipt), deviceId, keyId: Number(e.keyId), previousKeyId: Number(e.previousKeyId), publicKey: hexlify(publicKey) };
}
