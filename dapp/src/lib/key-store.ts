/**
 * Where the dapp keeps device keys derived from wallet signatures (sdk/crypto/wallet-key.ts):
 * in memory for this tab (re-derived from the wallet after a reload), and in localStorage only
 * when the user ticked "remember on this device". Nothing else the dapp handles (data keys,
 * signatures, plaintext) is ever stored.
 */
import { getBytes, hexlify, SigningKey } from "ethers";
import type { EncryptionKeyPair as DeviceKeyPair } from "../../../sdk/crypto/ecies.js";

const PREFIX = "sealshare:remembered-device-key:";
const memory = new Map<string, DeviceKeyPair>();

const slot = (chainId: number, ledger: string, account: string, deviceId: string) =>
  [chainId, ledger.toLowerCase(), account.toLowerCase(), deviceId.toLowerCase()].join(":");

function storage(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined; // storage disabled
  }
}

export function getDeviceKey(chainId: number, ledger: string, account: string, deviceId: string): DeviceKeyPair | undefined {
  const k = slot(chainId, ledger, account, deviceId);
  const inMemory = memory.get(k);
  if (inMemory) return inMemory;
  const saved = storage()?.getItem(PREFIX + k);
  if (!saved) return undefined;
  try {
    const privateKey = getBytes(saved);
    const pair = { privateKey, publicKey: getBytes(SigningKey.computePublicKey(privateKey, true)) };
    memory.set(k, pair);
    return pair;
  } catch {
    return undefined;
  }
}

export function putDeviceKey(chainId: number, ledger: string, account: string, deviceId: string, pair: DeviceKeyPair, remember: boolean): void {
  const k = slot(chainId, ledger, account, deviceId);
  memory.set(k, pair);
  if (remember) storage()?.setItem(PREFIX + k, hexlify(pair.privateKey));
  else storage()?.removeItem(PREFIX + k);
}

export function isRemembered(chainId: number, ledger: string, account: string, deviceId: string): boolean {
  return storage()?.getItem(PREFIX + slot(chainId, ledger, account, deviceId)) != null;
}

export function forgetDeviceKey(chainId: number, ledger: string, account: string, deviceId: string): void {
  const k = slot(chainId, ledger, account, deviceId);
  memory.delete(k);
  storage()?.removeItem(PREFIX + k);
}

const NAME_PREFIX = "sealshare:device-name:";

/**
 * The device name this wallet last used on this ledger (not a secret: the key it names is
 * re-derived from the wallet), so a reload derives the same key without retyping it.
 */
export function deviceNameOf(chainId: number, ledger: string, account: string): string | undefined {
  return storage()?.getItem(NAME_PREFIX + [chainId, ledger.toLowerCase(), account.toLowerCase()].join(":")) ?? undefined;
}

export function rememberDeviceName(chainId: number, ledger: string, account: string, name: string): void {
  storage()?.setItem(NAME_PREFIX + [chainId, ledger.toLowerCase(), account.toLowerCase()].join(":"), name);
}
