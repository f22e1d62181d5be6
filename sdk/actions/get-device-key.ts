/**
 * A device encryption key as the ledger holds it: by key id (what a request names), or the
 * current key of an owner's device. Browser-safe; the dapp's requester page shows whether the
 * key it derived is the registered one, and finds the device a request's key belongs to.
 *
 * @example
 * ```ts
 * const key = await getDeviceKey(ctx, { owner: insurer, device: "underwriting-laptop" });
 * if (key && key.publicKey === hexlify(myKey.publicKey)) console.log(`registered as key #${key.keyId}`);
 * ```
 */
import { readCall, toAddress, toDeviceId, type SealshareContext } from "./context.js";

export type GetDeviceKeyParams = { keyId: number } | { owner: string; device: string };

export interface DeviceKeyInfo {
  keyId: number;
  owner: string;
  /** bytes32 device id. */
  deviceId: string;
  /** 33-byte compressed secp256k1 key, lowercase 0x hex. */
  publicKey: string;
  /** Still the device's current key (not rotated or revoked). */
  live: boolean;
}

/** The key, or undefined when the id is unknown or the device has no key. Errors: `INVALID_ADDRESS`, `INVALID_DEVICE`. */
export async function getDeviceKey(ctx: SealshareContext, p: GetDeviceKeyParams): Promise<DeviceKeyInfo | undefined> {
  const keyId = "keyId" in p ? p.keyId : Number(await readCall(() => ctx.ledger.currentKeyId(toAddress(p.owner, "owner"), toDeviceId(p.device))));
  if (keyId === 0) return undefined;
  const k = await readCall(() => ctx.ledger.encryptionKey(keyId));
  if (k.owner === "0x0000000000000000000000000000000000000000") return undefined;
  return { keyId, owner: k.owner, deviceId: k.deviceId, publicKey: k.publicKey.toLowerCase(), live: k.live };
}
