/**
 * The event follower: runs the ingestion state machine (./machine.ts, where the phases and the
 * cases — duplicate, next block, gap, reorg, finalized — are described) against the chain.
 *
 * One {@link Follower.step} observes the head, asks the machine what to do, does it, and
 * applies the result in ONE store transaction per block range: the facts, the headers, the new
 * tip and its checkpoint, the finalized block and the releases that became due. A crash at any
 * point keeps all of a range or none of it; replaying a range changes nothing.
 *
 *  - backfill: up to `concurrency` bounded eth_getLogs ranges are fetched at once and applied in
 *    order (the next range's logs are on the wire while the previous one is written).
 *  - live: headers are fetched (concurrently, batched) and checked to link by parent hash;
 *    every log must carry the hash of the header we hold for its block, or the step is retried.
 *  - reorg: the newest kept header that is still canonical is the fork point; everything above
 *    it is rolled back (store.rewind). If no kept header is canonical (a reorg deeper than the
 *    headers kept), the blocks of stored facts are searched the same way, and failing that the
 *    follower restarts from the deployment block. A release already made from an orphaned grant
 *    (possible only with a reorg deeper than the confirmation depth) is logged as an error.
 *  - RPC failures are retried with exponential back-off and jitter; the loop never dies.
 *
 * Typed events (new blocks, reorg, finalized) are reported to `onEvent` for the release worker's
 * bell, metrics and server-sent events. Chain time (the head's timestamp) is recorded with every
 * step: expiry on the fetch hot path is judged against max(wall clock, chain time).
 */
import type { Provider } from "ethers";
import type { Logger } from "../internal/logger.js";
import { backoff, sleep } from "../internal/shutdown.js";
import { isRetryable, RetryableError } from "../internal/errors.js";
import type { BlockHeader, Cursor, IngestResult, LoggedEvent, SyncStore } from "../store/store.js";
import { createChainReader, type ChainReader } from "./chain.js";
import type { Send } from "./rpc.js";
import { decodeRawLog, TRACKED_TOPICS, type RawLog } from "./events.js";
import { commonAncestor, decide, firstBreak, type MachineConfig } from "./machine.js";

export interface FollowerDeps {
  provider: Provider; // a JSON-RPC provider (send() is used unless `rpc` is given)
  /** A lean JSON-RPC transport to the same endpoint (./rpc.ts), used instead of `provider.send`. */
  rpc?: Send;
  ledger: string; // address
  store: SyncStore;
  log: Logger;
  confirmations: number;
  pollMs: number;
  maxBlockRange: number;
  /** Where to start on an empty store (the deployment block). */
  startBlock: number;
  /** Backfill ranges fetched at once (default 4). */
  concurrency?: number;
  /** Final blocks whose headers are kept for reorg detection (default 64). */
  keepHeaders?: number;
  /** Longest run of headers fetched in one live step (default 200). */
  maxHeaderRun?: number;
  /** Told about every transition (the worker's bell, metrics, SSE). */
  onEvent?: (e: SyncEvent) => void;
}

/** What happened, as typed events. */
export type SyncEvent =
  | { type: "new-blocks"; from: number; to: number; mode: "backfill" | "next" | "gap"; result: IngestResult }
  | { type: "reorg"; from: number; to: number; removed: number; deep: boolean }
  | { type: "finalized"; block: number; result: IngestResult };

export type Step =
  | { kind: "caught-up"; cursor: number; finalized: number }
  | { kind: "advanced"; mode: "backfill" | "next" | "gap"; from: number; to: number; result: IngestResult; head: number }
  | { kind: "reorg"; from: number; to: number; removed: number; deep: boolean };

export interface Follower {
  /** Does one step of the state machine (see the file header). */
  step(): Promise<Step>;
  /** Steps until `signal` aborts: at once while behind; when caught up, once a new block is seen (polled every `pollMs`). */
  run(signal: AbortSignal): Promise<void>;
}

/** When caught up, a full step (head, store) at least this often even if no block is reported. */
export const FULL_STEP_EVERY_MS = 1000;

const sortEvents = (a: LoggedEvent, b: LoggedEvent) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex;

