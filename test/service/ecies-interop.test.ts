/**
 * The custodian's release wrap (service/release/ecies.ts `wrapReleaseKey`) against eciesjs 0.5
 * itself, with the native libsecp256k1 backend and the @noble/curves fallback: every byte the
 * custodian writes must open with eciesjs `decrypt` (what every client runs, through the SDK's
 * `unwrapKey`), for many random keys, both key encodings and the degenerate keys; and a key that
 * is not a secp256k1 point is refused before anything is wrapped.
 */
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { decrypt, encrypt, PrivateKey } from "eciesjs";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { unwrapKey } from "../../sdk/crypto/ecies.js";
import { SealshareError } from "../../sdk/errors.js";
import { BACKENDS } from "../../service/keys/secp256k1.js";
import { wrapReleaseKey } from "../../service/release/ecies.js";

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

describe("the custodian's ECIES wrap opens with eciesjs 0.5", function () {
  this.timeout(60_000);
  const KEYS = 32;

  for (const backend of BACKENDS) {
    describe(backend.name, function () {
      it("writes what eciesjs decrypts, for many random keys, compressed and uncompressed", () => {
        for (let i = 0; i < KEYS; i++) {
          const sk = new PrivateKey();
          const dek = randomBytes(32);
          const wrapped = wrapReleaseKey(sk.publicKey.toBytes(i % 2 === 0), dek, backend);
          expect(bytes(decrypt(sk.secret, wrapped)), `key #${i}`).to.deep.equal(dek);
          expect(bytes(unwrapKey(sk.secret, wrapped)), `key #${i}, the SDK's unwrapKey`).to.deep.equal(dek);
        }
      });

      it("wraps plaintexts of any length, including empty", () => {
        const sk = new PrivateKey();
        for (const n of [0, 1, 15, 16, 17, 32, 1000]) {
          const data = randomBytes(n);
          const wrapped = wrapReleaseKey(sk.publicKey.toBytes(true), data, backend);
          expect(wrapped.length).to.equal(65 + 16 + 16 + n);
          expect(bytes(decrypt(sk.secret, wrapped))).to.deep.equal(data);
        }
      });

      it("lays out ephemeral key (uncompressed, on the curve) ‖ 16-byte nonce ‖ 16-byte tag ‖ ciphertext, like eciesjs encrypt", () => {
        const sk = new PrivateKey();
        const ours = wrapReleaseKey(sk.publicKey.toBytes(true), randomBytes(32), backend);
        const theirs = encrypt(sk.publicKey.toBytes(true), randomBytes(32));
        expect(ours.length).to.equal(theirs.length);
        expect(ours.length).to.equal(65 + 16 + 16 + 32);
        expect(ours[0]).to.equal(4);
        expect(theirs[0]).to.equal(4);
        expect(() => secp256k1.Point.fromBytes(ours.subarray(0, 65)).assertValidity()).to.not.throw();
      });

      it("uses a fresh ephemeral key and nonce for every wrap", () => {
        const pk = new PrivateKey().publicKey.toBytes(true);
        const dek = randomBytes(32);
        const a = wrapReleaseKey(pk, dek, backend);
        const b = wrapReleaseKey(pk, dek, backend);
        expect(bytes(a.subarray(0, 65))).to.not.deep.equal(bytes(b.subarray(0, 65)));
        expect(bytes(a.subarray(65, 81))).to.not.deep.equal(bytes(b.subarray(65, 81)));
      });

      it("stays compatible for the degenerate keys G, 2G, −G and −2G", () => {
        for (const d of [1n, 2n, N - 1n, N - 2n]) {
          const sk = scalar(d);
          for (const compressed of [true, false]) {
            const pk = new PrivateKey(sk).publicKey.toBytes(compressed);
            const dek = randomBytes(32);
            expect(bytes(decrypt(sk, wrapReleaseKey(pk, dek, backend))), `wrap to ${d}·G`).to.deep.equal(dek);
          }
        }
      });

      describe("refuses keys that are not secp256k1 points, with INVALID_PUBLIC_KEY", () => {
        const good = new PrivateKey().publicKey;
        const cases: [string, () => Uint8Array][] = [
          ["empty", () => new Uint8Array(0)],
          ["32 bytes", () => randomBytes(32)],
          ["64 bytes (no prefix)", () => good.toBytes(false).subarray(1)],
          ["34 bytes", () => new Uint8Array([...good.toBytes(true), 0])],
          ["a compressed key with prefix 0x05", () => Uint8Array.from([5, ...good.toBytes(true).subarray(1)])],
          ["a hybrid (0x06) key", () => Uint8Array.from([6, ...good.toBytes(false).subarray(1)])],
          [
            "an uncompressed key off the curve (y changed)",
            () => {
              const k = Uint8Array.from(good.toBytes(false));
              k[64]! ^= 1;
              return k;
            },
          ],
          [
            "an x with no point on the curve",
            () => {
              // x = 5: 5³ + 7 = 132 is not a square mod p (eciesjs agrees below), so no point has x = 5.
              const k = new Uint8Array(33);
              k[0] = 2;
              k[32] = 5;
              return k;
            },
          ],
          ["x = p (not a field element)", () => Uint8Array.from([2, ...Buffer.from(secp256k1.Point.CURVE().p.toString(16), "hex")])],
          ["all zeros (the point at infinity is not a key)", () => new Uint8Array(33)],
        ];
        for (const [name, make] of cases) {
          it(`refuses ${name}`, () => {
            const key = make();
            expectCode(() => wrapReleaseKey(key, randomBytes(32), backend), "INVALID_PUBLIC_KEY");
            expect(() => encrypt(key, randomBytes(32)), "eciesjs refuses it too").to.throw();
          });
        }
      });
    });
  }

  describe("what a client's unwrap refuses (the SDK's unwrapKey: eciesjs decrypt), UNWRAP_FAILED", () => {
    const sk = new PrivateKey();
    const dek = randomBytes(32);
    const wrapped = wrapReleaseKey(sk.publicKey.toBytes(true), dek);
    const flip = (at: number) => {
      const w = Uint8Array.from(wrapped);
      w[at]! ^= 1;
      return w;
    };

    it("opens the original", () => expect(bytes(unwrapKey(sk.secret, wrapped))).to.deep.equal(dek));
    it("with another private key", () => expectCode(() => unwrapKey(new PrivateKey().secret, wrapped), "UNWRAP_FAILED"));
    it("when the ephemeral key is changed", () => expectCode(() => unwrapKey(sk.secret, flip(40)), "UNWRAP_FAILED"));
    it("when the nonce is changed", () => expectCode(() => unwrapKey(sk.secret, flip(65)), "UNWRAP_FAILED"));
    it("when the tag is changed", () => expectCode(() => unwrapKey(sk.secret, flip(81)), "UNWRAP_FAILED"));
    it("when the ciphertext is changed", () => expectCode(() => unwrapKey(sk.secret, flip(97)), "UNWRAP_FAILED"));
    it("when truncated", () => expectCode(() => unwrapKey(sk.secret, wrapped.subarray(0, 96)), "UNWRAP_FAILED"));
  });
});
