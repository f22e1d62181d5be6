/**
 * The custodian's fast secp256k1 paths give exactly ethers' / eciesjs's answers, with the native
 * libsecp256k1 backend and with the @noble/curves fallback: signer recovery of signed requests
 * (edge cases included: v forms, high s, r or s out of range), envelope signatures, the ECIES
 * wrap, the EIP-712 request digest, and receipt batches (OpenZeppelin StandardMerkleTree).
 */
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { getBytes, hexlify, recoverAddress, SigningKey, TypedDataEncoder, Wallet } from "ethers";
import { decrypt as eciesDecrypt } from "eciesjs";
import { generateEncryptionKeyPair } from "../../sdk/crypto/ecies.js";
import { custodianDomain, ENVELOPE_REQUEST_TYPES, GRANT_STATUS_REQUEST_TYPES } from "../../sdk/eip712.js";
import { BACKEND, BACKENDS, isPoint, parityOf, recoverSigner, signDigest } from "../../service/keys/secp256k1.js";
import { isCompressedPoint, wrapReleaseKey } from "../../service/release/ecies.js";
import { createRequestDigest } from "../../service/release/signing.js";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { buildBatch, LEAF_ENCODING, verifyReceiptProof } from "../../service/receipts/merkle.js";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const word = (x: bigint) => getBytes(`0x${x.toString(16).padStart(64, "0")}`);

/** What ethers says: the lower-case signer, or null where it throws. */
function ethersSigner(digest: Uint8Array, sig: Uint8Array): string | null {
  try {
    return recoverAddress(digest, hexlify(sig)).toLowerCase();
  } catch {
    return null;
  }
}

