/**
 * Fast ECIES key wrapping, byte-for-byte the format of eciesjs 0.5's default configuration, so
 * anything wrapped here opens with eciesjs `decrypt` and anything eciesjs `encrypt`s opens here.
 *
 * The format (read from node_modules/eciesjs/dist: config.js, keys/PrivateKey.js `encapsulate`,
 * utils/hash.js `getSharedKey`, utils/symmetric.js):
 *
 *   wrapped   = E ‖ nonce ‖ tag ‖ ciphertext
 *   E         = e·G, the ephemeral public key, UNCOMPRESSED (65 bytes, 0x04 ‖ x ‖ y)
 *   S         = e·P, the shared point, UNCOMPRESSED (65 bytes); P is the recipient's key
 *   key       = HKDF-SHA256(ikm = E ‖ S, salt = none (HashLen zeros), info = empty, L = 32)
 *   nonce     = 16 random bytes;  tag = the 16-byte AES-256-GCM tag;  no associated data
 *
 * Why it is faster. eciesjs 0.5 spends four scalar multiplications per `encrypt`, three of them
 * in key constructors: `new PrivateKey()` derives the ephemeral public key (e·G, needed), and
 * `new PublicKey(receiver)` converts the receiver's key to both encodings by multiplying it by
 * the scalar 1 — twice, at full cost — before `encapsulate` does the one multiplication that
 * matters (e·P). All of it runs in JavaScript BigInt arithmetic (@noble/curves 1.x).
 *
 * Here, OpenSSL (node:crypto ECDH) does the curve work, natively and in constant time for the
 * secret scalar. Its ECDH gives only the x-coordinate of e·P, while the eciesjs format hashes the
 * whole point, so y is recovered without another JavaScript multiplication:
 *   1. x₁ = x(e·P)        — ECDH with P;
 *   2. x₂ = x(e·(P + G))  = x(e·P + E) — ECDH with P + G, which is computed once per recipient;
 *   3. of the two points with x-coordinate x₁, (x₁, y) and (x₁, −y) (y from OpenSSL's point
 *      decompression), e·P is the one whose sum with the known E has x-coordinate x₂. The test
 *      needs no inversion: for S = (x₁, y) and E = (xₑ, yₑ), x(S + E) = x₂ exactly when
 *      (yₑ − y)² ≡ (x₂ + x₁ + xₑ)·(xₑ − x₁)²  (mod p).
 *      Exactly one sign passes (otherwise 2S or 2E would be the point at infinity).
 * So a wrap costs one fixed-base and two variable-base multiplications in native code plus a few
 * BigInt multiplications, against four BigInt scalar multiplications in eciesjs (`npm run bench`:
 * `ecies.wrap.ops`). The recipient's parsed point and P + G are kept in a small LRU cache keyed
 * by the public key (public data only), since a custodian wraps to the same devices again and again.
 *
 * Hot recipients. Once one key (given as bytes, so it lives in the cache) has been wrapped to
 * {@link HOT_AFTER} times, its point gets a window-8 table (@noble/curves `precompute`, about
 * 1 MB and a one-off few tens of milliseconds) and e·P becomes one constant-time table
 * multiplication (`Point.multiply`, @noble's wNAF with fake additions) instead of two ECDH: about
 * 2–3× faster again. At most {@link MAX_HOT} tables exist; they leave with their cache entry.
 *
 * Degenerate recipients (P = −G, where P + G is the point at infinity; or e·P = −E, i.e. P = −G
 * again) fall back to @noble/curves for the one multiplication; the output format is the same.
 *
 * Side channels: the scalar multiplications are OpenSSL's constant-time ladder; the few BigInt
 * operations on the shared point's coordinates are not constant time, the same exposure as
 * eciesjs/@noble (JavaScript BigInt arithmetic in both).
 *
 * @example
 * const wrapped = wrapKeyFast(devicePublicKey, dek); // eciesjs-compatible bytes
 * const dek2 = unwrapKeyFast(devicePrivateKey, wrapped);
 */
import { createCipheriv, createDecipheriv, createECDH, ECDH, hkdfSync, randomBytes } from "node:crypto";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { SealshareError } from "../errors.js";

const CURVE = "secp256k1";
const Point = secp256k1.Point;
const { p: FIELD_P, Gx, Gy } = Point.CURVE();

const toBig = (b: Uint8Array): bigint => BigInt(`0x${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex")}`);
const word = (x: bigint): Buffer => Buffer.from(x.toString(16).padStart(64, "0"), "hex");
const mod = (a: bigint): bigint => {
  const r = a % FIELD_P;
  return r < 0n ? r + FIELD_P : r;
};

/** Layout of eciesjs 0.5's default format. */
export const EPHEMERAL_KEY_LENGTH = 65;
export const NONCE_LENGTH = 16;
export const TAG_LENGTH = 16;
export const OVERHEAD = EPHEMERAL_KEY_LENGTH + NONCE_LENGTH + TAG_LENGTH;

