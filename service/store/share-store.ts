/**
 * Threshold custody (contracts/interfaces/ICustody.sol): the Shamir share of a dataset version's
 * data key this custodian holds for one custodian set, and the shred orders it carried out. Never
 * a whole key: a share alone reveals nothing about the key (service/keys/share-deposit.ts).
 */

/** One deposited share: this custodian's share of (dataset, version) for set `setId`, sealed under the master key. */
export interface StoredShare {
  datasetId: string; // decimal
  version: number;
  setId: number;
  index: number; // this custodian's 0-based position in the set
  sealed: Uint8Array; // the share bytes sealed under the master key (context `share|setId|index`)
  proof: string[]; // the leaf's StandardMerkleTree proof, bytes32 hex each
  sharesRoot: string; // the on-chain root the share verified against
  depositedBy: string; // the provider that deposited it
  depositedAt: number;
}

/** A final shred order this custodian carried out (share row deleted), and its confirmation on chain. */
export interface ShredRecord {
  datasetId: string;
  version: number;
  setId: number;
  orderedBlock: number; // the block of the ShredOrdered event
  shreddedAt: number; // unix seconds: when the share row was deleted
}

export interface ShareStore {
  /** The share held for (dataset, version, set), if any. */
  share(datasetId: string, version: number, setId: number): Promise<StoredShare | undefined>;
  /**
   * Stores a share, unless one is stored for (dataset, version, set) or the triple was shredded
   * (then `created` is false and nothing changes); wakes the releases of the version that wait
   * for their key (`waiting-key`).
   */
  putShare(s: StoredShare): Promise<{ created: boolean; shredded: boolean; woken: number }>;
  /**
   * Carries out a shred order in one transaction: deletes the share row of (dataset, version,
   * set) and records the shred (so the share is never accepted nor served again). `deleted`
   * says whether a share was held. Repeating it changes nothing.
   */
  shredShare(r: ShredRecord): Promise<{ deleted: boolean; recorded: boolean }>;
  /** Whether (dataset, version, set) was shredded here. */
  shredded(datasetId: string, version: number, setId: number): Promise<boolean>;
  /** Master key rotation: replaces every share's sealed bytes by `rewrap(share)`, in one transaction. Returns how many. */
  rewrapShares(rewrap: (s: StoredShare) => Uint8Array): Promise<number>;
  /** The last block the shred watcher scanned for ShredOrdered (−1 before the first scan). */
  custodyScanned(): Promise<number>;
  setCustodyScanned(block: number): Promise<void>;
}
