/**
 * The shares root: the provider's on-chain commitment to every share of one version's data key.
 *
 * An OpenZeppelin StandardMerkleTree over one leaf per custodian of the set:
 *
 *   [uint256 chainId, address custody, uint64 datasetId, uint32 version, uint32 setId,
 *    uint8 index, bytes32 shareHash]        shareHash = keccak256(share bytes)
 *
 * (leaf = keccak256(bytes.concat(keccak256(abi.encode(…)))), the library's double hash, so a leaf
 * can never pass for an inner node). The root is what `depositShares` stores in the custody
 * contract; the custody contract serves `sharesRoot` to custodians and requesters alike.
 *
 * Why each field: the share hash alone would let a custodian (or anyone holding a share) present
 * a share dealt for another dataset, version, custodian set, custodian slot, custody contract or
 * chain; each of those is a field, so a share verifies only in the one slot it was dealt for —
 * the same binding the data key's own commitment has (sdk/stream/commitment.ts). The index binds
 * the share to a custodian's position in the set, so a bad share is attributed to the custodian
 * that holds that position on chain.
 *
 * A share hash reveals nothing useful: shares of t ≥ 2 are uniformly random bytes; at t = 1 the
 * share is the 256-bit random key itself, and a keccak256 preimage of it is out of reach.
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { getAddress, keccak256 } from "ethers";
import { isBytes32Hex, type Hex } from "../stream/hex.js";
import { SealshareError } from "../errors.js";

/** The ABI types of a leaf, in order (the custody contract's leaf, `ICustody`). */
export const SHARE_LEAF_ENCODING = ["uint256", "address", "uint64", "uint32", "uint32", "uint8", "bytes32"] as const;

/** The slot a set of shares is dealt for: one version of one dataset, one set, one custody contract, one chain. */
export interface ShareSlot {
  chainId: bigint | number;
  /** The custody contract's address (SealshareCustody). */
  custody: string;
  datasetId: bigint | number;
  version: number;
  setId: number;
}

/** A leaf's fields, as StandardMerkleTree takes them: [chainId, custody, datasetId, version, setId, index, shareHash]. */
export type ShareLeaf = [string, string, string, number, number, number, Hex];

/** keccak256 of a share's bytes: the leaf's last field. */
export function shareHash(share: Uint8Array): Hex {
  return keccak256(share) as Hex;
}

/** The leaf of the share dealt to the custodian at `index` for `slot`. */
export function shareLeaf(slot: ShareSlot, index: number, share: Uint8Array): ShareLeaf {
  const version = Number(slot.version);
  const setId = Number(slot.setId);
  if (!Number.isSafeInteger(version) || version < 1 || version > 0xffff_ffff) throw new RangeError("version must be a uint32 ≥ 1");
  if (!Number.isSafeInteger(setId) || setId < 0 || setId > 0xffff_ffff) throw new RangeError("setId must be a uint32");
  if (!Number.isInteger(index) || index < 0 || index > 0xff) throw new RangeError("index must be a uint8");
  const datasetId = BigInt(slot.datasetId);
  if (datasetId < 1n || datasetId >= 1n << 64n) throw new RangeError("datasetId must be a uint64 ≥ 1");
  return [BigInt(slot.chainId).toString(), getAddress(slot.custody), datasetId.toString(), version, setId, index, shareHash(share)];
}

/** A set of shares committed to: the root to deposit, and each custodian's proof. */
export interface SharesCommitment {
  /** The shares root: `depositShares(datasetId, version, setId, root)`. */
  root: Hex;
  /** Every leaf, in custodian order. */
  leaves: ShareLeaf[];
  /** The proof of the share at `index` (sent to that custodian with its wrapped share). */
  shareProof(index: number): Hex[];
}

/**
 * Commits to `shares` (in custodian order, as {@link splitDataKey} returns them) for `slot`.
 *
 * @example
 * ```ts
 * const c = commitShares({ chainId, custody, datasetId, version, setId }, shares);
 * await custody.depositShares(datasetId, version, setId, c.root);
 * const proofForCustodian2 = c.shareProof(2);
 * ```
 */
export function commitShares(slot: ShareSlot, shares: readonly Uint8Array[]): SharesCommitment {
  if (shares.length === 0) throw new SealshareError("THRESHOLD_INVALID_SET", "there are no shares to commit to");
  const leaves = shares.map((share, index) => shareLeaf(slot, index, share));
  const tree = StandardMerkleTree.of(leaves, [...SHARE_LEAF_ENCODING]);
  return {
    root: tree.root as Hex,
    leaves,
    shareProof(index: number): Hex[] {
      if (!Number.isInteger(index) || index < 0 || index >= leaves.length) throw new RangeError(`no share at index ${index}`);
      return tree.getProof(index) as Hex[];
    },
  };
}

/**
 * True when `leaf` is in the tree whose root is `root` (as read from the custody contract).
 * False, never a throw, for a malformed root, leaf or proof: a custodian's answer is untrusted input.
 */
export function verifyShare(root: string, leaf: ShareLeaf, proof: readonly string[]): boolean {
  if (!isBytes32Hex(root) || !Array.isArray(proof) || !proof.every(isBytes32Hex)) return false;
  try {
    return StandardMerkleTree.verify(root, [...SHARE_LEAF_ENCODING], leaf, [...proof]);
  } catch {
    return false;
  }
}

/** {@link verifyShare} for the share `share` at `index` of `slot`. */
export function verifyShareInSlot(root: string, slot: ShareSlot, index: number, share: Uint8Array, proof: readonly string[]): boolean {
  let leaf: ShareLeaf;
  try {
    leaf = shareLeaf(slot, index, share);
  } catch {
    return false;
  }
  return verifyShare(root, leaf, proof);
}
