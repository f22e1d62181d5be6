/**
 * The data-key commitment v2 (docs/FORMAT.md §11): keccak256 of the ABI encoding of the tag's
 * hash, chain id, ledger, dataset id, version, Merkle root and key. v1 (tag ‖ ciphertext hash ‖
 * key) let anyone copy a victim's public commitment into a dataset of their own; v2 binds it to
 * one slot of one ledger, so the same key and ciphertext commit differently in any other slot.
 */
import { expect } from "chai";
import { concat, getAddress, keccak256, toBeHex, toUtf8Bytes, zeroPadValue } from "ethers";
import { DEK_COMMITMENT_TAG, fromHex, generateDataKey, keyCommitment, toHex, verifyKeyCommitment, type KeyBinding } from "../../sdk/stream/index.js";
import { hex, sha256 } from "./helpers/reference.js";

const word = (v: bigint | number) => zeroPadValue(toBeHex(v), 32);

describe("data-key commitment (v2)", () => {
  const dek = generateDataKey();
  const merkleRoot = hex(sha256(Buffer.from("some chunk digests")));
  const binding: KeyBinding = { chainId: 31337n, ledger: "0x5fbdb2315678afecb367f032d93f642f64180aa3", datasetId: 7n, version: 2, merkleRoot };

  it("is keccak256 of abi.encode(keccak256(tag), chainId, ledger, datasetId, version, merkleRoot, dek), built here from raw 32-byte words", () => {
    expect(DEK_COMMITMENT_TAG).to.equal("sealshare/dek-commitment/v2");
    const expected = keccak256(
      concat([keccak256(toUtf8Bytes("sealshare/dek-commitment/v2")), word(31337n), zeroPadValue(binding.ledger, 32), word(7n), word(2), merkleRoot, dek]),
    );
    expect(keyCommitment(dek, binding)).to.equal(expected);
  });

  it("matches a fixed known-answer vector", () => {
    const key = fromHex(`0x${"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"}`, 32);
    const c = keyCommitment(key, { chainId: 1, ledger: "0x00000000000000000000000000000000000000aa", datasetId: 1, version: 1, merkleRoot: `0x${"11".repeat(32)}` });
    expect(c).to.equal(KNOWN_ANSWER);
  });

  it("changes with every field of the slot, the Merkle root and the key (a copied commitment is worthless elsewhere)", () => {
    const base = keyCommitment(dek, binding);
    const otherKey = Uint8Array.from(dek);
    otherKey[31]! ^= 1;
    const variants: KeyBinding[] = [
      { ...binding, chainId: 1n },
      { ...binding, ledger: "0x5fbdb2315678afecb367f032d93f642f64180aa4" },
      { ...binding, datasetId: 8n },
      { ...binding, version: 3 },
      { ...binding, merkleRoot: `0x${merkleRoot.slice(2, 65)}${(parseInt(merkleRoot.slice(65), 16) ^ 1).toString(16)}` },
    ];
    const all = [base, keyCommitment(otherKey, binding), ...variants.map((b) => keyCommitment(dek, b))];
    expect(new Set(all).size).to.equal(all.length);
  });

  it("treats the ledger address and Merkle root case-insensitively", () => {
    const upper = { ...binding, ledger: getAddress(binding.ledger), merkleRoot: `0x${merkleRoot.slice(2).toUpperCase()}` };
    expect(keyCommitment(dek, upper)).to.equal(keyCommitment(dek, binding));
  });

  it("verifies the right key for the right slot, and rejects any other key, slot or a malformed commitment", () => {
    const commitment = keyCommitment(dek, binding);
    expect(verifyKeyCommitment(dek, binding, commitment)).to.equal(true);
    expect(verifyKeyCommitment(generateDataKey(), binding, commitment)).to.equal(false);
    expect(verifyKeyCommitment(dek, { ...binding, datasetId: 8n }, commitment)).to.equal(false);
    expect(verifyKeyCommitment(dek, binding, "0x1234")).to.equal(false);
  });

  it("refuses keys that are not 32 bytes, roots that are not bytes32, and out-of-range slots", () => {
    expect(() => keyCommitment(new Uint8Array(16), binding)).to.throw(RangeError);
    expect(() => keyCommitment(dek, { ...binding, merkleRoot: merkleRoot.slice(0, 64) })).to.throw(TypeError);
    expect(() => keyCommitment(dek, { ...binding, merkleRoot: toHex(dek).slice(2) })).to.throw(TypeError);
    expect(() => keyCommitment(dek, { ...binding, version: 0 })).to.throw(RangeError);
    expect(() => keyCommitment(dek, { ...binding, version: 2 ** 32 })).to.throw(RangeError);
    expect(() => keyCommitment(dek, { ...binding, datasetId: 0n })).to.throw(RangeError);
    expect(() => keyCommitment(dek, { ...binding, datasetId: 1n << 64n })).to.throw(RangeError);
  });
});

const KNOWN_ANSWER = "0x99f1123389af970db16d87a14ec665504dea378cd1d4b2e1c91ac24bbb82ed1f";
