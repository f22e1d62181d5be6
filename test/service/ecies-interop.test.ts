/**
 * sdk/crypto/ecies-fast.ts against eciesjs 0.5 itself: every byte the fast path writes must open
 * with eciesjs `decrypt`, and everything eciesjs `encrypt` writes must open with the fast path,
 * for many random keys, both key encodings and the degenerate keys that take the fallback path.
 */
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { decrypt, encrypt, PrivateKey } from "eciesjs";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import {
  EPHEMERAL_KEY_LENGTH,
  HOT_AFTER,
  NONCE_LENGTH,
  OVERHEAD,
  TAG_LENGTH,
  parseRecipient,
  unwrapKeyFast,
  wrapKeyFast,
} from "../../sdk/crypto/ecies-fast.js";
import { SealshareError } from "../../sdk/errors.js";

const N = secp256k1.Point.CURVE().n;
const bytes = (x: Uint8Array) => Buffer.from(x);
const scalar = (d: bigint) => Uint8Array.from(Buffer.from(d.toString(16).padStart(64, "0"), "hex"));

function expectCode(fn: () => unknown, code: string) {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected a SealshareError ${code}`).to.be.instanceOf(SealshareError);
  expect((caught as SealshareError).code).to.equal(code);
}

describe("ECIES fast path (eciesjs 0.5 format)", function () {
  this.timeout(60_000);
  const KEYS = 32;

  it("writes what eciesjs decrypts, for many random keys, compressed and uncompressed", () => {
    for (let i = 0; i < KEYS; i++) {
      const sk = new PrivateKey();
      const dek = randomBytes(32);
      const wrapped = wrapKeyFast(sk.publicKey.toBytes(i % 2 === 0), dek);
      expect(bytes(decrypt(sk.secret, wrapped))).to.deep.equal(dek);
    }
  });

  it("opens what eciesjs encrypts, for many random keys, compressed and uncompressed", () => {
    for (let i = 0; i < KEYS; i++) {
      const sk = new PrivateKey();
      const dek = randomBytes(32);
      const wrapped = encrypt(sk.publicKey.toBytes(i % 2 === 1), dek);
      expect(bytes(unwrapKeyFast(sk.secret, wrapped))).to.deep.equal(dek);
    }
  });

  it("round-trips plaintexts of any length, including empty", () => {
    const sk = new PrivateKey();
    for (const n of [0, 1, 15, 16, 17, 32, 1000]) {
      const data = randomBytes(n);
      const wrapped = wrapKeyFast(sk.publicKey.toBytes(true), data);
      expect(wrapped.length).to.equal(OVERHEAD + n);
      expect(bytes(decrypt(sk.secret, wrapped))).to.deep.equal(data);
      expect(bytes(unwrapKeyFast(sk.secret, wrapped))).to.deep.equal(data);
    }
  });

  it("lays out ephemeral key (uncompressed, on the curve) ‖ 16-byte nonce ‖ 16-byte tag ‖ ciphertext", () => {
    const sk = new PrivateKey();
    const wrapped = wrapKeyFast(sk.publicKey.toBytes(true), randomBytes(32));
    expect(EPHEMERAL_KEY_LENGTH).to.equal(65);
    expect(NONCE_LENGTH).to.equal(16);
    expect(TAG_LENGTH).to.equal(16);
    expect(wrapped[0]).to.equal(4);
    expect(() => secp256k1.Point.fromBytes(wrapped.subarray(0, 65)).assertValidity()).to.not.throw();
    expect(wrapped.length).to.equal(65 + 16 + 16 + 32);
  });

  it("uses a fresh ephemeral key and nonce for every wrap", () => {
    const pk = new PrivateKey().publicKey.toBytes(true);
    const dek = randomBytes(32);
    const a = wrapKeyFast(pk, dek);
    const b = wrapKeyFast(pk, dek);
    expect(bytes(a.subarray(0, 65))).to.not.deep.equal(bytes(b.subarray(0, 65)));
    expect(bytes(a.subarray(65, 81))).to.not.deep.equal(bytes(b.subarray(65, 81)));
  });

  it("stays compatible for the degenerate keys G, 2G, −G and −2G (P + G at infinity takes the fallback)", () => {
    for (const d of [1n, 2n, N - 1n, N - 2n]) {
      const sk = scalar(d);
      const pk = new PrivateKey(sk).publicKey.toBytes(true);
      for (let i = 0; i < 2; i++) {
        const dek = randomBytes(32);
        expect(bytes(decrypt(sk, wrapKeyFast(pk, dek))), `wrap to ${d}·G`).to.deep.equal(dek);
        expect(bytes(unwrapKeyFast(sk, encrypt(pk, dek))), `unwrap with ${d}`).to.deep.equal(dek);
      }
    }
  });

  it("stays compatible once a recipient is hot (precomputed table path)", () => {
    const sk = new PrivateKey();
    const pk = sk.publicKey.toBytes(true);
    const dek = randomBytes(32);
    for (let i = 0; i < HOT_AFTER + 10; i++) {
      const wrapped = wrapKeyFast(pk, dek);
      if (i >= HOT_AFTER - 2) expect(bytes(decrypt(sk.secret, wrapped)), `wrap #${i + 1}`).to.deep.equal(dek);
    }
  });

  it("wraps to a recipient parsed once, the same as to its bytes", () => {
    const sk = new PrivateKey();
    const parsed = parseRecipient(sk.publicKey.toBytes(false));
    expect(bytes(parsed.compressed)).to.deep.equal(bytes(sk.publicKey.toBytes(true)));
    expect(bytes(parsed.uncompressed)).to.deep.equal(bytes(sk.publicKey.toBytes(false)));
    const dek = randomBytes(32);
    expect(bytes(decrypt(sk.secret, wrapKeyFast(parsed, dek)))).to.deep.equal(dek);
  });

  describe("rejects keys that are not secp256k1 points", () => {
    const good = new PrivateKey().publicKey;
    const cases: [string, () => Uint8Array][] = [
      ["empty", () => new Uint8Array(0)],
      ["32 bytes", () => randomBytes(32)],
      ["64 bytes (no prefix)", () => good.toBytes(false).subarray(1)],
      ["34 bytes", () => new Uint8Array([...good.toBytes(true), 0])],
      ["a compressed key with prefix 0x05", () => Uint8Array.from([5, ...good.toBytes(true).subarray(1)])],
      ["a hybrid (0x06) key", () => Uint8Array.from([6, ...good.toBytes(false).subarray(1)])],
      ["an uncompressed key off the curve (y changed)", () => {
        const k = Uint8Array.from(good.toBytes(false));
        k[64]! ^= 1;
        return k;
      }],
      ["an x with no point on the curve", () => {
        // x = 5: 5³ + 7 = 132 is not a square mod p (checked below), so no point has x = 5.
        const k = new Uint8Array(33);
        k[0] = 2;
        k[32] = 5;
        return k;
      }],
      ["x = p (not a field element)", () => Uint8Array.from([2, ...Buffer.from(secp256k1.Point.CURVE().p.toString(16), "hex")])],
      ["all zeros (the point at infinity is not a key)", () => new Uint8Array(33)],
    ];
    for (const [name, make] of cases) {
      it(`rejects ${name} with INVALID_PUBLIC_KEY`, () => {
        const key = make();
        expectCode(() => wrapKeyFast(key, randomBytes(32)), "INVALID_PUBLIC_KEY");
        expectCode(() => parseRecipient(key), "INVALID_PUBLIC_KEY");
      });
    }

    it("(x = 5 has no point: eciesjs agrees)", () => {
      const k = new Uint8Array(33);
      k[0] = 2;
      k[32] = 5;
      expect(() => encrypt(k, randomBytes(32))).to.throw();
    });
  });

  describe("unwrap fails closed", () => {
    const sk = new PrivateKey();
    const dek = randomBytes(32);
    const wrapped = wrapKeyFast(sk.publicKey.toBytes(true), dek);
    const flip = (at: number) => {
      const w = Uint8Array.from(wrapped);
      w[at]! ^= 1;
      return w;
    };

    it("with another private key", () => expectCode(() => unwrapKeyFast(new PrivateKey().secret, wrapped), "UNWRAP_FAILED"));
    it("when the ephemeral key is changed", () => expectCode(() => unwrapKeyFast(sk.secret, flip(40)), "UNWRAP_FAILED"));
    it("when the nonce is changed", () => expectCode(() => unwrapKeyFast(sk.secret, flip(65)), "UNWRAP_FAILED"));
    it("when the tag is changed", () => expectCode(() => unwrapKeyFast(sk.secret, flip(81)), "UNWRAP_FAILED"));
    it("when the ciphertext is changed", () => expectCode(() => unwrapKeyFast(sk.secret, flip(97)), "UNWRAP_FAILED"));
    it("when truncated", () => expectCode(() => unwrapKeyFast(sk.secret, wrapped.subarray(0, 96)), "UNWRAP_FAILED"));
    it("when the ephemeral key is compressed (not the default format)", () => {
      const w = new Uint8Array(wrapped.length - 32);
      w.set(new PrivateKey().publicKey.toBytes(true));
      expectCode(() => unwrapKeyFast(sk.secret, w), "UNWRAP_FAILED");
    });
    it("with a private key out of range", () => expectCode(() => unwrapKeyFast(new Uint8Array(32), wrapped), "UNWRAP_FAILED"));
  });
});
