/**
 * The sync aggregate: the tip, the finalized block, the checkpoint of the last applied log, the
 * unfinalized block headers, and the facts of ledger events — what service/sync/ follows the chain
 * with. Its writes are the custodian's checkpoints: each is ONE transaction with everything it
 * caused (release rows of grants that became final, receipt confirmations, and on a reorg the
 * rollback of releases, receipts and transactions): see ./sql-sync.ts.
 */

/** The last block whose events are fully applied. `blockHash` null = before the first block. */
export interface Cursor {
  blockNumber: number;
  blockHash: string | null;
}

/** A block header as the sync state machine keeps it. */
export interface BlockHeader {
  number: number;
  hash: string;
  parentHash: string;
  timestamp: number;
}

export interface SyncState {
  tip: Cursor;
  /** Highest block final at the configured confirmation depth; releases come only from ≤ this. */
  finalized: number;
  /** Ordering key of the last applied log: `block:txIndex:logIndex`, each zero-padded. */
  checkpoint: string;
  chainTime: number;
}

/** The ledger events the custodian derives state from (decoded by service/sync/events.ts). */
export type LedgerEvent =
  | { name: "AccessRequested"; requestId: string; datasetId: string; requester: string; consentId: string; version: number; kind: number; keyId: number }
  | { name: "AccessGranted"; requestId: string; datasetId: string; requester: string; kind: number; expiresAt: number; version: number; keyId: number }
  | { name: "GrantRevoked"; requestId: string }
  | { name: "ConsentRevoked"; consentId: string }
  | { name: "MemberSuspended"; member: string }
  | { name: "DatasetVersionPublished"; datasetId: string; version: number; keyCommitment: string }
  | { name: "DatasetRetired"; datasetId: string }
  | { name: "EncryptionKeyPublished"; owner: string; keyId: number; previousKeyId: number }
  | { name: "EncryptionKeyRevoked"; owner: string; keyId: number }
  | { name: "KeyReleased"; requestId: string; kind: number; envelopeHash: string }
  | { name: "ReceiptBatchSealed"; batchId: string; root: string; count: number }
  | { name: "Paused" }
  | { name: "Unpaused" };

export type LedgerEventName = LedgerEvent["name"];

/** An event with where it was logged. Ordered by (blockNumber, logIndex). */
export interface LoggedEvent {
  blockNumber: number;
  blockHash: string;
  logIndex: number;
  txHash: string;
  txIndex?: number;
  event: LedgerEvent;
}

export interface IngestBatch {
  events: LoggedEvent[];
  /** The tip after this batch: the last block of the range applied. */
  cursor: Cursor;
  /** Headers of blocks in the range to keep for reorg detection (default none). */
  headers?: BlockHeader[];
  /** The finalized block after this batch (default: the new tip, i.e. confirmation depth 0). */
  finalized?: number;
  /** The chain head's timestamp, the service's view of chain time. */
  chainTime: number;
  /** Keep headers this many blocks below the finalized block (default 64). */
  keepHeaders?: number;
}

export interface IngestResult {
  applied: number; // events new to the store
  duplicates: number; // events already stored (replay), ignored
  grants: number; // AccessGranted among the applied
  /** Grants that became final in this batch: release rows created (the worker has work). */
  finalizedGrants: number;
  /** Receipts (single or batch members) confirmed final in this batch. */
  confirmedReceipts: number;
}

export interface RewindResult {
  removed: number; // facts deleted
  /**
   * Releases with an envelope whose grant was orphaned (a reorg deeper than the confirmation
   * depth): archived, no longer served nor receipted.
   */
  releasedOrphans: { requestId: string; kind: number }[];
}

export interface SyncStore {
  /** The tip: the last block whose events are applied. */
  cursor(): Promise<Cursor>;
  syncState(): Promise<SyncState>;
  /** The latest chain-head timestamp seen (0 before the first poll). */
  chainTime(): Promise<number>;
  /** Records a newer chain-head time (never moves it back). */
  setChainTime(chainTime: number): Promise<void>;
  /** Stored block headers (the unfinalized window and a few final ones), ascending. */
  blocks(): Promise<BlockHeader[]>;
  /** Applies a block range atomically: facts, headers, tip, finalized block, checkpoint. */
  ingest(batch: IngestBatch): Promise<IngestResult>;
  /**
   * Moves the finalized block to `finalized` (≤ tip) and creates the releases of grants that
   * became final; same effect as an ingest with no events.
   */
  finalize(finalized: number, chainTime: number): Promise<IngestResult>;
  /**
   * Undoes everything derived from blocks after `keep` (orphaned by a reorg): facts, headers,
   * releases not yet released, receipt confirmations; moves the tip to `keep`.
   */
  rewind(keep: Cursor): Promise<RewindResult>;
  /** Distinct (block, hash) of stored facts, newest first (deep-reorg fork point search). */
  recentEventBlocks(limit: number): Promise<{ blockNumber: number; blockHash: string }[]>;
}
