/**
 * Observes the store's writes that matter to clients and operators, without touching the
 * pipeline stages: a decorator around the {@link Store} that, after each write has committed,
 *
 *   ingest(batch)      → a `grant` event per AccessGranted applied; a `revocation` event per
 *                        request an applied GrantRevoked / ConsentRevoked / MemberSuspended /
 *                        DatasetRetired / key change voided (looked up with requestsWhere)
 *   saveEnvelopes(…)   → a `release` event (released) per envelope stored;
 *                        sealshare_releases_total{kind}; the release latency (the grant block's
 *                        timestamp → the commit)
 *   settleReleases(…) with status refused
 *                      → a `release` event (refused); sealshare_release_refusals_total{reason}
 *
 * Publishing runs after the write on one serial queue (so events keep their order) and never
 * fails the write: a lookup error is logged and the event is skipped (streams are advisory;
 * grant status is the source of truth). Every other method passes straight through, so methods
 * the store gains later need no change here.
 */
import type { Provider } from "ethers";
import type { CustodianEvent, EventBus } from "./bus.js";
import type { Logger } from "../internal/logger.js";
import { KIND_LABEL, type Metrics } from "../internal/metrics.js";
import type { EnvelopeRecord, IngestBatch, RequestFilter, Store, VoidReason } from "../store/store.js";

export interface ObserveDeps {
  bus: EventBus;
  metrics: Metrics;
  /** Reads grant block timestamps for the latency histogram (off the request path). */
  provider: Provider;
  log: Logger;
}

const FANOUT_LIMIT = 10_000;

export function observeStore(inner: Store, deps: ObserveDeps): Store {
  const { bus, metrics, log } = deps;
  let queue: Promise<void> = Promise.resolve();
  const blockTimes = new Map<number, number>();

  function later(what: string, fn: () => Promise<void>): void {
    queue = queue.then(fn).catch((err: unknown) => log.warn({ err, what }, "event publication skipped"));
  }

  function publish(event: CustodianEvent): void {
    bus.publish(event);
    metrics.eventsPublished.inc({ type: event.type });
  }

  async function blockTime(n: number): Promise<number | undefined> {
    const known = blockTimes.get(n);
    if (known !== undefined) return known;
    const b = await deps.provider.getBlock(n);
    if (!b) return undefined;
    if (blockTimes.size > 1000) blockTimes.clear();
    blockTimes.set(n, b.timestamp);
    return b.timestamp;
  }

  async function voided(filter: RequestFilter, reason: VoidReason, seen: Set<string>): Promise<void> {
    for (const r of await inner.requestsWhere(filter, FANOUT_LIMIT)) {
      if (r.voidReason !== reason || seen.has(r.requestId)) continue;
      seen.add(r.requestId);
      publish({ type: "revocation", requestId: r.requestId, requester: r.requester, reason });
    }
  }

  async function fromBatch(batch: IngestBatch): Promise<void> {
    const seen = new Set<string>();
    for (const le of batch.events) {
      const e = le.event;
      switch (e.name) {
        case "AccessGranted":
          publish({
            type: "grant",
            requestId: e.requestId,
            requester: e.requester,
            datasetId: e.datasetId,
            kind: e.kind,
            version: e.version,
            expiresAt: e.expiresAt,
            blockNumber: le.blockNumber,
          });
          break;
        case "GrantRevoked": {
          const r = await inner.request(e.requestId);
          if (r?.voidReason === "Revoked" && !seen.has(r.requestId)) {
            seen.add(r.requestId);
            publish({ type: "revocation", requestId: r.requestId, requester: r.requester, reason: "Revoked" });
          }
          break;
        }
        case "ConsentRevoked":
          await voided({ consentId: e.consentId }, "ConsentRevoked", seen);
          break;
        case "MemberSuspended":
          await voided({ requester: e.member }, "RequesterSuspended", seen);
          break;
        case "DatasetRetired":
          await voided({ datasetId: e.datasetId }, "DatasetRetired", seen);
          break;
        case "EncryptionKeyPublished":
          if (e.previousKeyId !== 0) await voided({ keyId: e.previousKeyId }, "DeviceKeyChanged", seen);
          break;
        case "EncryptionKeyRevoked":
          await voided({ keyId: e.keyId }, "DeviceKeyChanged", seen);
          break;
        default:
          break;
      }
    }
  }

  /** After envelopes committed: count, publish, and time them from their grant's block. */
  function released(records: EnvelopeRecord[], saved: boolean[]): void {
    const persistedAt = Date.now() / 1000;
    records.forEach((rec, i) => {
      if (!saved[i]) return;
      metrics.releases.inc({ kind: KIND_LABEL[rec.kind] ?? String(rec.kind) });
      later("release", async () => {
        // The worker hands requester and grant block along; otherwise they are looked up.
        const r = rec.requester !== undefined && rec.grantBlock !== undefined ? { requester: rec.requester, grantBlock: rec.grantBlock } : await inner.request(rec.requestId);
        if (!r) return;
        publish({ type: "release", requestId: rec.requestId, requester: r.requester, kind: rec.kind, status: "released", reason: null });
        const t = r.grantBlock === null ? undefined : await blockTime(r.grantBlock);
        if (t !== undefined) metrics.releaseLatency.observe(Math.max(0, persistedAt - t));
      });
    });
  }

  function refused(requestId: string, kind: number, reason: string): void {
    metrics.refusals.inc({ reason });
    later("refusal", async () => {
      const r = await inner.request(requestId);
      if (r) publish({ type: "release", requestId, requester: r.requester, kind, status: "refused", reason });
    });
  }

  const overrides: Partial<Store> = {
    async ingest(batch) {
      const result = await inner.ingest(batch);
      if (result.applied > 0) later("ingest", () => fromBatch(batch));
      return result;
    },
    async saveEnvelopes(records) {
      const saved = await inner.saveEnvelopes(records);
      released(records, saved);
      return saved;
    },
    async settleReleases(outcomes) {
      await inner.settleReleases(outcomes);
      for (const o of outcomes) if (o.status === "refused") refused(o.requestId, o.kind, o.reason);
    },
  };

  return new Proxy(inner, {
    get(target, prop) {
      if (typeof prop === "string" && Object.hasOwn(overrides, prop)) return overrides[prop as keyof Store];
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
