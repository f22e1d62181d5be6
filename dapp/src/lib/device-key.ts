/**
 * ADAPTER — a device's encryption key pair derived from a wallet signature (DESIGN §1: "same
 * wallet + chain + device id ⇒ same key, so no extra secret is stored").
 *
 * sdk/crypto/wallet-key.ts is being written for exactly this; until it lands the dapp uses the
 * derivation below behind {@link DeviceKeyDeriver}. When it lands, make {@link deviceKeys}
 * delegate to it — keys derived here would then change, so a user re-registers once.
 *
 * Derivation: the wallet signs an EIP-712 `DeviceKey { statement, account, deviceId }` in the
 * domain ("Sealshare Device Key", "1", chainId, ledger). Wallets sign deterministically
 * (RFC 6979), so the same wallet gets the same signature again. The private key is
 * HKDF-SHA256(ikm = signature, salt = "sealshare/device-key/v1", info = deviceId), 48 bytes,
 * reduced mod (n − 1), plus 1 (FIPS 186-5 A.2.1: no bias, never zero).
 *
 * The private key lives in memory only, unless the user ticks "remember on this device"
 * (then in localStorage, and the page says so).
 */
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { getAddress, getBytes, id, SigningKey, toBeHex, type Signer, type TypedDataDomain } from "ethers";

export interface DeviceKeyPair {
  privateKey: Uint8Array; // 32 bytes
  publicKey: Uint8Array; // 33-byte compressed secp256k1 point, what the ledger stores
}

export interface DeviceKeyRequest {
  chainId: bigint;
  ledger: string;
  /** bytes32 device id as registered on chain. */
  deviceId: string;
}

export interface DeviceKeyDeriver {
  derive(signer: Signer, req: DeviceKeyRequest): Promise<DeviceKeyPair>;
}

/** The device id for a human label, e.g. "laptop" → keccak256("laptop"). */
export const deviceIdOf = (label: string): string => id(label.trim());

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const STATEMENT = "Derive my Sealshare encryption key for this device. This is not a transaction and costs nothing. Sign this only on the Sealshare app.";

export const DEVICE_KEY_TYPES = {
  DeviceKey: [
    { name: "statement", type: "string" },
    { name: "account", type: "address" },
    { name: "deviceId", type: "bytes32" },
  ],
};

export function deviceKeyDomain(chainId: bigint, ledger: string): TypedDataDomain {
  return { name: "Sealshare Device Key", version: "1", chainId, verifyingContract: getAddress(ledger) };
}

/** The key pair for a signature (exported for tests that hold the wallet's key). */
export function keyPairFromSignature(signature: string, deviceId: string): DeviceKeyPair {
  const okm = hkdf(sha256, getBytes(signature), new TextEncoder().encode("sealshare/device-key/v1"), getBytes(deviceId), 48);
  let x = 0n;
  for (const b of okm) x = (x << 8n) | BigInt(b);
  const scalar = (x % (N - 1n)) + 1n;
  const privateKey = getBytes(toBeHex(scalar, 32));
  okm.fill(0);
  return { privateKey, publicKey: getBytes(SigningKey.computePublicKey(privateKey, true)) };
}

export const deviceKeys: DeviceKeyDeriver = {
  async derive(signer, req) {
    const account = await signer.getAddress();
    const signature = await signer.signTypedData(deviceKeyDomain(req.chainId, req.ledger), DEVICE_KEY_TYPES, {
      statement: STATEMENT,
      account,
      deviceId: req.deviceId,
    });
    return keyPairFromSignature(signature, req.deviceId);
  },
};

export { STATEMENT as DEVICE_KEY_STATEMENT };
