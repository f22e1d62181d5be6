/**
 * The bounded, chunked event reader (sdk/reads/events.ts) and the read actions on it, against a
 * JSON-RPC proxy on 127.0.0.1 that refuses `eth_getLogs` over MAX blocks (as hosted providers
 * do) and can fail the next calls on command.
 */
import { expect } from "chai";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { network } from "hardhat";
import { JsonRpcProvider } from "ethers";
import { deploySealshare, minimum, Category, GrantKind, type World } from "../../contracts/fixture.js";
import { readEvents } from "../../../sdk/reads/events.js";
import { connectLedger } from "../../../sdk/contracts.js";
import { listRequests } from "../../../sdk/actions/list-requests.js";
import { listDatasets } from "../../../sdk/actions/list-datasets.js";
import { listMembers } from "../../../sdk/actions/list-members.js";
import { listReleases } from "../../../sdk/actions/list-releases.js";
import { readTimeline } from "../../../sdk/audit/timeline.js";
import type { SealshareContext } from "../../../sdk/actions/context.js";
import type { SealshareError } from "../../../sdk/errors.js";

const MAX = 300;

interface Proxy {
  url: string;
  /** Block spans of the eth_getLogs calls answered. */
  answered: number[];
  refused: number;
  /** Fail the next n calls with a transient error. */
  failNext(n: number): void;
  close(): Promise<void>;
}

