/**
 * secp256k1 on the custodian's hot paths: the per-request signature check (GET
 * /v1/envelopes, GET /v1/grants), the envelope signature and the ECIES wrap of every release.
 *
 * Backend: libsecp256k1 through the `secp256k1` package's prebuilt N-API binary (shipped in the
 * package for linux-x64 glibc and musl, darwin-arm64 and win32-x64; loaded directly from
 * `secp256k1/bindings`, never the package's pure-JavaScript `elliptic` fallback). Where no
 * prebuilt binary loads, @noble/curves (the JavaScript BigInt arithmetic ethers uses) does the
 * same work, slower. On this project's 2-core machine a public-key recovery costs ~70 µs of CPU
 * native against ~3 ms in ethers (`npm run bench`: api.fetch.cpu_ms). {@link BACKEND} names the
 * one in use; the custodian logs it at start-up.
 *
 * Each function is a drop-in for an ethers call, with the same answers (test/service/crypto-fast.test.ts
 * checks both backends against ethers on many inputs):
 *  - {@link recoverSigner}: `recoverAddress(digest, signature)` for a 65-byte r ‖ s ‖ v
 *    signature — v normalized as ethers does (0/27 → even, 1/28 → odd, ≥ 35 EIP-155 parity),
 *    r in [1, n−1], s in [1, 2²⁵⁵) (ethers' "non-canonical s" rule: it refuses an s with the top
 *    bit set, which is nearly every high s; replay protection keys on the digest anyway, so a
 *    malleated copy would gain nothing). Null exactly where ethers throws.
 *  - {@link signDigest}: `SigningKey.sign(digest).serialized` (RFC 6979, low s, v = 27/28): the
 *    same bytes.
 *  - {@link publicFromScalar} (d·G) and {@link ecdhPoint} (d·P, the whole point): the curve
 *    operations of the ECIES wrap (../release/ecies.ts), both constant time in the secret d
 *    (libsecp256k1's ecmult_gen and ecdh; not tweak_mul, which is variable time).
 */
import { createRequire } from "node:module";
import { secp256k1 as noble } from "@noble/curves/secp256k1.js";
import { keccak_256 } from "@noble/hashes/sha3.js";

/** The operations the custodian needs, over 32-byte scalars and SEC1 points. */
export interface Secp256k1Backend {
  readonly name: string;
  /** The signer's 65-byte uncompressed key; null if nothing recovers. `rs` is r ‖ s (64 bytes). */
  recover(digest: Uint8Array, rs: Uint8Array, parity: 0 | 1): Uint8Array | null;
  /** RFC 6979, low s: r ‖ s and the recovery parity. */
  sign(digest: Uint8Array, privateKey: Uint8Array): { rs: Uint8Array; parity: number };
  isPoint(p: Uint8Array): boolean;
  /** d·G, uncompressed. */
  publicFromScalar(d: Uint8Array): Uint8Array;
  /** d·P, uncompressed, constant time in d. */
  ecdh(publicKey: Uint8Array, d: Uint8Array): Uint8Array;
}

interface NativeSecp256k1 {
  ecdsaRecover(sig: Uint8Array, recid: number, msg32: Uint8Array, compressed?: boolean): Uint8Array;
  ecdsaSign(msg32: Uint8Array, seckey: Uint8Array): { signature: Uint8Array; recid: number };
  publicKeyVerify(pubkey: Uint8Array): boolean;
  publicKeyCreate(seckey: Uint8Array, compressed?: boolean): Uint8Array;
  ecdh(
    pubkey: Uint8Array,
    seckey: Uint8Array,
    options: { hashfn: (x: Uint8Array, y: Uint8Array) => Uint8Array; xbuf?: Uint8Array; ybuf?: Uint8Array },
    output: Uint8Array,
  ): Uint8Array;
}

const fullPoint = (x: Uint8Array, y: Uint8Array): Uint8Array => {
  const out = new Uint8Array(65);
  out[0] = 4;
  out.set(x, 1);
  out.set(y, 33);
  return out;
};

function nativeBackend(): Secp256k1Backend | undefined {
  let lib: NativeSecp256k1;
  try {
    lib = createRequire(import.meta.url)("secp256k1/bindings") as NativeSecp256k1;
  } catch {
    return undefined;
  }
  return {
    name: "libsecp256k1 (native)",
    recover(digest, rs, parity) {
      try {
        return lib.ecdsaRecover(rs, parity, digest, false);
      } catch {
        return null;
      }
    },
    sign(digest, privateKey) {
      const { signature, recid } = lib.ecdsaSign(digest, privateKey);
      return { rs: signature, parity: recid & 1 };
    },
    isPoint(p) {
      try {
        return (p.length === 33 || p.length === 65) && lib.publicKeyVerify(p);
      } catch {
        return false;
      }
    },
    publicFromScalar(d) {
      return lib.publicKeyCreate(d, false);
    },
    ecdh(publicKey, d) {
      return lib.ecdh(publicKey, d, { hashfn: fullPoint, xbuf: new Uint8Array(32), ybuf: new Uint8Array(32) }, new Uint8Array(65));
    },
  };
}

