/**
 * Readiness: can this instance serve correct answers right now?
 *
 *   startup    the startup checks (chain id, contract, CUSTODIAN_ROLE, published key) passed
 *   database   the store answers (reads the cursor)
 *   chain      the RPC endpoint answers eth_blockNumber within `chainTimeoutMs`
 *   ingestion  (head − confirmations) − cursor ≤ `maxLagBlocks`
 *
 * A probe costs one store read and one chain call. Probes are single-flight and a result is
 * reused for `minIntervalMs`, so a load balancer polling /readyz, or many of them, cannot turn
 * into a chain call per HTTP request; a background loop keeps the result (and the metrics that
 * read it) fresh. Liveness (/healthz) never touches the chain.
 *
 * The same probe is the serve path's freshness gate ({@link HealthMonitor.staleness}): envelopes
 * and grant status are answered from stored state, which is only as current as the last head
 * the custodian read. A revocation it cannot see must not be served as a live grant, so while
 * the last successful head read is older than `maxStaleSeconds`, or the stored tip was more
 * than `maxBehindBlocks` behind that head, both routes answer 503 `chain-view-stale` (fail closed).
 *
 * A failed check says only which check failed and how (no answer in time, or an error): never
 * the error's own text, which may carry a database host, user or an RPC URL with credentials.
 * The error itself goes to the log (redacted there, service/internal/logger.ts).
 */
import type { Provider } from "ethers";
import type { SyncStore } from "../store/store.js";
import { messageOf } from "../internal/errors.js";
import type { Logger } from "../internal/logger.js";
import { sleep } from "../internal/shutdown.js";
import type { ChainView } from "../internal/metrics.js";

export interface Check {
  ok: boolean;
  detail?: string;
  [fact: string]: unknown;
}

export interface Readiness {
  ready: boolean;
  checkedAt: number; // unix ms
  checks: { startup: Check; database: Check; chain: Check; ingestion: Check };
}

export interface HealthDeps {
  provider: Provider;
  store: Pick<SyncStore, "cursor">;
  confirmations: number;
  started: () => boolean;
  maxLagBlocks: number;
  chainTimeoutMs: number;
  /** A probe result is reused for this long (default 1000 ms). */
  minIntervalMs?: number;
  /** Where a failed check's error goes (never into the readiness report). */
  log?: Logger;
}

/** How fresh the custodian's view of the chain must be to serve envelopes and grant status. */
export interface FreshnessBound {
  /** Seconds since the last successful read of the chain head. */
  maxStaleSeconds: number;
  /** Blocks the stored tip may be behind the head read then. */
  maxBehindBlocks: number;
}

/** Why the view is too old to serve, or undefined when it is fresh enough. */
export interface Staleness {
  /** Seconds since the last successful head read (null: never read). */
  staleSeconds: number | null;
  behindBlocks: number | null;
  reason: "no-head-read" | "head-read-too-old" | "ingestion-behind";
}

export interface HealthMonitor {
  /**
   * Undefined while the custodian's view of the chain is within `bound`; otherwise why not.
   * Never waits for the chain when a probe result exists (a stale one starts a new probe in the
   * background); waits for the first probe only.
   */
  staleness(bound: FreshnessBound): Promise<Staleness | undefined>;
  /** A fresh (≤ minIntervalMs old) readiness report. */
  probe(): Promise<Readiness>;
  /** The last report, if any (never waits). */
  last(): Readiness | undefined;
  /** What the metrics' chain gauges show. */
  chainView(): Promise<ChainView>;
  /** Probes every `everyMs` until `signal` aborts. */
  run(signal: AbortSignal, everyMs: number): Promise<void>;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    p.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });
}