async function startRangeProxy(upstream: { request(a: { method: string; params?: unknown[] }): Promise<unknown> }): Promise<Proxy> {
  const answered: number[] = [];
  let refused = 0;
  let failing = 0;
  const num = (v: unknown, latest: number) => (v === undefined || v === "latest" ? latest : typeof v === "string" ? Number(BigInt(v)) : Number(v));
  const one = async (call: { id: unknown; method: string; params?: unknown[] }) => {
    if (failing > 0 && call.method === "eth_getLogs") {
      failing--;
      return { jsonrpc: "2.0", id: call.id, error: { code: -32603, message: "upstream connect timeout" } };
    }
    if (call.method === "eth_getLogs") {
      const f = (call.params?.[0] ?? {}) as { fromBlock?: string; toBlock?: string };
      const latest = Number(BigInt((await upstream.request({ method: "eth_blockNumber" })) as string));
      const span = num(f.toBlock, latest) - num(f.fromBlock ?? "0x0", latest) + 1;
      if (span > MAX) {
        refused++;
        return { jsonrpc: "2.0", id: call.id, error: { code: -32005, message: `block range is too large: ${span} > ${MAX}` } };
      }
      answered.push(span);
    }
    try {
      return { jsonrpc: "2.0", id: call.id, result: await upstream.request({ method: call.method, params: call.params ?? [] }) };
    } catch (err) {
      return { jsonrpc: "2.0", id: call.id, error: { code: -32000, message: (err as Error).message } };
    }
  };
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", async () => {
      const parsed = JSON.parse(body);
      const out = Array.isArray(parsed) ? await Promise.all(parsed.map(one)) : await one(parsed);
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(out));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answered,
    get refused() {
      return refused;
    },
    failNext: (n) => (failing = n),
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe("the bounded event reader behind an RPC that refuses wide ranges", function () {
  this.timeout(120_000);
  let w: World;
  let proxy: Proxy;
  let provider: JsonRpcProvider;
  let ctx: SealshareContext;
  let requestId: bigint;

  before(async () => {
    const connection = await network.create();
    w = await deploySealshare(connection);
    // A category floor above the dataset's policy (quorum 1): formal grants need 2 supervisors.
    await w.ledger.connect(w.sup1).setCategoryMinimum(Category.Deposit, minimum({ requireProvider: true, supervisorQuorum: 2 }));
    await w.networkHelpers.mine(1_000);
    const { terms } = await w.consent();
    requestId = await w.request(terms, { kind: GrantKind.Formal });
    await w.ledger.connect(w.bank).approveAsProvider(requestId);
    await w.ledger.connect(w.sup1).approveAsSupervisor(requestId);
    await w.networkHelpers.mine(700);
    proxy = await startRangeProxy(connection.provider as never);
    provider = new JsonRpcProvider(proxy.url, undefined, { staticNetwork: true, batchMaxCount: 1 });
    ctx = { ledger: connectLedger(w.ledgerAddress, provider), fromBlock: 0, reader: { maxRange: 2_000, backoffMs: 10 } };
  });
  after(async () => {
    provider?.destroy();
    await proxy?.close();
  });

  it("the proxy refuses one eth_getLogs from the deployment block (what the reader must avoid)", async () => {
    const before = proxy.refused;
    const err = await provider.getLogs({ address: w.ledgerAddress, fromBlock: 0, toBlock: "latest" }).then(() => undefined, (e: Error) => e);
    expect(err?.message).to.match(/block range is too large/);
    expect(proxy.refused).to.equal(before + 1);
  });

  it("reads every event, halving the range until the node accepts it, never asking more than MAX blocks", async () => {
    const direct = await w.ledger.queryFilter("*" as never, 0);
    const read = await readEvents({ provider, ledger: w.ledgerAddress }, {}, { maxRange: 2_000, backoffMs: 10 });
    expect(read.map((l) => `${l.blockNumber}/${l.logIndex}/${l.event}`)).to.deep.equal(direct.map((l) => `${l.blockNumber}/${l.index}/${(l as { eventName?: string }).eventName}`));
    expect(read.length).to.be.greaterThan(10);
    expect(Math.max(...proxy.answered)).to.be.at.most(MAX);
    expect(proxy.refused).to.be.greaterThan(1);
  });

  it("filters one event by its indexed arguments and decodes it by name", async () => {
    const [e, ...rest] = await readEvents({ provider, ledger: w.ledgerAddress, reader: { maxRange: MAX } }, { event: "AccessApproved", topics: [requestId] });
    expect(rest.length).to.equal(1);
    expect(e!.event).to.equal("AccessApproved");
    expect(e!.args.requestId).to.equal(requestId);
  });

  it("retries a transient failure with back-off", async () => {
    proxy.failNext(2);
    const logs = await readEvents({ provider, ledger: w.ledgerAddress, reader: { maxRange: MAX, backoffMs: 5 } }, { event: "AccessRequested" });
    expect(logs.map((l) => l.args.requestId)).to.deep.equal([requestId]);
  });

  it("gives up with EVENT_READ_FAILED when the node keeps failing", async () => {
    // (another query than the test before: ethers answers an identical request from its 250 ms cache)
    proxy.failNext(10);
    const err = await readEvents({ provider, ledger: w.ledgerAddress, reader: { maxRange: MAX, retries: 2, backoffMs: 1 } }, { event: "MemberRegistered" })
      .then(() => undefined, (e: SealshareError) => e)
      .finally(() => proxy.failNext(0));
    expect(err?.code).to.equal("EVENT_READ_FAILED");
    expect(err?.message).to.match(/eth_getLogs failed/);
  });

  it("a pending request waits for the category floor's quorum, not only the dataset policy's", async () => {
    const [r] = await listRequests(ctx, { requestId });
    expect(r!.rules.supervisorQuorum).to.equal(2);
    expect(r!.rules.raisedByFloor).to.equal(true);
    expect(r!.supervisorApprovals).to.equal(1);
    expect(r!.waitingFor).to.deep.equal({ provider: false, supervisors: 1, impossible: false, nothing: false });
    expect(r!.approvers).to.have.length(2);
  });

  it("lists datasets with their rules and versions, members, and (no) releases through the proxy", async () => {
    const datasets = await listDatasets(ctx, { subject: w.ana.address });
    const health = datasets.find((d) => d.datasetId === w.datasetId)!;
    expect(health.policy.supervisorQuorum).to.equal(1);
    expect(health.rules.supervisorQuorum).to.equal(2);
    expect(health.versions.map((v) => v.version)).to.deep.equal([1]);
    const members = await listMembers(ctx);
    expect(members.map((m) => m.member)).to.include(w.bank.address);
    expect(await listReleases(ctx, { requestId })).to.deep.equal([]);
  });

  it("the audit timeline reads through the same bounded reader", async () => {
    const timeline = await readTimeline({ provider, ledger: w.ledgerAddress, fromBlock: 0, step: 5_000 });
    expect(timeline.some((e) => e.event === "CategoryMinimumChanged")).to.equal(true);
    expect(Math.max(...proxy.answered)).to.be.at.most(MAX);
  });
});