/** The JavaScript backend (@noble/curves 2), exported so tests run both. */
export const nobleBackend: Secp256k1Backend = {
  name: "@noble/curves",
  recover(digest, rs, parity) {
    try {
      const sig = new Uint8Array(65);
      sig[0] = parity;
      sig.set(rs, 1);
      const pub = noble.recoverPublicKey(sig, digest, { prehash: false });
      return noble.Point.fromBytes(pub).toBytes(false);
    } catch {
      return null;
    }
  },
  sign(digest, privateKey) {
    const sig = noble.sign(digest, privateKey, { prehash: false, format: "recovered" }); // recovery ‖ r ‖ s
    return { rs: sig.subarray(1), parity: sig[0]! & 1 };
  },
  isPoint(p) {
    try {
      noble.Point.fromBytes(p).assertValidity();
      return true;
    } catch {
      return false;
    }
  },
  publicFromScalar(d) {
    return noble.getPublicKey(d, false);
  },
  ecdh(publicKey, d) {
    return noble.getSharedSecret(d, publicKey, false);
  },
};

const native = nativeBackend();
/** The backend in use: native libsecp256k1 when its prebuilt binary loads, else @noble/curves. */
export const BACKEND: Secp256k1Backend = native ?? nobleBackend;
/** Every backend available here (tests compare them). */
export const BACKENDS: readonly Secp256k1Backend[] = native ? [native, nobleBackend] : [nobleBackend];

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

function scalarInRange(b: Uint8Array): boolean {
  let zero = true;
  for (let i = 0; i < 32; i++) if (b[i] !== 0) zero = false;
  if (zero) return false;
  if (b[0] !== 0xff) return true; // n starts with 0xff…: only then can it be ≥ n
  return BigInt(`0x${Buffer.from(b.buffer, b.byteOffset, 32).toString("hex")}`) < N;
}

/** The recovery parity (0 or 1) ethers derives from a signature's v byte; -1 if ethers refuses it. */
export function parityOf(v: number): 0 | 1 | -1 {
  if (v === 0 || v === 27) return 0;
  if (v === 1 || v === 28) return 1;
  if (v < 35) return -1;
  return v & 1 ? 0 : 1; // EIP-155: odd v ↔ 27
}

/**
 * The lower-case 0x address that signed `digest` (32 bytes) with `signature` (65 bytes,
 * r ‖ s ‖ v), or null if it does not recover (malformed, out of range, no such point).
 */
export function recoverSigner(digest: Uint8Array, signature: Uint8Array, backend: Secp256k1Backend = BACKEND): string | null {
  if (digest.length !== 32 || signature.length !== 65) return null;
  const parity = parityOf(signature[64]!);
  if (parity < 0) return null;
  const rs = signature.subarray(0, 64);
  // ethers refuses an s with its top bit set ("non-canonical s"): so do we.
  if (rs[32]! & 0x80 || !scalarInRange(rs.subarray(0, 32)) || !scalarInRange(rs.subarray(32, 64))) return null;
  const pub = backend.recover(digest, rs, parity as 0 | 1);
  if (!pub || pub.length !== 65) return null;
  return addressOf(pub);
}

/**
 * Recently seen public keys → their addresses. A client signs many requests with one key, and
 * the keccak of the key was a sixth of a signed fetch's JavaScript work; bounded (cleared
 * when full), so a stream of fresh keys costs one map insert each.
 */
const ADDRESS_CACHE_SIZE = 4096;
const addresses = new Map<string, string>();

/** The lower-case 0x address of a 65-byte uncompressed public key. */
function addressOf(pub: Uint8Array): string {
  const key = Buffer.from(pub.buffer, pub.byteOffset + 1, 64).toString("base64");
  const hit = addresses.get(key);
  if (hit !== undefined) return hit;
  const hash = keccak_256(pub.subarray(1));
  const address = `0x${Buffer.from(hash.buffer, hash.byteOffset + 12, 20).toString("hex")}`;
  if (addresses.size >= ADDRESS_CACHE_SIZE) addresses.clear();
  addresses.set(key, address);
  return address;
}

/** Signs a 32-byte digest; returns ethers' `Signature.serialized` (0x r ‖ s ‖ v, v = 27/28). */
export function signDigest(digest: Uint8Array, privateKey: Uint8Array, backend: Secp256k1Backend = BACKEND): string {
  const { rs, parity } = backend.sign(digest, privateKey);
  return `0x${Buffer.from(rs.buffer, rs.byteOffset, 64).toString("hex")}${parity ? "1c" : "1b"}`;
}

/** True for a valid secp256k1 public key (33 or 65 bytes, on the curve, not infinity). */
export function isPoint(p: Uint8Array, backend: Secp256k1Backend = BACKEND): boolean {
  return backend.isPoint(p);
}

/** True for a valid private key (1 ≤ d < n). */
export function isPrivate(d: Uint8Array): boolean {
  return d.length === 32 && scalarInRange(d);
}

/** d·G, uncompressed (65 bytes). */
export function publicFromScalar(d: Uint8Array, backend: Secp256k1Backend = BACKEND): Uint8Array {
  return backend.publicFromScalar(d);
}

/** d·P, uncompressed (65 bytes), constant time in d; throws for an invalid point or scalar. */
export function ecdhPoint(publicKey: Uint8Array, d: Uint8Array, backend: Secp256k1Backend = BACKEND): Uint8Array {
  return backend.ecdh(publicKey, d);
}
