/**
 * The Merkle tree over a stream's chunks, so one chunk (and so a plaintext byte range) can be
 * checked against the on-chain root without the rest of the file.
 *
 * Leaves are chunk digests: leaf_i = SHA-256(segment_i), where segment_i is chunk i's ciphertext
 * and tag exactly as stored. The tree is the RFC 9162 (Certificate Transparency v2) Merkle Tree
 * Hash over those entries, i.e. with domain separation so a leaf can never pass for a node:
 *
 *   hashLeaf(d)    = SHA-256(0x00 || d)
 *   hashNode(l, r) = SHA-256(0x01 || l || r)
 *
 * Built level by level, an unpaired last node is promoted unchanged to the next level; that is the
 * same tree as RFC 9162's "split at the largest power of two", which the tests check.
 *
 * Platform-neutral: interior hashes use @noble/hashes (synchronous, tiny inputs), so the browser
 * implementation builds the same tree; chunk digests themselves come from WebCrypto.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { fromHex, toHex, type Hex } from "./hex.js";

const DIGEST_LENGTH = 32;
const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

/** Inclusion proof for leaf `index` of a tree with `leafCount` leaves. */
export interface MerkleProof {
  readonly index: number;
  readonly leafCount: number;
  /** Sibling hashes from the leaf level up, skipping levels where the node was promoted. */
  readonly siblings: readonly Hex[];
}

export function hashLeaf(chunkDigest: Uint8Array): Uint8Array {
  if (chunkDigest.byteLength !== DIGEST_LENGTH) throw new RangeError("a leaf is a 32-byte chunk digest");
  return sha256.create().update(LEAF_PREFIX).update(chunkDigest).digest();
}

export function hashNode(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256.create().update(NODE_PREFIX).update(left).update(right).digest();
}

/**
 * Computes the root incrementally with O(log n) memory, so encryption can report it in the same
 * pass without keeping one digest per chunk. The stack holds roots of perfect subtrees, largest
 * first; equal sizes merge like a binary counter, and the final right-to-left fold reproduces the
 * promotion rule.
 */
export class MerkleAccumulator {
  readonly #stack: { hash: Uint8Array; size: number }[] = [];
  #count = 0;

  get leafCount(): number {
    return this.#count;
  }

  push(chunkDigest: Uint8Array): void {
    let node = { hash: hashLeaf(chunkDigest), size: 1 };
    for (let top = this.#stack.at(-1); top !== undefined && top.size === node.size; top = this.#stack.at(-1)) {
      this.#stack.pop();
      node = { hash: hashNode(top.hash, node.hash), size: top.size * 2 };
    }
    this.#stack.push(node);
    this.#count++;
  }

  root(): Hex {
    if (this.#count === 0) throw new RangeError("a Merkle tree needs at least one leaf");
    let acc = this.#stack.at(-1)!.hash;
    for (let i = this.#stack.length - 2; i >= 0; i--) acc = hashNode(this.#stack[i]!.hash, acc);
    return toHex(acc);
  }
}

/** Root over chunk digests (32-byte buffers or 0x hex). At least one leaf is required. */
export function merkleRootOfLeaves(leaves: readonly (Uint8Array | Hex)[]): Hex {
  const acc = new MerkleAccumulator();
  for (const leaf of leaves) acc.push(asDigest(leaf));
  return acc.root();
}

/** Builds the inclusion proof for leaf `index`. Needs every leaf (32 bytes per chunk). */
export function merkleProof(leaves: readonly (Uint8Array | Hex)[], index: number): MerkleProof {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) {
    throw new RangeError(`leaf index ${index} is outside a tree of ${leaves.length} leaves`);
  }
  const siblings: Hex[] = [];
  let level = leaves.map((leaf) => hashLeaf(asDigest(leaf)));
  for (let i = index; level.length > 1; i >>= 1) {
    const sibling = i % 2 === 1 ? level[i - 1] : level[i + 1]; // undefined: promoted, no sibling
    if (sibling !== undefined) siblings.push(toHex(sibling));
    level = nextLevel(level);
  }
  return { index, leafCount: leaves.length, siblings };
}

/**
 * True when `chunkDigest` is leaf `proof.index` of the tree with root `root`. Never throws.
 * Take `proof.leafCount` from the registered ciphertext size (layout.chunkCountOf), not from
 * whoever supplied the proof: the root does not commit to the count by itself.
 */
export function verifyMerkleProof(root: Hex, chunkDigest: Uint8Array | Hex, proof: MerkleProof): boolean {
  try {
    const computed = rootFromProof(chunkDigest, proof);
    return computed !== undefined && computed === root.toLowerCase();
  } catch {
    return false; // malformed digest or sibling: not a valid proof
  }
}

/** Recomputes the root a proof implies, or undefined if the proof has the wrong shape. */
function rootFromProof(chunkDigest: Uint8Array | Hex, { index, leafCount, siblings }: MerkleProof): Hex | undefined {
  if (!Number.isInteger(index) || !Number.isInteger(leafCount) || index < 0 || index >= leafCount) return undefined;
  let hash = hashLeaf(asDigest(chunkDigest));
  let used = 0;
  for (let i = index, width = leafCount; width > 1; i >>= 1, width = Math.ceil(width / 2)) {
    const isRight = i % 2 === 1;
    if (!isRight && i === width - 1) continue; // promoted: this level has no sibling
    const sibling = siblings[used++];
    if (sibling === undefined) return undefined;
    hash = isRight ? hashNode(asDigest(sibling), hash) : hashNode(hash, asDigest(sibling));
  }
  return used === siblings.length ? toHex(hash) : undefined;
}

function nextLevel(level: readonly Uint8Array[]): Uint8Array[] {
  const next: Uint8Array[] = [];
  for (let i = 0; i < level.length; i += 2) {
    const right = level[i + 1];
    next.push(right === undefined ? level[i]! : hashNode(level[i]!, right));
  }
  return next;
}

function asDigest(leaf: Uint8Array | Hex): Uint8Array {
  const bytes = typeof leaf === "string" ? fromHex(leaf, DIGEST_LENGTH) : leaf;
  if (bytes.byteLength !== DIGEST_LENGTH) throw new RangeError("a leaf is a 32-byte chunk digest");
  return bytes;
}
