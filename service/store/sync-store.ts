/**
 * The sync aggregate: the tip, the finalized block, the checkpoint of the last applied log, the
 * unfinalized block headers, and the facts of ledger events — what service/sync/ follows the chain
 * with. Its writes are the custodian's checkpoints: each is ONE transaction with everything it
 * caused (release rows of grants that became final, receipt confirmations, and on a reorg the
 * rollback of releases, receipts and transactions): see ./sql-sync.ts.
 */
import type { BlockHeader, Cursor, IngestBatch, IngestResult, RewindResult, SyncState } from "./store.js";

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
