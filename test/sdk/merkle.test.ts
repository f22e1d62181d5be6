import { expect } from "chai";
import { createReadStream } from "node:fs";
import { open, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import {
  chunkCountOf,
  chunkDigestsOf,
  chunksForPlaintextRange,
  encryptFile,
  generateDataKey,
  merkleProof,
  merkleRootOfLeaves,
  segmentRange,
  toHex,
  verifyMerkleProof,
  type Hex,
  type MerkleProof,
} from "../../sdk/stream/index.js";
import { hex, rfc9162Root, sha256 } from "./helpers/reference.js";
import { tempDir } from "./helpers/streams.js";

const leavesOf = (n: number) => Array.from({ length: n }, (_, i) => sha256(Buffer.from(`chunk ${i}`)));

/** The promotion rule written naively, level by level, as docs/FORMAT.md describes it. */
function levelByLevelRoot(leaves: Buffer[]): Hex {
  let level = leaves.map((d) => sha256(Buffer.from([0]), d));
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? sha256(Buffer.from([1]), level[i]!, level[i + 1]!) : level[i]!);
    level = next;
  }
  return hex(level[0]!);
}

describe("Merkle tree over chunk digests", () => {
  it("matches both RFC 9162 and the level-by-level promotion rule for 1 to 40 leaves", () => {
    for (let n = 1; n <= 40; n++) {
      const leaves = leavesOf(n);
      const root = merkleRootOfLeaves(leaves);
      expect(root, `n=${n}`).to.equal(hex(rfc9162Root(leaves)));
      expect(root, `n=${n}`).to.equal(levelByLevelRoot(leaves));
    }
  });

  it("hashes a single leaf with the 0x00 prefix, so a leaf can never pass for a node", () => {
    const [leaf] = leavesOf(1);
    expect(merkleRootOfLeaves([leaf!])).to.equal(hex(sha256(Buffer.from([0]), leaf!)));
    expect(merkleRootOfLeaves([toHex(leaf!)])).to.equal(hex(sha256(Buffer.from([0]), leaf!)));
  });

  it("refuses an empty tree and leaves that are not 32 bytes", () => {
    expect(() => merkleRootOfLeaves([])).to.throw(RangeError);
    expect(() => merkleRootOfLeaves([Buffer.alloc(31)])).to.throw(RangeError);
  });

  it("proves every leaf of trees of many shapes", () => {
    for (const n of [1, 2, 3, 4, 5, 7, 8, 9, 13, 33]) {
      const leaves = leavesOf(n);
      const root = merkleRootOfLeaves(leaves);
      for (let i = 0; i < n; i++) {
        const proof = merkleProof(leaves, i);
        expect(proof.siblings.length).to.be.at.most(Math.ceil(Math.log2(n)));
        expect(verifyMerkleProof(root, leaves[i]!, proof), `n=${n} i=${i}`).to.equal(true);
      }
    }
  });

  it("rejects proofs for the wrong leaf, position, tree size or sibling set, without throwing", () => {
    const leaves = leavesOf(13);
    const root = merkleRootOfLeaves(leaves);
    const proof = merkleProof(leaves, 6);
    const variants: [string, Uint8Array | Hex, MerkleProof][] = [
      ["another leaf", leaves[7]!, proof],
      ["another index", leaves[6]!, { ...proof, index: 7 }],
      // A count that changes the path's shape; the verifier takes the count from the registered
      // ciphertext size, never from the prover.
      ["another leaf count", leaves[6]!, { ...proof, leafCount: 7 }],
      ["a missing sibling", leaves[6]!, { ...proof, siblings: proof.siblings.slice(1) }],
      ["an extra sibling", leaves[6]!, { ...proof, siblings: [...proof.siblings, proof.siblings[0]!] }],
      ["a changed sibling", leaves[6]!, { ...proof, siblings: [toHex(leaves[0]!), ...proof.siblings.slice(1)] }],
      ["a malformed sibling", leaves[6]!, { ...proof, siblings: ["0x1234", ...proof.siblings.slice(1)] }],
      ["an out-of-range index", leaves[6]!, { ...proof, index: 13 }],
      ["a malformed leaf", "0xzz", proof],
    ];
    for (const [what, leaf, p] of variants) expect(verifyMerkleProof(root, leaf, p), what).to.equal(false);
    expect(verifyMerkleProof(root, leaves[6]!, proof)).to.equal(true);
  });

  it("verifies one chunk read from a sealed file against the encryptor's root, without the key", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const chunkSize = 1024;
      const plainPath = join(dir, "p");
      const sealedPath = join(dir, "s");
      await writeFile(plainPath, randomBytes(10 * chunkSize + 100));
      const summary = await encryptFile(plainPath, sealedPath, generateDataKey(), { chunkSize });

      // A custodian rebuilds the leaves from the stored ciphertext alone and proves chunk 7,
      // which holds plaintext bytes 7500..7599.
      const { leaves } = await chunkDigestsOf(createReadStream(sealedPath));
      expect(leaves).to.have.length(chunkCountOf(chunkSize, summary.size)).and.to.have.length(summary.chunkCount);
      const { first, last } = chunksForPlaintextRange(chunkSize, 7500, 7600);
      expect([first, last]).to.deep.equal([7, 7]);
      const proof = merkleProof(leaves, 7);

      // The requester fetches only that segment and checks it against the on-chain root.
      const { start, end } = segmentRange(chunkSize, 7, summary.size);
      const segment = Buffer.alloc(end - start);
      const file = await open(sealedPath);
      await file.read(segment, 0, segment.length, start);
      await file.close();
      expect(verifyMerkleProof(summary.merkleRoot, sha256(segment), proof)).to.equal(true); // chunk 7: a plain segment digest
      segment[0]! ^= 1;
      expect(verifyMerkleProof(summary.merkleRoot, sha256(segment), proof)).to.equal(false);
    } finally {
      await cleanup();
    }
  });

  it("maps plaintext byte ranges to the chunks that hold them", () => {
    expect(chunksForPlaintextRange(64, 0, 1)).to.deep.equal({ first: 0, last: 0 });
    expect(chunksForPlaintextRange(64, 63, 65)).to.deep.equal({ first: 0, last: 1 });
    expect(chunksForPlaintextRange(64, 64, 128)).to.deep.equal({ first: 1, last: 1 });
    expect(() => chunksForPlaintextRange(64, 5, 5)).to.throw(RangeError);
  });
});
