/**
 * Data keys at rest: AES-256-GCM under the master key-encryption key (KEK), with the dataset id
 * and version as associated data, so a sealed key copied onto another row fails to open instead
 * of releasing the wrong dataset's key.
 *
 * Layout of a sealed key:
 *   v2: 0x02 | 4-byte KEK id | 12-byte random nonce | ciphertext | 16-byte tag
 *   v1: 0x01 | 12-byte random nonce | ciphertext | 16-byte tag           (first cut; still opened)
 * The KEK id is the first 4 bytes of SHA-256("sealshare/kek-id/v1" ‖ KEK): it tells which KEK
 * sealed a key, so during a master key rotation (scripts/rotate-master-key.ts) keys under the
 * old and the new KEK both open. The id reveals nothing usable about the KEK.
 * A random 96-bit nonce is safe here: one KEK seals at most one key per dataset version (plus
 * rotations), far below the 2^32 messages where collisions matter.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from "node:crypto";

const V1 = 0x01;
const V2 = 0x02;
const NONCE = 12;
const TAG = 16;
const ID = 4;

export interface KeyBox {
  /** `context` names what is sealed when it is not the version's whole key (see `aad`). */
  seal(dek: Uint8Array, datasetId: bigint, version: number, context?: string): Uint8Array;
  /** Throws if the sealed bytes were altered, belong to another (dataset, version, context), or to an unknown KEK. */
  open(sealed: Uint8Array, datasetId: bigint, version: number, context?: string): Uint8Array;
  /** Whether a sealed key is under the current KEK (rotation progress). */
  isCurrent(sealed: Uint8Array): boolean;
}

/**
 * The associated data a sealed secret is bound to: its dataset and version, and for anything but
 * a whole data key what it is (`context`, e.g. a Shamir share's set and index: `share|3|1`), so a
 * sealed share cannot be passed off as the version's key, nor as another set's share.
 */
function aad(datasetId: bigint, version: number, context?: string): Buffer {
  return Buffer.from(`${datasetId.toString()}|${version}${context === undefined ? "" : `|${context}`}`, "utf8");
}

export function kekId(kek: Uint8Array): Buffer {
  return createHash("sha256").update("sealshare/kek-id/v1").update(kek).digest().subarray(0, ID);
}

/**
 * A key box sealing under `masterKey` and opening under it or any of `previous` (the KEKs a
 * rotation is retiring).
 */
export function createKeyBox(masterKey: Uint8Array, previous: Uint8Array[] = []): KeyBox {
  for (const k of [masterKey, ...previous]) if (k.byteLength !== 32) throw new RangeError("the master key must be 32 bytes");
  const current = Buffer.from(masterKey); // private copies; the caller may wipe its own
  const currentId = kekId(current);
  const all = [current, ...previous.map((k) => Buffer.from(k))];
  const byId = new Map(all.map((k) => [kekId(k).toString("hex"), k]));

  function tryOpen(kek: Buffer, nonce: Buffer, body: Buffer, tag: Buffer, a: Buffer): Uint8Array | undefined {
    const decipher = createDecipheriv("aes-256-gcm", kek, nonce);
    decipher.setAAD(a);
    decipher.setAuthTag(tag);
    try {
      return new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]));
    } catch {
      return undefined;
    }
  }

  return {
    seal(dek, datasetId, version, context) {
      const nonce = randomBytes(NONCE);
      const cipher = createCipheriv("aes-256-gcm", current, nonce);
      cipher.setAAD(aad(datasetId, version, context));
      const body = Buffer.concat([cipher.update(dek), cipher.final()]);
      return new Uint8Array(Buffer.concat([Buffer.of(V2), currentId, nonce, body, cipher.getAuthTag()]));
    },
    open(sealed, datasetId, version, context) {
      const buf = Buffer.from(sealed);
      const a = aad(datasetId, version, context);
      const fail = () => new Error(`sealed key for dataset ${datasetId} v${version} failed authentication`);
      if (buf[0] === V2 && buf.length >= 1 + ID + NONCE + TAG) {
        const kek = byId.get(buf.subarray(1, 1 + ID).toString("hex"));
        if (!kek) throw new Error(`sealed key for dataset ${datasetId} v${version} failed authentication: it is sealed under an unknown master key (rotated? restart with the current keystore)`);
        const o = 1 + ID;
        const out = tryOpen(kek, buf.subarray(o, o + NONCE), buf.subarray(o + NONCE, buf.length - TAG), buf.subarray(buf.length - TAG), a);
        if (!out) throw fail();
        return out;
      }
      if (buf[0] === V1 && buf.length >= 1 + NONCE + TAG) {
        for (const kek of all) {
          const out = tryOpen(kek, buf.subarray(1, 1 + NONCE), buf.subarray(1 + NONCE, buf.length - TAG), buf.subarray(buf.length - TAG), a);
          if (out) return out;
        }
        throw fail();
      }
      throw new Error("sealed key has an unknown format");
    },
    isCurrent(sealed) {
      return sealed[0] === V2 && Buffer.from(sealed.subarray(1, 1 + ID)).equals(currentId);
    },
  };
}

/** Constant-time equality of two byte strings (false on different lengths). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}
