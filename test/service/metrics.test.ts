/**
 * Operations: Prometheus metrics after real releases, readiness and liveness on a real chain,
 * and the readiness checks one by one (database, chain timeout, ingestion lag, startup) with
 * stand-ins for the chain and the store.
 */
import { expect } from "chai";
import type { Provider } from "ethers";
import { createHealthMonitor } from "../../service/http/health.js";
import type { Store } from "../../service/store/store.js";
import { createWorld, eventually, type RunningCustodian, type World } from "../../devkit/world.js";

/** Parses the Prometheus text format into `name{labels}` → value. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const i = line.lastIndexOf(" ");
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

function sum(m: Map<string, number>, prefix: string, ...contains: string[]): number {
  let s = 0;
  for (const [k, v] of m) if (k.startsWith(prefix) && contains.every((c) => k.includes(c))) s += v;
  return s;
}

describe("operations: metrics, readiness, liveness", function () {
  this.timeout(60_000);

  describe("on a real chain", function () {
    let world: World;
    let svc: RunningCustodian;

    before(async function () {
      world = await createWorld();
      svc = await world.startCustodian({ api: { validateResponses: true } });
    });

    after(async function () {
      await svc?.stop();
      await world?.close();
    });

    it("is live and ready once caught up, naming each check", async function () {
      const live = await fetch(`${svc.url}/healthz`);
      expect(live.status).to.equal(200);
      expect(((await live.json()) as { status: string }).status).to.equal("ok");
      const ready = await eventually(async () => {
        const r = await fetch(`${svc.url}/readyz`);
        return r.status === 200 ? ((await r.json()) as { status: string; checks: Record<string, { ok: boolean }> }) : undefined;
      }, "ready");
      expect(ready.status).to.equal("ready");
      expect(Object.keys(ready.checks)).to.have.members(["startup", "database", "chain", "ingestion"]);
      for (const c of Object.values(ready.checks)) expect(c.ok).to.equal(true);
    });

    it("exports releases, release latency, chain position, HTTP traffic and process metrics", async function () {
      const { encryptionKey } = await svc.client.info();
      const ds = await world.registerDataset();
      await svc.client.depositKey(world.accounts.bank, { datasetId: ds.datasetId, version: ds.version, dek: ds.dek, custodianKey: encryptionKey });
      const { requestId } = await world.grantedRequest(ds);
      await eventually(async () => {
        const r = await svc.client.fetchEnvelope(world.accounts.insurer, requestId);
        return r.status === "ready" ? true : undefined;
      }, "the release");
      await fetch(`${svc.url}/no/such/route`);

      const res = await fetch(`${svc.url}/metrics`);
      expect(res.status).to.equal(200);
      expect(res.headers.get("content-type")).to.match(/^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      const m = parseMetrics(text);

      expect(m.get('sealshare_releases_total{kind="formal"}')).to.be.at.least(1);
      const latencyCount = await eventually(async () => {
        const n = parseMetrics(await (await fetch(`${svc.url}/metrics`)).text()).get("sealshare_release_latency_seconds_count") ?? 0;
        return n >= 1 ? n : undefined;
      }, "a latency observation");
      expect(latencyCount).to.be.at.least(1);
      expect(text).to.contain("# TYPE sealshare_release_latency_seconds histogram");

      const head = m.get("sealshare_chain_head_block")!;
      const cursor = m.get("sealshare_ingest_cursor_block")!;
      expect(head).to.be.greaterThan(0);
      // The head gauge is sampled by the readiness probe, the cursor on every ingest: the cursor
      // may run ahead of a head sampled a moment earlier, never far behind it.
      expect(cursor).to.be.at.least(head - 5);
      expect(m.get("sealshare_ingest_lag_blocks")).to.be.within(0, 5);
      expect(m.get("sealshare_chain_up")).to.equal(1);

      expect(sum(m, "sealshare_http_requests_total", 'route="/v1/envelopes/:requestId"', 'status="200"')).to.be.at.least(1);
      expect(sum(m, "sealshare_http_requests_total", 'route="/v1/keys"', 'method="POST"', 'status="201"')).to.equal(1);
      expect(sum(m, "sealshare_http_requests_total", 'route="unmatched"', 'status="404"')).to.be.at.least(1);
      expect(sum(m, "sealshare_http_request_duration_seconds_count", 'route="/v1/custodian"')).to.be.at.least(1);
      expect(sum(m, "sealshare_events_published_total", 'type="grant"')).to.be.at.least(1);
      expect(m.get("process_cpu_seconds_total")).to.be.greaterThan(0);
      expect(text).to.contain("nodejs_eventloop_lag_seconds");
      // No request path with ids in the labels (bounded cardinality).
      expect(text).to.not.contain(`/v1/envelopes/${requestId}`);
    });
  });

  describe("readiness checks", function () {
    const store = (cursor: number | Error) =>
      ({
        cursor: async () => {
          if (cursor instanceof Error) throw cursor;
          return { blockNumber: cursor, blockHash: "0x" };
        },
      }) as unknown as Store;
    const provider = (head: number | "hang" | Error) =>
      ({
        getBlockNumber: () => (head === "hang" ? new Promise<number>(() => undefined) : head instanceof Error ? Promise.reject(head) : Promise.resolve(head)),
      }) as unknown as Provider;
    const monitor = (p: Provider, s: Store, started = true) =>
      createHealthMonitor({ provider: p, store: s, confirmations: 2, started: () => started, maxLagBlocks: 10, chainTimeoutMs: 200, minIntervalMs: 0 });

    it("is ready when every check passes", async function () {
      const r = await monitor(provider(100), store(95)).probe();
      expect(r.ready).to.equal(true);
      expect(r.checks.ingestion).to.include({ ok: true, lagBlocks: 3 });
    });

    it("fails the chain check within its timeout when the endpoint stalls, or at once when it fails", async function () {
      const t0 = Date.now();
      const stalled = await monitor(provider("hang"), store(95)).probe();
      expect(Date.now() - t0).to.be.lessThan(1000);
      expect(stalled.ready).to.equal(false);
      expect(stalled.checks.chain.ok).to.equal(false);
      expect(stalled.checks.chain.detail).to.contain("200 ms");
      expect(stalled.checks.database.ok).to.equal(true);
      const failed = await monitor(provider(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1 secret"), { code: "ECONNREFUSED" })), store(95)).probe();
      expect(failed.checks.chain).to.deep.equal({ ok: false, detail: "the RPC endpoint failed" });
    });

    it("fails the ingestion check when the cursor is too far behind the confirmed head", async function () {
      const r = await monitor(provider(200), store(100)).probe();
      expect(r.ready).to.equal(false);
      expect(r.checks.ingestion).to.include({ ok: false, lagBlocks: 98, maxLagBlocks: 10 });
    });

    it("fails the database check when the store does not answer, and startup before the startup checks", async function () {
      const r = await monitor(provider(100), store(new Error("SQLITE_BUSY"))).probe();
      expect(r.checks.database.ok).to.equal(false);
      expect(r.checks.ingestion.ok).to.equal(false);
      const s = await monitor(provider(100), store(99), false).probe();
      expect(s.ready).to.equal(false);
      expect(s.checks.startup.ok).to.equal(false);
    });

    it("reuses a fresh result instead of asking the chain again", async function () {
      let calls = 0;
      const p = { getBlockNumber: async () => (++calls, 100) } as unknown as Provider;
      const m = createHealthMonitor({ provider: p, store: store(99), confirmations: 0, started: () => true, maxLagBlocks: 10, chainTimeoutMs: 200, minIntervalMs: 5_000 });
      await Promise.all(Array.from({ length: 20 }, () => m.probe()));
      await m.probe();
      expect(calls).to.equal(1);
    });
  });
});