describe("fast secp256k1 paths (custodian)", function () {
  this.timeout(60_000);

  it(`uses the native backend here (${BACKEND.name})`, function () {
    // The prebuilt binary ships for this platform; if it stops loading, the service gets slow, not wrong.
    if (process.platform === "linux" && process.arch === "x64") expect(BACKEND.name).to.match(/native/);
  });

  for (const backend of BACKENDS) {
    describe(backend.name, function () {
      it("recovers the signer exactly as ethers recoverAddress does", function () {
        for (let i = 0; i < 40; i++) {
          const key = new SigningKey(hexlify(randomBytes(32)));
          const digest = randomBytes(32);
          const s = key.sign(digest);
          const sig = getBytes(s.serialized);
          const want = new Wallet(key).address.toLowerCase();
          expect(recoverSigner(digest, sig, backend)).to.equal(want);
          expect(ethersSigner(digest, sig)).to.equal(want);
          // v as 0/1, and as an EIP-155 value: the same signer, as for ethers.
          for (const v of [sig[64]! - 27, 35 + (sig[64] === 27 ? 0 : 1) + 2 * 1337]) {
            const alt = Uint8Array.from(sig);
            alt[64] = v % 256;
            expect(recoverSigner(digest, alt, backend), `v=${v}`).to.equal(ethersSigner(digest, alt));
          }
          // The malleated twin (n − s, the other parity): refused, as ethers refuses it (non-canonical s).
          const high = Uint8Array.from(sig);
          high.set(word(N - BigInt(s.s)), 32);
          high[64] = sig[64] === 27 ? 28 : 27;
          expect(recoverSigner(digest, high, backend)).to.equal(ethersSigner(digest, high));
          // An s between n/2 and 2^255 is not "non-canonical" to ethers: both recover something.
          const mid = Uint8Array.from(sig);
          mid.set(word(N / 2n + 1n), 32);
          expect(recoverSigner(digest, mid, backend)).to.equal(ethersSigner(digest, mid));
        }
      });

      it("refuses what ethers refuses (v, r and s out of range, garbage)", function () {
        const key = new SigningKey(hexlify(randomBytes(32)));
        const digest = randomBytes(32);
        const sig = getBytes(key.sign(digest).serialized);
        const cases: Uint8Array[] = [];
        for (const v of [2, 3, 26, 29, 34]) {
          const c = Uint8Array.from(sig);
          c[64] = v;
          cases.push(c);
        }
        for (const [at, value] of [[0, 0n], [0, N], [0, N + 1n], [32, 0n], [32, N], [32, 2n ** 256n - 1n]] as const) {
          const c = Uint8Array.from(sig);
          c.set(word(value), at);
          cases.push(c);
        }
        for (let i = 0; i < 30; i++) cases.push(Uint8Array.from(randomBytes(65)));
        for (const c of cases) {
          const got = recoverSigner(digest, c, backend);
          expect(got, hexlify(c)).to.equal(ethersSigner(digest, c));
          if (parityOf(c[64]!) < 0) expect(got).to.equal(null);
        }
        expect(recoverSigner(digest, sig.subarray(0, 64), backend)).to.equal(null);
        expect(recoverSigner(digest.subarray(0, 31), sig, backend)).to.equal(null);
      });

      it("signs digests byte for byte as ethers SigningKey.sign does (RFC 6979, low s)", function () {
        for (let i = 0; i < 30; i++) {
          const priv = randomBytes(32);
          const digest = randomBytes(32);
          expect(signDigest(digest, priv, backend)).to.equal(new SigningKey(hexlify(priv)).sign(digest).serialized);
        }
      });

      it("wraps keys that eciesjs opens, to compressed and uncompressed keys; refuses keys off the curve", function () {
        for (let i = 0; i < 10; i++) {
          const kp = generateEncryptionKeyPair();
          const dek = randomBytes(32);
          const wrapped = wrapReleaseKey(kp.publicKey, dek, backend);
          expect(wrapped.length).to.equal(65 + 16 + 16 + 32);
          expect(Buffer.from(eciesDecrypt(kp.privateKey, wrapped)).equals(dek)).to.equal(true);
          // Uncompressed recipients too.
          const unc = SigningKey.computePublicKey(kp.publicKey, false);
          expect(Buffer.from(eciesDecrypt(kp.privateKey, wrapReleaseKey(getBytes(unc), dek, backend))).equals(dek)).to.equal(true);
        }
        const off = new Uint8Array(33);
        off[0] = 2;
        off[32] = 5; // x = 5: no point on secp256k1
        expect(isPoint(off, backend)).to.equal(false);
        expect(() => wrapReleaseKey(off, randomBytes(32), backend)).to.throw(/not a point/);
        expect(() => wrapReleaseKey(new Uint8Array(33), randomBytes(32), backend)).to.throw(/not a point/);
      });
    });
  }

  it("accepts only 33-byte compressed points as device keys", function () {
    const kp = generateEncryptionKeyPair();
    expect(isCompressedPoint(kp.publicKey)).to.equal(true);
    expect(isCompressedPoint(getBytes(SigningKey.computePublicKey(kp.publicKey, false)))).to.equal(false);
    const bad = Uint8Array.from(kp.publicKey);
    bad[0] = 4;
    expect(isCompressedPoint(bad)).to.equal(false);
    expect(isCompressedPoint(new Uint8Array(0))).to.equal(false);
  });

  it("computes the EIP-712 request digests as TypedDataEncoder.hash does", function () {
    const domain = custodianDomain(31337n, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
    for (const types of [ENVELOPE_REQUEST_TYPES, GRANT_STATUS_REQUEST_TYPES]) {
      const digestOf = createRequestDigest(domain, types);
      const messages = [
        { requestId: 1n, issuedAt: 0 },
        { requestId: 2n ** 256n - 1n, issuedAt: 2 ** 40 - 1 },
        ...Array.from({ length: 20 }, () => ({ requestId: BigInt(hexlify(randomBytes(1 + (randomBytes(1)[0]! % 32)))), issuedAt: 1_700_000_000 + (randomBytes(2).readUInt16BE(0)) })),
      ];
      for (const m of messages) expect(hexlify(digestOf(m))).to.equal(TypedDataEncoder.hash(domain, types, m));
      expect(() => digestOf({ requestId: 1n, issuedAt: 2 ** 40 })).to.throw(RangeError);
      expect(() => digestOf({ requestId: 2n ** 256n, issuedAt: 1 })).to.throw(RangeError);
    }
  });

  it("builds receipt batches exactly as OpenZeppelin's StandardMerkleTree does", function () {
    for (const size of [1, 2, 3, 7, 64, 100, 101]) {
      const members = Array.from({ length: size }, (_, i) => ({
        requestId: BigInt(hexlify(randomBytes(8))).toString(),
        kind: 1 + (i % 2),
        envelopeHash: hexlify(randomBytes(32)),
        releasedAt: 1_800_000_000 + i,
      }));
      const values = members.map((m) => [m.requestId, m.kind, m.envelopeHash, m.releasedAt]);
      const oz = StandardMerkleTree.of(values, [...LEAF_ENCODING]);
      const ours = buildBatch(members);
      expect(ours.root).to.equal(oz.root);
      expect(ours.leaves).to.deep.equal(values.map((v) => oz.leafHash(v)));
      expect(ours.proofs).to.deep.equal(values.map((_, i) => oz.getProof(i)));
      members.forEach((m, i) => expect(verifyReceiptProof(ours.root, m, ours.proofs[i]!)).to.equal(true));
    }
  });
});