export function createHealthMonitor(deps: HealthDeps): HealthMonitor {
  const minInterval = deps.minIntervalMs ?? 1000;
  let last: Readiness | undefined;
  let head: number | null = null;
  /** The last successful head read: when (unix ms), which block, and the stored tip then. */
  let lastHead: { atMs: number; head: number; cursor: number | null } | undefined;
  let inFlight: Promise<Readiness> | undefined;

  async function doProbe(): Promise<Readiness> {
    const startup: Check = deps.started() ? { ok: true } : { ok: false, detail: "startup checks have not passed yet" };
    let cursor: number | null = null;
    let database: Check;
    try {
      cursor = (await withTimeout(deps.store.cursor(), deps.chainTimeoutMs, "the database")).blockNumber;
      database = { ok: true };
    } catch (err) {
      const timedOut = /did not answer within/.test(messageOf(err));
      database = { ok: false, detail: timedOut ? `the database did not answer within ${deps.chainTimeoutMs} ms` : "the database failed" };
      deps.log?.warn({ err }, "readiness: the database check failed");
    }
    let chain: Check;
    try {
      head = await withTimeout(deps.provider.getBlockNumber(), deps.chainTimeoutMs, "the RPC endpoint");
      chain = { ok: true, head };
      lastHead = { atMs: Date.now(), head, cursor };
    } catch (err) {
      const timedOut = /did not answer within/.test(messageOf(err));
      chain = { ok: false, detail: timedOut ? `the RPC endpoint did not answer within ${deps.chainTimeoutMs} ms` : "the RPC endpoint failed" };
      deps.log?.warn({ err }, "readiness: the chain check failed");
    }
    let ingestion: Check;
    if (cursor === null || !chain.ok || head === null) {
      ingestion = { ok: false, detail: "unknown while the database or the chain is unavailable" };
    } else {
      const lag = Math.max(0, head - deps.confirmations - cursor);
      ingestion =
        lag <= deps.maxLagBlocks
          ? { ok: true, lagBlocks: lag, maxLagBlocks: deps.maxLagBlocks }
          : { ok: false, lagBlocks: lag, maxLagBlocks: deps.maxLagBlocks, detail: `ingestion is ${lag} blocks behind the confirmed head` };
    }
    const checks = { startup, database, chain, ingestion };
    last = { ready: Object.values(checks).every((c) => c.ok), checkedAt: Date.now(), checks };
    return last;
  }

  function probe(): Promise<Readiness> {
    if (last && Date.now() - last.checkedAt < minInterval) return Promise.resolve(last);
    inFlight ??= doProbe().finally(() => (inFlight = undefined));
    return inFlight;
  }

  return {
    probe,
    last: () => last,
    async staleness(bound) {
      if (!last) await probe().catch(() => undefined);
      else if (Date.now() - last.checkedAt >= minInterval) void probe().catch(() => undefined);
      if (!lastHead) return { staleSeconds: null, behindBlocks: null, reason: "no-head-read" };
      const staleSeconds = Math.floor((Date.now() - lastHead.atMs) / 1000);
      const behindBlocks = lastHead.cursor === null ? null : Math.max(0, lastHead.head - lastHead.cursor);
      if (staleSeconds > bound.maxStaleSeconds) return { staleSeconds, behindBlocks, reason: "head-read-too-old" };
      if (behindBlocks === null || behindBlocks > bound.maxBehindBlocks) return { staleSeconds, behindBlocks, reason: "ingestion-behind" };
      return undefined;
    },
    async chainView() {
      // A scrape refreshes the probe (reused for a second, bounded by the chain timeout).
      await probe().catch(() => undefined);
      let cursor: number | null = null;
      try {
        cursor = (await deps.store.cursor()).blockNumber;
      } catch {
        /* shown as absent */
      }
      const up = last?.checks.chain.ok ?? false;
      const lag = head !== null && cursor !== null ? Math.max(0, head - deps.confirmations - cursor) : null;
      return { head, up, cursor, lag };
    },
    async run(signal, everyMs) {
      while (!signal.aborted) {
        await probe().catch(() => undefined);
        await sleep(everyMs, signal);
      }
    },
  };
}
