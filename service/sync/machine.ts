/**
 * The ingestion state machine, as a pure function: given what the store holds (the tip and the
 * kept block headers, linked by parent hash) and the chain head just observed, what to do next.
 * The follower (./follower.ts) performs the decision and feeds the result back; tests drive this
 * function directly with hand-made chains.
 *
 * States (phases):
 *  - **backfill**: the tip is below the header window (head − confirmations − keep): fetch
 *    bounded eth_getLogs ranges of blocks that are already final, several in flight, applied in
 *    order, each range with its checkpoint in one transaction. No per-block headers.
 *  - **live**: the tip is inside the window: follow the head block by block, keeping headers.
 *
 * Cases handled at the head (events the machine reacts to — new block, reorg, finalized):
 *  - **duplicate**: the head is a block we already hold (same number and hash) → nothing to
 *    ingest; only chain time and the finalized block may move.
 *  - **next block**: head.number = tip + 1 and head.parentHash = tip.hash → ingest that block.
 *  - **gap**: head.number > tip + 1 → fetch the missing headers (tip+1 … ≤ tip+maxGap), check
 *    they link to the tip and to each other, ingest them as a run of next blocks.
 *  - **reorg**: the head does not extend our tip (parent mismatch, or a head at or below our
 *    tip with another hash) → find the newest kept header that is still canonical (the common
 *    ancestor), roll back everything derived from the blocks above it, then continue (the next
 *    step sees a gap from the ancestor).
 *  - **finalized**: whenever the head moves, blocks ≤ head − confirmations become final; the
 *    store creates their releases in the same transaction as the move. Nothing is released from
 *    a block above it.
 */
import type { BlockHeader, Cursor } from "../store/store.js";

export type Decision =
  | { kind: "backfill"; from: number; to: number }
  | { kind: "duplicate" }
  | { kind: "next"; block: BlockHeader }
  | { kind: "gap"; from: number; to: number }
  | { kind: "reorg" };

export interface MachineConfig {
  confirmations: number;
  /** Final blocks to keep headers for below the unfinalized window (reorg detection at depth 0). */
  keep: number;
  /** First block to follow (the deployment block). */
  startBlock: number;
  /** Largest backfill range and header run per step. */
  maxRange: number;
}

/** The lowest block ingested with its header (live mode); below it, backfill by ranges. */
export function windowStart(headNumber: number, c: MachineConfig): number {
  return Math.max(c.startBlock, headNumber - c.confirmations - c.keep + 1);
}

export function decide(tip: Cursor, headers: readonly BlockHeader[], head: BlockHeader, c: MachineConfig): Decision {
  const live = windowStart(head.number, c);
  if (tip.blockNumber < live - 1) {
    const from = tip.blockNumber + 1;
    return { kind: "backfill", from, to: Math.min(live - 1, from + c.maxRange - 1) };
  }
  if (head.number <= tip.blockNumber) {
    const known = headers.find((h) => h.number === head.number);
    if (known && known.hash === head.hash.toLowerCase() && head.number === tip.blockNumber) return { kind: "duplicate" };
    // A head below our tip, or another block at a height we hold: the chain we followed changed.
    return { kind: "reorg" };
  }
  if (head.number === tip.blockNumber + 1) {
    if (tip.blockHash === null || head.parentHash.toLowerCase() === tip.blockHash) return { kind: "next", block: head };
    return { kind: "reorg" };
  }
  return { kind: "gap", from: tip.blockNumber + 1, to: Math.min(head.number, tip.blockNumber + c.maxRange) };
}

/**
 * The common ancestor: the newest kept header whose hash is still canonical, given the
 * canonical headers at the same heights (missing = the chain is shorter there). Null when none
 * of the kept headers is canonical (a reorg deeper than what we keep).
 */
export function commonAncestor(kept: readonly BlockHeader[], canonical: ReadonlyMap<number, string>): BlockHeader | null {
  for (let i = kept.length - 1; i >= 0; i--) {
    const h = kept[i]!;
    if (canonical.get(h.number)?.toLowerCase() === h.hash) return h;
  }
  return null;
}

/** Checks a run of headers links to `parentHash` and to each other; returns the first break. */
export function firstBreak(parentHash: string | null, run: readonly BlockHeader[]): number {
  let prev = parentHash;
  for (let i = 0; i < run.length; i++) {
    const h = run[i]!;
    if (prev !== null && h.parentHash.toLowerCase() !== prev) return i;
    prev = h.hash.toLowerCase();
  }
  return -1;
}
