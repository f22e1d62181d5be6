/**
 * Receipt batches as OpenZeppelin StandardMerkleTree roots (the `@openzeppelin/merkle-tree`
 * library itself, so proofs verify with OpenZeppelin's MerkleProof and with any auditor's copy
 * of the library). A leaf is the contract's `receiptLeaf(requestId, kind, envelopeHash,
 * releasedAt)` = keccak256(bytes.concat(keccak256(abi.encode(uint256, uint8, bytes32, uint40)))).
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { getBytes, hexlify, toBeArray } from "ethers";
import { randomUUID } from "node:crypto";

export const LEAF_ENCODING = ["uint256", "uint8", "bytes32", "uint40"] as const;

type LeafValue = [string, number, string, number];

export interface BatchMember {
  requestId: string; // decimal
  kind: number;
  envelopeHash: string;
  releasedAt: number;
}

/** The leaf of one release, as IReceipts.receiptLeaf computes it (hashed directly: hot path). */
export function receiptLeaf(m: BatchMember): string {
  const enc = new Uint8Array(128);
  const put = (i: number, v: bigint) => {
    const b = toBeArray(v);
    enc.set(b, 32 * (i + 1) - b.length);
  };
  put(0, BigInt(m.requestId));
  put(1, BigInt(m.kind));
  enc.set(getBytes(m.envelopeHash), 64);
  put(3, BigInt(m.releasedAt));
  return hexlify(keccak_256(keccak_256(enc)));
}

function value(m: BatchMember): LeafValue {
  return [m.requestId, m.kind, m.envelopeHash, m.releasedAt];
}

/** Root and one proof per member (in the members' order). */
export function buildBatch(members: readonly BatchMember[]): { root: string; leaves: string[]; proofs: string[][] } {
  const tree = StandardMerkleTree.of(members.map(value), [...LEAF_ENCODING]);
  return {
    root: tree.root,
    leaves: members.map((m) => tree.leafHash(value(m))),
    proofs: members.map((_, i) => tree.getProof(i)),
  };
}

/** Verifies a proof off chain (what an auditor does before asking the chain). */
export function verifyReceiptProof(root: string, m: BatchMember, proof: string[]): boolean {
  return StandardMerkleTree.verify(root, [...LEAF_ENCODING], value(m), proof);
}

/** A fresh batch id: a UUID v4 as 16 bytes, 0x hex. */
export function newBatchId(): string {
  return `0x${randomUUID().replace(/-/g, "")}`;
}