const EMPTY = Buffer.alloc(0);

/** A validated recipient key, with what the wrap needs precomputed. Public data only. */
export interface EciesRecipient {
  /** 33-byte compressed form (the @noble fallback takes it). */
  readonly compressed: Uint8Array;
  /** 65-byte uncompressed form, what OpenSSL's ECDH takes fastest. */
  readonly uncompressed: Buffer;
  /** P + G uncompressed, or undefined when P = −G (the fallback path handles it). */
  readonly plusG: Buffer | undefined;
}

function invalidKey(reason: string, cause?: unknown): SealshareError {
  return new SealshareError("INVALID_PUBLIC_KEY", `encryption key ${reason}`, { cause });
}

/**
 * Parses and validates a secp256k1 public key (33-byte compressed or 65-byte uncompressed) and
 * precomputes P + G. Throws a SealshareError INVALID_PUBLIC_KEY if it is not a point on the curve.
 * OpenSSL decodes and checks the point (native, about 20× faster than doing it in BigInt);
 * P + G is one affine addition.
 */
export function parseRecipient(publicKey: Uint8Array): EciesRecipient {
  if (!(publicKey instanceof Uint8Array) || !((publicKey.length === 33 && (publicKey[0] === 2 || publicKey[0] === 3)) || (publicKey.length === 65 && publicKey[0] === 4))) {
    throw invalidKey("must be a 33-byte compressed or 65-byte uncompressed secp256k1 point");
  }
  let uncompressed: Buffer;
  try {
    // Rejects an x with no point and an uncompressed point off the curve.
    uncompressed = ECDH.convertKey(publicKey, CURVE, undefined, undefined, "uncompressed") as Buffer;
  } catch (cause) {
    throw invalidKey("is not a point on secp256k1", cause);
  }
  const x = toBig(uncompressed.subarray(1, 33));
  const y = toBig(uncompressed.subarray(33, 65));
  const compressed = new Uint8Array(33);
  compressed[0] = y & 1n ? 3 : 2;
  compressed.set(uncompressed.subarray(1, 33), 1);
  return { compressed, uncompressed, plusG: addG(x, y) };
}

/** P + G as 65 uncompressed bytes; undefined when P = −G (the sum is the point at infinity). */
function addG(x: bigint, y: bigint): Buffer | undefined {
  let lambda: bigint;
  if (x === Gx) {
    if (y !== Gy) return undefined; // P = −G
    lambda = mod(3n * x * x * Point.Fp.inv(2n * y)); // P = G: doubling
  } else {
    lambda = mod((Gy - y) * Point.Fp.inv(mod(Gx - x)));
  }
  const x3 = mod(lambda * lambda - x - Gx);
  const y3 = mod(lambda * (x - x3) - y);
  return Buffer.concat([Buffer.of(4), word(x3), word(y3)]);
}

/** Recipients kept parsed (LRU). */
export const RECIPIENT_CACHE_SIZE = 256;
/** Wraps to one cached recipient before its point gets a precomputed table. */
export const HOT_AFTER = 128;
/** Most precomputed tables alive at once (about 1 MB each). */
export const MAX_HOT = 8;
const HOT_WINDOW = 8;

interface CacheEntry {
  recipient: EciesRecipient;
  uses: number;
  table?: ReturnType<typeof Point.fromBytes>; // the point, with @noble's window table attached
}

/** The LRU of parsed recipients, keyed by the key's hex. Public data only. */
const recipientCache = new Map<string, CacheEntry>();
let hotTables = 0;

function cachedRecipient(publicKey: Uint8Array): CacheEntry {
  const k = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString("hex");
  let hit = recipientCache.get(k);
  if (hit) {
    recipientCache.delete(k); // move to the newest end
  } else {
    hit = { recipient: parseRecipient(publicKey), uses: 0 };
    if (recipientCache.size >= RECIPIENT_CACHE_SIZE) {
      const [oldest, evicted] = recipientCache.entries().next().value!;
      if (evicted.table) hotTables--;
      recipientCache.delete(oldest);
    }
  }
  recipientCache.set(k, hit);
  if (++hit.uses >= HOT_AFTER && !hit.table && hotTables < MAX_HOT) {
    hit.table = Point.fromBytes(hit.recipient.uncompressed).precompute(HOT_WINDOW, false);
    hotTables++;
  }
  return hit;
}

/**
 * The full shared point own·peer (uncompressed), where `ecdh` holds the secret scalar `own` and
 * `ownPublic` = own·G. Uses the x-only ECDH twice (see the file header); undefined when the
 * recipient is degenerate, so the caller falls back to @noble.
 */
