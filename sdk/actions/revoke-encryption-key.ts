/**
 * Revokes the acting account's live encryption key for a device. Grants whose request named
 * that key stop being served (`DeviceKeyChanged`).
 *
 * @example
 * ```ts
 * await revokeEncryptionKey(insurerCtx, { device: "insurer/laptop-1" });
 * ```
 */
import { eventIn, sendTx, toDeviceId, txResult, writer, type SealshareContext, type TxResult } from "./context.js";

export interface RevokeEncryptionKeyParams {
  device: string;
}

export interface RevokeEncryptionKeyResult extends TxResult {
  deviceId: string;
  keyId: number;
}

/** Errors: `KeysUnknownDevice`. */
export async function revokeEncryptionKey(ctx: SealshareContext, p: RevokeEncryptionKeyParams): Promise<RevokeEncryptionKeyResult> {
  const deviceId = toDeviceId(p.device);
  const receipt = await sendTx(() => writer(ctx).revokeEncryptionKey(deviceId));
  const e = eventIn(ctx, receipt, "EncryptionKeyRevoked");
  return { ...txResult(receipt), deviceId, keyId: Number(e.keyId) };
}
