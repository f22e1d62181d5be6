/**
 * The small JSON files the CLI reads and writes between commands:
 *
 * - **device key file** (`keys generate`): a device's ECIES key pair. Holds a private key:
 *   created owner-readable only (0600), never printed.
 * - **data key file** (`dataset register/encrypt --key-out`, `key fetch -o`): one dataset
 *   version's data key with the facts that bind it (ciphertext hash, key commitment). Secret,
 *   0600.
 * - **consent file** (`consent sign -o`): terms, signature and id; not secret.
 *
 * Existing files are not replaced unless `force` is set.
 */
import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { getBytes, hexlify } from "ethers";
import { keyPairFromPrivateKey } from "../../sdk/crypto/ecies.js";
import { SealshareError } from "../../sdk/errors.js";

async function writeSecretJson(path: string, data: unknown, force = false): Promise<void> {
  try {
    await writeFile(path, JSON.stringify(data, null, 2) + "\n", { mode: 0o600, flag: force ? "w" : "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") {
      throw new SealshareError("FILE_EXISTS", `${path} exists already`, { hint: "pass --force to replace it (the key in it is lost unless you keep a copy)" });
    }
    throw err;
  }
}

/**
 * Reads and parses a JSON file. A file that cannot be read is `FILE_NOT_FOUND` with the absolute
 * path in `details.path` (and `what` it is), which the CLI's error printing completes with the
 * option that named it.
 */
export async function readJsonFile(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new SealshareError("FILE_NOT_FOUND", `cannot read the ${what} ${resolve(path)}`, { cause, details: { path: resolve(path), what } });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new SealshareError("BAD_FILE", `the ${what} ${path} is not valid JSON`, { cause });
  }
}

// ─── device keys ─────────────────────────────────────────────────────────────────────────────

export interface DeviceKeyFile {
  type: "sealshare-device-key";
  device: string; // the label given, or the id
  deviceId: string; // bytes32
  publicKey: string; // 33-byte compressed, 0x hex
  privateKey: string; // 32 bytes, 0x hex — secret
  createdAt: string;
}

export async function writeDeviceKey(path: string, k: Omit<DeviceKeyFile, "type" | "createdAt">, force?: boolean): Promise<void> {
  await writeSecretJson(path, { type: "sealshare-device-key", ...k, createdAt: new Date().toISOString() }, force);
}

export async function readDeviceKey(path: string): Promise<{ device: string; deviceId: string; publicKey: Uint8Array; privateKey: Uint8Array }> {
  const f = (await readJsonFile(path, "device key file")) as Partial<DeviceKeyFile>;
  if (f?.type !== "sealshare-device-key" || typeof f.privateKey !== "string" || typeof f.deviceId !== "string") {
    throw new SealshareError("BAD_DEVICE_KEY_FILE", `${path} is not a Sealshare device key file`, { hint: "create one with `sealshare keys generate`" });
  }
  let pair;
  try {
    pair = keyPairFromPrivateKey(getBytes(f.privateKey));
  } catch (cause) {
    throw new SealshareError("BAD_DEVICE_KEY_FILE", `${path} holds an invalid private key`, { cause });
  }
  if (f.publicKey && hexlify(pair.publicKey) !== f.publicKey.toLowerCase()) {
    throw new SealshareError("BAD_DEVICE_KEY_FILE", `${path}: the public key does not belong to the private key`);
  }
  return { device: f.device ?? f.deviceId, deviceId: f.deviceId, publicKey: pair.publicKey, privateKey: pair.privateKey };
}

// ─── data keys ───────────────────────────────────────────────────────────────────────────────

export interface DataKeyFile {
  type: "sealshare-data-key";
  datasetId?: string; // absent for a file encrypted but not registered yet
  version?: number;
  dek: string; // 32 bytes, 0x hex — secret
  /** The ciphertext's Merkle root (stream format v2: its content commitment). */
  merkleRoot: string;
  /** The version's v2 key commitment (absent before registration: it names the dataset id and version). */
  keyCommitment?: string;
  format?: string;
  ciphertext?: string; // path of the ciphertext file, when written by `dataset encrypt`
}

export async function writeDataKey(path: string, k: Omit<DataKeyFile, "type" | "dek"> & { dek: Uint8Array }, force?: boolean): Promise<void> {
  await writeSecretJson(path, { type: "sealshare-data-key", ...k, dek: hexlify(k.dek) }, force);
}

export async function readDataKey(path: string): Promise<Omit<DataKeyFile, "dek"> & { dek: Uint8Array }> {
  const f = (await readJsonFile(path, "data key file")) as Partial<DataKeyFile>;
  if (f?.type !== "sealshare-data-key" || typeof f.dek !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(f.dek)) {
    throw new SealshareError("BAD_DATA_KEY_FILE", `${path} is not a Sealshare data key file`, { hint: "use the file written by `dataset register --key-out`, `dataset encrypt` or `key fetch -o`" });
  }
  return { ...(f as DataKeyFile), dek: getBytes(f.dek) };
}

// ─── consents ────────────────────────────────────────────────────────────────────────────────

export async function writePublicJson(path: string, data: unknown, force?: boolean): Promise<void> {
  try {
    await writeFile(path, JSON.stringify(data, null, 2) + "\n", { flag: force ? "w" : "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") throw new SealshareError("FILE_EXISTS", `${path} exists already`, { hint: "pass --force to replace it" });
    throw err;
  }
}