function sharedPoint(ecdh: ECDH, ownPublic: Buffer, peer: EciesRecipient): Buffer | undefined {
  if (!peer.plusG) return undefined;
  let x1: Buffer, x2: Buffer;
  try {
    x1 = ecdh.computeSecret(peer.uncompressed);
    x2 = ecdh.computeSecret(peer.plusG); // throws if own·P = −ownPublic (infinity)
  } catch {
    return undefined;
  }
  // Even-y candidate via OpenSSL's point decompression (also checks x₁ is on the curve).
  const candidate = ECDH.convertKey(Buffer.concat([Buffer.of(2), x1]), CURVE, undefined, undefined, "uncompressed") as Buffer;
  const X1 = toBig(x1);
  const Y = toBig(candidate.subarray(33, 65));
  const Xe = toBig(ownPublic.subarray(1, 33));
  const Ye = toBig(ownPublic.subarray(33, 65));
  const rhs = mod((toBig(x2) + X1 + Xe) * mod((Xe - X1) * (Xe - X1)));
  if (mod((Ye - Y) * (Ye - Y)) === rhs) return candidate;
  if (mod((Ye + Y) * (Ye + Y)) === rhs) {
    return Buffer.concat([candidate.subarray(0, 33), word(FIELD_P - Y)]);
  }
  return undefined; // cannot happen for valid inputs; let the slow path decide
}

function leftPad32(bytes: Buffer): Buffer {
  if (bytes.length === 32) return bytes;
  const out = Buffer.alloc(32);
  bytes.copy(out, 32 - bytes.length);
  return out;
}

function deriveKey(ephemeralPublic: Uint8Array, shared: Uint8Array): Buffer {
  const ikm = Buffer.concat([ephemeralPublic, shared]);
  return Buffer.from(hkdfSync("sha256", ikm, EMPTY, EMPTY, 32));
}

/**
 * Wraps `plaintext` (a data key) to `recipient` in eciesjs 0.5's default format. `recipient` is
 * a 33- or 65-byte secp256k1 public key (cached parsed, and precomputed once hot), or a key
 * parsed with {@link parseRecipient} (used as is: no cache, no table).
 * Throws a SealshareError INVALID_PUBLIC_KEY for a key that is not a point on the curve.
 */
export function wrapKeyFast(recipient: Uint8Array | EciesRecipient, plaintext: Uint8Array): Uint8Array {
  const entry = recipient instanceof Uint8Array ? cachedRecipient(recipient) : undefined;
  const peer = entry ? entry.recipient : (recipient as EciesRecipient);
  const ecdh = createECDH(CURVE);
  const ephemeral = ecdh.generateKeys(); // uncompressed, 65 bytes
  // OpenSSL returns the private key without leading zero bytes (31 bytes or fewer about once in
  // 256 keys); noble wants exactly 32.
  const ephemeralSecret = leftPad32(ecdh.getPrivateKey());
  let shared = entry?.table ? Buffer.from(entry.table.multiply(toBig(ephemeralSecret)).toBytes(false)) : sharedPoint(ecdh, ephemeral, peer);
  if (!shared) shared = Buffer.from(secp256k1.getSharedSecret(ephemeralSecret, peer.compressed, false));
  ephemeralSecret.fill(0);
  const key = deriveKey(ephemeral, shared);
  const nonce = randomBytes(NONCE_LENGTH);
  const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_LENGTH });
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const out = Buffer.concat([ephemeral, nonce, cipher.getAuthTag(), body]);
  key.fill(0);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Unwraps a key wrapped by {@link wrapKeyFast} or by eciesjs `encrypt` (default configuration)
 * with the recipient's 32-byte private key. Throws a SealshareError UNWRAP_FAILED on any failure
 * (wrong key, tampering, malformed input), without saying which.
 */
export function unwrapKeyFast(privateKey: Uint8Array, wrapped: Uint8Array): Uint8Array {
  try {
    if (wrapped.length < OVERHEAD || wrapped[0] !== 4) throw new Error("malformed");
    const ephemeral = wrapped.subarray(0, EPHEMERAL_KEY_LENGTH);
    const peer = parseRecipient(ephemeral);
    const ecdh = createECDH(CURVE);
    ecdh.setPrivateKey(privateKey);
    let shared = sharedPoint(ecdh, ecdh.getPublicKey(), peer);
    if (!shared) shared = Buffer.from(secp256k1.getSharedSecret(privateKey, peer.compressed, false));
    const key = deriveKey(ephemeral, shared);
    const nonce = wrapped.subarray(EPHEMERAL_KEY_LENGTH, EPHEMERAL_KEY_LENGTH + NONCE_LENGTH);
    const tag = wrapped.subarray(EPHEMERAL_KEY_LENGTH + NONCE_LENGTH, OVERHEAD);
    const decipher = createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_LENGTH });
    decipher.setAuthTag(tag);
    const out = Buffer.concat([decipher.update(wrapped.subarray(OVERHEAD)), decipher.final()]);
    key.fill(0);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (cause) {
    throw new SealshareError("UNWRAP_FAILED", "could not unwrap the data key with this device key", {
      hint: "check that you use the device key the request named",
      cause,
    });
  }
}