export function createFollower(deps: FollowerDeps): Follower {
  const { store, log } = deps;
  const chain: ChainReader = createChainReader(deps.provider, deps.ledger, TRACKED_TOPICS, deps.rpc);
  const keep = deps.keepHeaders ?? 64;
  const config: MachineConfig = { confirmations: deps.confirmations, keep, startBlock: deps.startBlock, maxRange: deps.maxBlockRange };
  const concurrency = Math.max(1, deps.concurrency ?? 4);
  const maxHeaderRun = deps.maxHeaderRun ?? 200;
  const emit = (e: SyncEvent) => {
    try {
      deps.onEvent?.(e);
    } catch (err) {
      log.warn({ err }, "sync event listener failed");
    }
  };

  function decodeAll(logs: RawLog[], expect?: Map<number, string>): LoggedEvent[] {
    const events: LoggedEvent[] = [];
    for (const l of logs) {
      if (l.removed) continue;
      const e = decodeRawLog(l);
      if (!e) continue;
      const want = expect?.get(e.blockNumber);
      if (expect && want !== e.blockHash) throw new RetryableError(`block ${e.blockNumber} changed while its logs were fetched`);
      events.push(e);
    }
    return events.sort(sortEvents);
  }

  const finalizedFor = (head: BlockHeader, tip: number) => Math.min(tip, head.number - deps.confirmations);

  async function backfill(from: number, lastTo: number, tip: Cursor, head: BlockHeader): Promise<Step> {
    // Up to `concurrency` ranges, fetched together, applied in order.
    const ranges: [number, number][] = [];
    for (let f = from; f <= lastTo && ranges.length < concurrency; f += deps.maxBlockRange) {
      ranges.push([f, Math.min(lastTo, f + deps.maxBlockRange - 1)]);
    }
    const end = ranges.at(-1)![1];
    const fetched = ranges.map(([f, t]) => Promise.all([chain.logs(f, t), chain.header(t)]));
    fetched.forEach((p) => p.catch(() => undefined)); // awaited in order below
    const first = tip.blockHash === null ? null : await chain.header(from);
    if (first && first.parentHash !== tip.blockHash) return reorg(tip, head);

    let total: IngestResult = { applied: 0, duplicates: 0, grants: 0, finalizedGrants: 0, confirmedReceipts: 0 };
    for (let i = 0; i < ranges.length; i++) {
      const [f, t] = ranges[i]!;
      const [logs, last] = await fetched[i]!;
      const events = decodeAll(logs);
      if (events.some((e) => e.blockNumber === t && e.blockHash !== last.hash)) throw new RetryableError(`block ${t} changed while its logs were fetched`);
      const result = await store.ingest({
        events,
        cursor: { blockNumber: t, blockHash: last.hash },
        headers: [last],
        finalized: finalizedFor(head, t),
        chainTime: head.timestamp,
        keepHeaders: keep,
      });
      if (result.applied > 0) log.debug({ from: f, to: t, ...result }, "backfilled block range");
      emit({ type: "new-blocks", from: f, to: t, mode: "backfill", result });
      total = addResults(total, result);
    }
    return { kind: "advanced", mode: "backfill", from, to: end, result: total, head: head.number };
  }

  async function applyRun(run: BlockHeader[], head: BlockHeader, mode: "next" | "gap"): Promise<Step> {
    const from = run[0]!.number;
    const to = run.at(-1)!.number;
    const expect = new Map(run.map((h) => [h.number, h.hash]));
    const logs = run.length === 1 ? await chain.logsAt(run[0]!.hash) : await chain.logs(from, to);
    const events = decodeAll(logs, expect);
    const result = await store.ingest({
      events,
      cursor: { blockNumber: to, blockHash: run.at(-1)!.hash },
      headers: run,
      finalized: finalizedFor(head, to),
      chainTime: head.timestamp,
      keepHeaders: keep,
    });
    if (result.applied > 0) log.debug({ from, to, mode, ...result }, "ingested blocks");
    emit({ type: "new-blocks", from, to, mode, result });
    return { kind: "advanced", mode, from, to, result, head: head.number };
  }

  async function reorg(tip: Cursor, head: BlockHeader): Promise<Step> {
    const kept = (await store.blocks()).filter((h) => h.number <= tip.blockNumber);
    const canonical = await chain.hashesAt(kept.map((h) => h.number));
    let ancestor: Cursor | null = null;
    const found = commonAncestor(kept, canonical);
    let deep = false;
    if (found) {
      ancestor = { blockNumber: found.number, blockHash: found.hash };
    } else {
      deep = true;
      // Deeper than the kept headers: search the blocks facts came from, newest first.
      const candidates = (await store.recentEventBlocks(1000)).filter((b) => b.blockNumber <= Math.min(tip.blockNumber, head.number));
      const hashes = await chain.hashesAt(candidates.map((c) => c.blockNumber));
      const hit = candidates.find((c) => hashes.get(c.blockNumber) === c.blockHash);
      ancestor = hit ? { blockNumber: hit.blockNumber, blockHash: hit.blockHash } : { blockNumber: deps.startBlock - 1, blockHash: null };
    }
    const { removed, releasedOrphans } = await store.rewind(ancestor);
    const ctx = { from: tip.blockNumber, to: ancestor.blockNumber, depth: tip.blockNumber - ancestor.blockNumber, removedFacts: removed, deep };
    if (releasedOrphans.length > 0) {
      log.error(
        { ...ctx, releases: releasedOrphans.slice(0, 20), count: releasedOrphans.length },
        "a reorg deeper than the confirmation depth orphaned grants whose keys were already released (archived in orphaned_releases: " +
          "no longer served nor receipted; a re-grant gets a fresh release); raise SEALSHARE_CONFIRMATIONS",
      );
    }
    log.warn(ctx, "reorg detected: rolled back to the common ancestor");
    const e = { from: tip.blockNumber, to: ancestor.blockNumber, removed, deep };
    emit({ type: "reorg", ...e });
    return { kind: "reorg", ...e };
  }

  async function step(): Promise<Step> {
    const head = await chain.header("latest");
    const state = await store.syncState();
    const tip = state.tip;
    const headers = await store.blocks();
    const d = decide(tip, headers, head, config);
    switch (d.kind) {
      case "backfill":
        return backfill(d.from, d.to, tip, head);
      case "next":
        return applyRun([d.block], head, "next");
      case "gap": {
        const run = await chain.headers(d.from, Math.min(d.to, d.from + maxHeaderRun - 1));
        const broken = firstBreak(tip.blockHash, run);
        if (broken === 0) return reorg(tip, head);
        if (broken > 0) throw new RetryableError(`the chain changed while headers ${d.from}..${d.to} were fetched`);
        return applyRun(run, head, "gap");
      }
      case "reorg":
        return reorg(tip, head);
      case "duplicate": {
        const finalized = finalizedFor(head, tip.blockNumber);
        if (finalized > state.finalized) {
          const result = await store.finalize(finalized, head.timestamp);
          emit({ type: "finalized", block: finalized, result });
          return { kind: "caught-up", cursor: tip.blockNumber, finalized };
        }
        if (head.timestamp > state.chainTime) await store.setChainTime(head.timestamp);
        return { kind: "caught-up", cursor: tip.blockNumber, finalized: state.finalized };
      }
    }
  }

  /**
   * Caught up: wait for a new block. With a new-block filter (eth_newBlockFilter, polled every
   * `pollMs` with eth_getFilterChanges) an idle poll is one small RPC and no store read; the full
   * step runs once the node reports a block, and at least every {@link FULL_STEP_EVERY_MS} as a
   * safety net (a filter lost on a node restart or behind a load balancer). A node without
   * filters (or one that loses them) is polled with full steps every `pollMs`, as before.
   */
  let filter: string | undefined;
  let filterless = false;
  async function waitForNews(signal: AbortSignal): Promise<void> {
    const since = Date.now();
    for (;;) {
      await sleep(deps.pollMs, signal);
      if (signal.aborted || filterless || Date.now() - since >= Math.max(FULL_STEP_EVERY_MS, deps.pollMs)) return;
      try {
        if (filter === undefined) {
          filter = await chain.newBlockFilter();
          return; // blocks may have come while there was no filter: look once
        }
        if ((await chain.filterChanges(filter)).length > 0) return;
      } catch (err) {
        const answered = typeof (err as { rpcCode?: unknown } | null)?.rpcCode === "number"; // a JSON-RPC error answer
        if (filter === undefined && (answered || !isRetryable(err))) {
          filterless = true; // the node refused eth_newBlockFilter (not a network failure)
          log.info({ err }, "the RPC endpoint has no block filters; polling the head instead");
        }
        filter = undefined; // lost (node restarted, another backend): a new one next time
        return;
      }
    }
  }

  async function run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      try {
        const s = await step();
        failures = 0;
        if (s.kind === "caught-up") await waitForNews(signal);
      } catch (err) {
        const delay = backoff(failures++, deps.pollMs);
        if (isRetryable(err)) log.warn({ err, retryInMs: delay }, "event follower: RPC failure, backing off");
        else log.error({ err, retryInMs: delay }, "event follower: unexpected failure, backing off");
        await sleep(delay, signal);
      }
    }
  }

  return { step, run };
}

function addResults(a: IngestResult, b: IngestResult): IngestResult {
  return {
    applied: a.applied + b.applied,
    duplicates: a.duplicates + b.duplicates,
    grants: a.grants + b.grants,
    finalizedGrants: a.finalizedGrants + b.finalizedGrants,
    confirmedReceipts: a.confirmedReceipts + b.confirmedReceipts,
  };
}
