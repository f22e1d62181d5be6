/**
 * The share leaf of threshold custody and its check against the on-chain shares root: an
 * OpenZeppelin StandardMerkleTree leaf [chainId, custody contract, datasetId, version, setId,
 * index, keccak256(share)] (contracts/interfaces/ICustody.sol header; sdk/threshold/commitment.ts
 * builds the same tree on the provider's side).
 * TODO(integrator): replace with sdk/threshold/commitment.ts `verifyShare` once slice E is merged —
 * one home for the leaf definition.
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { getAddress, keccak256 } from "ethers";

export const SHARE_LEAF_TYPES = ["uint256", "address", "uint64", "uint32", "uint32", "uint8", "bytes32"] as const;

export interface ShareLeafFields {
  chainId: bigint;
  custody: string;
  datasetId: bigint;
  version: number;
  setId: number;
  index: number;
  share: Uint8Array;
}

/** True when the share's leaf with `proof` verifies against `root`. Never throws on bad input. */
export function verifyShareLeaf(root: string, f: ShareLeafFields, proof: readonly string[]): boolean {
  try {
    const leaf = [f.chainId.toString(), getAddress(f.custody), f.datasetId.toString(), f.version.toString(), f.setId.toString(), f.index.toString(), keccak256(f.share)];
    return StandardMerkleTree.verify(root, [...SHARE_LEAF_TYPES], leaf, [...proof]);
  } catch {
    return false;
  }
}
