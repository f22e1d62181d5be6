/**
 * What differs between the nodes, checked on the real ones (SEALSHARE_TEST_NODES; both by
 * default), and that the custodian's reader (service/sync/chain.ts with ./node-quirks.ts) reads
 * them all the same way — also behind a proxy that caps eth_getLogs ranges and request rates the
 * way hosted providers do (devkit/capped-rpc.ts). docs/OPERATIONS.md has the table.
 */
import { expect } from "chai";
import { id, JsonRpcProvider, Network, Wallet } from "ethers";
import { nodeControl, startLocalChain, testNodes, type LocalChain, type NodeControl } from "../../devkit/local-chain.js";
import { startCappedRpc, type CappedRpc } from "../../devkit/capped-rpc.js";
import { deployLedger, type Deployment, type Sealshare } from "../../sdk/contracts.js";
import { RetryableError } from "../../service/internal/errors.js";
import { revertName } from "../../service/http/chain-errors.js";
import { createChainReader } from "../../service/sync/chain.js";
import { classifyRpcError } from "../../service/sync/node-quirks.js";
import { createRawRpc, type RawRpc } from "../../service/sync/rpc.js";
import { createWorld, eventually, type RunningCustodian, type World } from "../../devkit/world.js";

for (const node of testNodes()) {
  describe(`node differences on ${node}, read the same way`, function () {
    this.timeout(60_000);
    let chain: LocalChain;
    let provider: JsonRpcProvider;
    let ctl: NodeControl;
    let ledger: Sealshare;
    let deployment: Deployment;
    let topic: string;
    const closers: Array<() => Promise<void> | void> = [];

    before(async function () {
      chain = await startLocalChain({ node, accounts: 12 });
      provider = new JsonRpcProvider(chain.url, Network.from(31337n), { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
      ctl = nodeControl(node, provider);
      const [admin, sup] = chain.accounts.map((k) => new Wallet(k, provider));
      const deployed = await deployLedger(admin!, { supervisors: [sup!.address] });
      ledger = deployed.ledger as Sealshare;
      deployment = deployed.deployment;
      // Six logs in six blocks (MemberRegistered), one per block.
      for (let i = 0; i < 6; i++) {
        await (await (ledger.connect(sup!) as Sealshare).registerMember(new Wallet(chain.accounts[4 + i]!).address, id(`kyc/${i}`), "https://example.org/m.json")).wait();
      }
      topic = ledger.interface.getEvent("MemberRegistered").topicHash;
    });
    after(async function () {
      for (const c of closers.reverse()) await c();
      provider?.destroy();
      await chain?.stop();
    });

    const rawTo = (url: string): RawRpc => {
      const raw = createRawRpc(url, 5_000)!;
      closers.push(() => raw.close());
      return raw;
    };
    const readerVia = (url: string) => createChainReader(provider, deployment.ledger, [topic], rawTo(url).send);

    it("an unknown block hash or filter is refused in the node's own words; the reader turns both into a retry", async function () {
      const raw = rawTo(chain.url);
      const gone = await raw.send("eth_getLogs", [{ blockHash: id("no such block") }]).catch((e: unknown) => e);
      expect(String((gone as Error).message)).to.match(node === "anvil" ? /unknown block/ : /blockHash cannot be found/);
      expect(classifyRpcError(gone)).to.equal("block-gone");
      const reader = readerVia(chain.url);
      const err = await reader.logsAt(id("no such block")).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(RetryableError);
      // An unknown filter: Hardhat answers null, Anvil an error; the reader throws for both.
      const lost = await raw.send("eth_getFilterChanges", ["0x1234"]).then((r) => ({ answered: r }), (e: unknown) => ({ error: e }));
      if (node === "anvil") expect(String(((lost as { error: Error }).error).message)).to.match(/filter not found/);
      else expect(lost).to.deep.equal({ answered: null });
      const thrown = await reader.filterChanges("0x1234").then(() => undefined, (e: unknown) => e);
      expect(thrown).to.be.instanceOf(Error);
    });

    it("revert data comes back in both error shapes and decodes to the same custom error", async function () {
      const stranger = new Wallet(chain.accounts[11]!, provider);
      const err = await (ledger.connect(stranger) as Sealshare).registerMember.staticCall(stranger.address, id("x"), "u").catch((e: unknown) => e);
      expect(revertName(err)).to.equal("AccessControlUnauthorizedAccount");
    });

    it("timestamps and finality tags differ as documented; the custodian uses neither tag", async function () {
      const before = await provider.getBlockNumber();
      await ctl.mine(5); // one call: the blocks come within the same second
      const stamps: number[] = [];
      for (let n = before; n <= before + 5; n++) stamps.push((await provider.getBlock(n))!.timestamp);
      for (let i = 1; i < stamps.length; i++) expect(stamps[i]!).to.be.greaterThanOrEqual(stamps[i - 1]!);
      if (node === "hardhat") for (let i = 1; i < stamps.length; i++) expect(stamps[i]!, "Hardhat: strictly increasing").to.be.greaterThan(stamps[i - 1]!);
      else expect(new Set(stamps.slice(1)).size, "Anvil: blocks of one anvil_mine share a timestamp").to.be.lessThan(5);
      const head = await provider.getBlockNumber();
      const finalized = (await provider.getBlock("finalized"))!.number;
      const safe = (await provider.getBlock("safe"))!.number;
      if (node === "hardhat") expect([finalized, safe]).to.deep.equal([head, head]);
      else expect([finalized, safe]).to.deep.equal([Math.max(0, head - 64), Math.max(0, head - 32)]);
    });

    describe("behind a provider that caps eth_getLogs ranges and request rates", function () {
      let capped: CappedRpc;
      afterEach(async function () {
        await capped?.close();
      });

      it("a capped range is halved until every log is read, the same logs in the same order as without the cap", async function () {
        capped = await startCappedRpc({ upstream: chain.url, maxLogRange: 2 });
        const head = await provider.getBlockNumber();
        const direct = await readerVia(chain.url).logs(deployment.deployBlock, head);
        expect(direct).to.have.length(6);
        const through = await readerVia(capped.url).logs(deployment.deployBlock, head);
        expect(through.map((l) => `${l.blockNumber}:${l.logIndex}:${l.transactionHash}`)).to.deep.equal(direct.map((l) => `${l.blockNumber}:${l.logIndex}:${l.transactionHash}`));
        expect(capped.stats.rangeRefusals).to.be.greaterThan(0);
      });

      for (const style of ["http-429", "json-rpc"] as const) {
        it(`a rate limit (${style}) is a retry with back-off, never a smaller range`, async function () {
          capped = await startCappedRpc({ upstream: chain.url, maxPerSecond: 3, rateLimitStyle: style });
          const reader = readerVia(capped.url);
          const head = await provider.getBlockNumber();
          const results = await Promise.allSettled(Array.from({ length: 8 }, () => reader.logs(deployment.deployBlock, head)));
          const refused = results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason as unknown);
          expect(refused.length, "the proxy rate limited some reads").to.be.greaterThan(0);
          for (const e of refused) {
            expect(e).to.be.instanceOf(RetryableError);
            expect(classifyRpcError(e)).to.equal("rate-limited");
          }
          for (const r of results) if (r.status === "fulfilled") expect(r.value).to.have.length(6);
          // Every eth_getLogs that reached the proxy was one of the eight whole-range reads.
          expect(capped.stats.getLogs).to.equal(8 - capped.stats.rateRefusals);
        });
      }
    });
  });
}

// A chain whose block times lag the custodian's wall clock — Anvil's after a reorg, a
// proof-of-stake block (its slot's start time), a custodian whose clock runs fast: a release
// dated by the wall clock would come out AFTER the block that seals its receipt, and an auditor
// reports the receipt as sealed before the release it records. Dated by the chain it cannot.
// (Hardhat's clock cannot be set back; its blocks run ahead, the other way round.)
if (testNodes().includes("anvil")) {
  describe("release dates on a chain whose clock lags the custodian's by 30 s (anvil)", function () {
    this.timeout(90_000);
    let world: World;
    let running: RunningCustodian;
    before(async function () {
      world = await createWorld({ node: "anvil" });
      await world.provider.send("evm_setTime", [Math.floor(Date.now() / 1000) - 30]);
      await world.provider.send("evm_mine", []);
      running = await world.startCustodian({ receipts: { mode: "batch", batchSize: 1, batchMaxAgeMs: 0 } });
    });
    after(async function () {
      await running?.stop();
      await world?.close();
    });

    it("a release is dated between its grant's block and the block that seals its receipt", async function () {
      const ds = await world.registerDataset();
      await running.client.depositKey(world.accounts.bank, { datasetId: ds.datasetId, version: ds.version, dek: ds.dek, custodianKey: (await running.client.info()).encryptionKey });
      const { requestId } = await world.grantedRequest(ds);
      const proof = await eventually(
        async () => {
          const [p] = await running.store.receiptProofs(requestId.toString());
          return p?.status === "confirmed" && p.sealBlock !== null ? p : undefined;
        },
        "the receipt sealed and confirmed",
        60_000,
      );
      const [granted] = await world.ledger.queryFilter(world.ledger.filters.AccessGranted(requestId), world.deployment.deployBlock);
      const grantTime = (await world.provider.getBlock(granted!.blockNumber))!.timestamp;
      const sealTime = (await world.provider.getBlock(proof.sealBlock!))!.timestamp;
      expect(sealTime, "the chain's clock does lag").to.be.lessThan(Math.floor(Date.now() / 1000) - 20);
      expect(proof.releasedAt).to.be.at.least(grantTime);
      expect(proof.releasedAt, "released after the block that seals it").to.be.at.most(sealTime);
    });
  });
}

describe("node-quirks: hosted providers' refusals, by what to do", function () {
  const cases: Array<[string, number | undefined, ReturnType<typeof classifyRpcError>]> = [
    ["query returned more than 10000 results", -32005, "range-too-large"], // Infura (same code as its rate limit)
    ["project ID request rate exceeded", -32005, "rate-limited"], // Infura
    ["Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range", -32602, "range-too-large"], // Alchemy
    ["Your app has exceeded its compute units per second capacity", 429, "rate-limited"], // Alchemy
    ["eth_getLogs is limited to a 10000 range", -32614, "range-too-large"], // QuickNode
    ["block range is too wide", -32600, "range-too-large"],
    ["exceed maximum block range: 50000", -32000, "range-too-large"],
    ["Too Many Requests", undefined, "rate-limited"],
    ["header not found", -32000, "block-gone"], // geth
    ["execution reverted", 3, "other"],
  ];
  for (const [message, code, kind] of cases) {
    it(`"${message}"${code === undefined ? "" : ` (${code})`} → ${kind}`, function () {
      expect(classifyRpcError(Object.assign(new Error(`eth_getLogs: ${message}`), { code: "UNKNOWN_ERROR", rpcCode: code }))).to.equal(kind);
    });
  }
});
