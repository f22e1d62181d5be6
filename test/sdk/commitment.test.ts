import { expect } from "chai";
import { concat, keccak256, toUtf8Bytes } from "ethers";
import { generateDataKey, keyCommitment, toHex, verifyKeyCommitment } from "../../sdk/stream/index.js";
import { hex, sha256 } from "./helpers/reference.js";

describe("data-key commitment", () => {
  const dek = generateDataKey();
  const ciphertextSha256 = hex(sha256(Buffer.from("some ciphertext")));

  it("is keccak256 of the tag, the ciphertext hash and the key, tightly packed", () => {
    // Built from raw bytes rather than solidityPacked, so the ABI packing itself is checked.
    const expected = keccak256(concat([toUtf8Bytes("sealshare/dek-commitment/v1"), ciphertextSha256, dek]));
    expect(keyCommitment(dek, ciphertextSha256)).to.equal(expected);
  });

  it("changes when one bit of the key or of the ciphertext hash changes", () => {
    const base = keyCommitment(dek, ciphertextSha256);
    const otherKey = Uint8Array.from(dek);
    otherKey[31]! ^= 1;
    const otherHash = `0x${ciphertextSha256.slice(2, 65)}${(parseInt(ciphertextSha256.slice(65), 16) ^ 1).toString(16)}`;
    expect(keyCommitment(otherKey, ciphertextSha256)).to.not.equal(base);
    expect(keyCommitment(dek, otherHash)).to.not.equal(base);
  });

  it("treats the ciphertext hash case-insensitively", () => {
    expect(keyCommitment(dek, `0x${ciphertextSha256.slice(2).toUpperCase()}`)).to.equal(keyCommitment(dek, ciphertextSha256));
  });

  it("verifies the right key and rejects any other key or a malformed commitment", () => {
    const commitment = keyCommitment(dek, ciphertextSha256);
    expect(verifyKeyCommitment(dek, ciphertextSha256, commitment)).to.equal(true);
    expect(verifyKeyCommitment(generateDataKey(), ciphertextSha256, commitment)).to.equal(false);
    expect(verifyKeyCommitment(dek, ciphertextSha256, "0x1234")).to.equal(false);
  });

  it("refuses keys that are not 32 bytes and hashes that are not bytes32", () => {
    expect(() => keyCommitment(new Uint8Array(16), ciphertextSha256)).to.throw(RangeError);
    expect(() => keyCommitment(dek, ciphertextSha256.slice(0, 64))).to.throw(TypeError);
    expect(() => keyCommitment(dek, toHex(dek).slice(2))).to.throw(TypeError);
  });
});
