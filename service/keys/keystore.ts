/**
 * The custodian's secrets at rest: one encrypted keystore file (SEALSHARE_KEYSTORE) opened with
 * a password from the environment (SEALSHARE_KEYSTORE_PASSWORD), instead of three raw keys in
 * the environment.
 *
 * Format (JSON, `format: "sealshare-keystore", version: 1`): the secrets — the signing key of
 * the CUSTODIAN_ROLE account, the ECIES key, the master key-encryption key (KEK) and, during a
 * rotation, the previous KEKs — as one JSON document encrypted with AES-256-GCM under a key
 * derived from the password by scrypt (node:crypto; N = 2^17, r = 8, p = 1 by default, a fresh
 * 32-byte salt per write). The KDF parameters, salt and nonce are in the file and bound in as
 * associated data, so none can be altered without failing authentication. No primitive is
 * hand-rolled: node:crypto's scrypt and AES-GCM do all the work.
 *
 * Files are written atomically (temporary file, fsync, rename) with mode 0600.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCb, type ScryptOptions } from "node:crypto";
import { open, readFile, rename, unlink } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import { getBytes, hexlify } from "ethers";
import { FatalError } from "../internal/errors.js";

export interface CustodianSecrets {
  custodianKey: string; // 0x hex, 32 bytes
  eciesKey: string; // 0x hex, 32 bytes
  masterKey: string; // 0x hex, 32 bytes: the current KEK
  /** KEKs being retired by a rotation in progress (keys sealed under them still open). */
  previousMasterKeys?: string[];
}

interface KeystoreFile {
  format: "sealshare-keystore";
  version: 1;
  kdf: { name: "scrypt"; N: number; r: number; p: number; salt: string };
  cipher: { name: "aes-256-gcm"; nonce: string };
  ciphertext: string;
  tag: string;
}

export interface KdfParams {
  N: number;
  r: number;
  p: number;
}

/** Production default; tests pass a smaller N to stay fast. */
export const DEFAULT_KDF: KdfParams = { N: 2 ** 17, r: 8, p: 1 };

function scrypt(password: string, salt: Uint8Array, p: KdfParams): Promise<Buffer> {
  const opts: ScryptOptions = { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r + 1024 * 1024 };
  return new Promise((resolve, reject) => scryptCb(password.normalize("NFKC"), salt, 32, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

const header = (f: Pick<KeystoreFile, "format" | "version" | "kdf" | "cipher">) =>
  Buffer.from(JSON.stringify({ format: f.format, version: f.version, kdf: f.kdf, cipher: f.cipher }), "utf8");

function checkSecrets(s: CustodianSecrets): void {
  for (const [name, v] of Object.entries({ custodianKey: s.custodianKey, eciesKey: s.eciesKey, masterKey: s.masterKey })) {
    if (!/^0x[0-9a-fA-F]{64}$/.test(v)) throw new FatalError(`keystore: ${name} must be 32 bytes of 0x hex`);
  }
  for (const v of s.previousMasterKeys ?? []) if (!/^0x[0-9a-fA-F]{64}$/.test(v)) throw new FatalError("keystore: previousMasterKeys must be 32-byte hex");
}

/** Encrypts `secrets` under `password` (the file's JSON text). */
export async function encryptKeystore(secrets: CustodianSecrets, password: string, kdf: KdfParams = DEFAULT_KDF): Promise<string> {
  checkSecrets(secrets);
  const salt = randomBytes(32);
  const nonce = randomBytes(12);
  const key = await scrypt(password, salt, kdf);
  const file: Omit<KeystoreFile, "ciphertext" | "tag"> = {
    format: "sealshare-keystore",
    version: 1,
    kdf: { name: "scrypt", N: kdf.N, r: kdf.r, p: kdf.p, salt: hexlify(salt) },
    cipher: { name: "aes-256-gcm", nonce: hexlify(nonce) },
  };
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  cipher.setAAD(header(file));
  const body = Buffer.concat([cipher.update(Buffer.from(JSON.stringify(secrets), "utf8")), cipher.final()]);
  key.fill(0);
  return JSON.stringify({ ...file, ciphertext: hexlify(body), tag: hexlify(cipher.getAuthTag()) }, null, 2) + "\n";
}

/** Decrypts a keystore's JSON text. A wrong password or an altered file fails the same way. */
export async function decryptKeystore(text: string, password: string): Promise<CustodianSecrets> {
  let f: KeystoreFile;
  try {
    f = JSON.parse(text) as KeystoreFile;
  } catch {
    throw new FatalError("the keystore is not JSON");
  }
  if (f.format !== "sealshare-keystore" || f.version !== 1 || f.kdf?.name !== "scrypt" || f.cipher?.name !== "aes-256-gcm") {
    throw new FatalError("the keystore's format is not sealshare-keystore v1 (scrypt, aes-256-gcm)");
  }
  if (!(f.kdf.N >= 2 ** 10 && f.kdf.N <= 2 ** 20 && f.kdf.r >= 1 && f.kdf.r <= 32 && f.kdf.p >= 1 && f.kdf.p <= 16)) {
    throw new FatalError("the keystore's scrypt parameters are out of range");
  }
  const key = await scrypt(password, getBytes(f.kdf.salt), f.kdf);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, getBytes(f.cipher.nonce));
    decipher.setAAD(header(f));
    decipher.setAuthTag(getBytes(f.tag));
    const plain = Buffer.concat([decipher.update(getBytes(f.ciphertext)), decipher.final()]);
    const secrets = JSON.parse(plain.toString("utf8")) as CustodianSecrets;
    plain.fill(0);
    checkSecrets(secrets);
    return secrets;
  } catch (err) {
    if (err instanceof FatalError) throw err;
    throw new FatalError("the keystore does not open with this password (wrong password, or the file was altered)");
  } finally {
    key.fill(0);
  }
}

export async function readKeystore(path: string, password: string): Promise<CustodianSecrets> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new FatalError(`cannot read the keystore ${path}: ${(err as NodeJS.ErrnoException).code ?? "error"}`);
  }
  return decryptKeystore(text, password);
}

/** Writes the keystore atomically: a temporary file beside it (0600, fsynced), then rename. */
export async function writeKeystore(path: string, secrets: CustodianSecrets, password: string, kdf: KdfParams = DEFAULT_KDF): Promise<void> {
  const text = await encryptKeystore(secrets, password, kdf);
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString("hex")}.tmp`);
  const fh = await open(tmp, "wx", 0o600);
  try {
    await fh.writeFile(text, "utf8");
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}
