/**
 * Ingestion: the state machine's decisions on hand-made chains (duplicate, next block, gap,
 * reorg, backfill), the fast log decoders against ethers' parseLog, and the follower against a
 * real `hardhat node`: idempotent replays, bounded ranges, confirmation depth (nothing becomes
 * due before it is final), RPC failures with back-off, and a reorg (evm_snapshot / evm_revert)
 * rolled back to the common ancestor. Then the service's entry point, service/main.ts, started
 * as a child process from environment variables.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { getAddress, hexlify, id, type Provider } from "ethers";
import { writeDeployment } from "../../sdk/deployment-file.js";
import { keyPairFromPrivateKey } from "../../sdk/crypto/ecies.js";
import { GrantKind } from "../../sdk/vocabulary.js";
import { createLogger } from "../../service/internal/logger.js";
import { openSqliteStore } from "../../service/store/sqlite.js";
import type { BlockHeader, Store } from "../../service/store/store.js";
import { decodeLog, decodeRawLog, ledgerInterface, TRACKED_TOPICS, type RawLog } from "../../service/sync/events.js";
import { createFollower, type FollowerDeps, type Step } from "../../service/sync/follower.js";
import { commonAncestor, decide, firstBreak, type MachineConfig } from "../../service/sync/machine.js";
import { createWorld, type World } from "../../devkit/world.js";

describe("ingestion state machine (pure)", function () {
  const h = (n: number, tag = "a", parentTag = tag): BlockHeader => ({
    number: n,
    hash: id(`${tag}${n}`),
    parentHash: id(`${parentTag}${n - 1}`),
    timestamp: 1000 + n,
  });
  const chain = (from: number, to: number, tag = "a") => Array.from({ length: to - from + 1 }, (_, i) => h(from + i, tag));
  const c: MachineConfig = { confirmations: 2, keep: 4, startBlock: 1, maxRange: 100 };
  const tipOf = (x: BlockHeader) => ({ blockNumber: x.number, blockHash: x.hash });

  it("backfills by bounded ranges while the tip is below the header window", function () {
    expect(decide({ blockNumber: 0, blockHash: null }, [], h(1000), c)).to.deep.equal({ kind: "backfill", from: 1, to: 100 });
    // The window starts at head − confirmations − keep + 1 = 995: backfill stops just below it.
    expect(decide({ blockNumber: 950, blockHash: id("a950") }, [], h(1000), c)).to.deep.equal({ kind: "backfill", from: 951, to: 994 });
  });

  it("sees a duplicate head, the next block, a gap and a reorg", function () {
    const kept = chain(10, 20);
    const tip = tipOf(kept.at(-1)!);
    expect(decide(tip, kept, h(20), c)).to.deep.equal({ kind: "duplicate" });
    expect(decide(tip, kept, h(21), c)).to.deep.equal({ kind: "next", block: h(21) });
    expect(decide(tip, kept, h(25), c)).to.deep.equal({ kind: "gap", from: 21, to: 25 });
    // Parent mismatch at the next height, another block at our height, a head below our tip.
    expect(decide(tip, kept, h(21, "b"), c)).to.deep.equal({ kind: "reorg" });
    expect(decide(tip, kept, h(20, "b"), c)).to.deep.equal({ kind: "reorg" });
    expect(decide(tip, kept, h(18), c)).to.deep.equal({ kind: "reorg" });
  });

  it("finds the common ancestor among the kept headers, or says there is none", function () {
    const kept = chain(10, 20);
    const canonical = new Map(kept.map((x) => [x.number, x.number <= 16 ? x.hash : id(`b${x.number}`)]));
    expect(commonAncestor(kept, canonical)?.number).to.equal(16);
    canonical.delete(16);
    expect(commonAncestor(kept, canonical)?.number).to.equal(15); // missing height: not canonical
    expect(commonAncestor(kept, new Map())).to.equal(null);
  });

  it("checks a run of headers links by parent hash", function () {
    const run = chain(21, 25);
    expect(firstBreak(id("a20"), run)).to.equal(-1);
    expect(firstBreak(id("b20"), run)).to.equal(0);
    expect(firstBreak(id("a20"), [...run.slice(0, 2), h(23, "b", "b"), ...run.slice(3)])).to.equal(2);
  });
});

describe("event follower (real chain)", function () {
  this.timeout(60_000);

  let world: World;
  const stores: Store[] = [];

  before(async function () {
    world = await createWorld();
  });

  after(async function () {
    for (const s of stores) await s.close();
    await world?.close();
  });

  async function memoryStore(): Promise<Store> {
    const s = await openSqliteStore(":memory:", {
      chainId: world.deployment.chainId,
      ledger: getAddress(world.deployment.ledger),
      startBlock: world.deployment.deployBlock,
    });
    stores.push(s);
    return s;
  }

  function follower(store: Store, overrides: Partial<FollowerDeps> = {}) {
    return createFollower({
      provider: world.provider,
      ledger: world.deployment.ledger,
      store,
      log: createLogger({ level: "silent" }),
      confirmations: 0,
      pollMs: 20,
      maxBlockRange: 2000,
      startBlock: world.deployment.deployBlock,
      ...overrides,
    });
  }

  async function catchUp(f: ReturnType<typeof follower>): Promise<Step[]> {
    const steps: Step[] = [];
    for (;;) {
      const s = await f.step();
      steps.push(s);
      if (s.kind === "caught-up") return steps;
    }
  }

  async function rawLogs(): Promise<RawLog[]> {
    const head = await world.provider.getBlockNumber();
    return (await world.provider.send("eth_getLogs", [
      { address: world.deployment.ledger, fromBlock: "0x0", toBlock: `0x${head.toString(16)}`, topics: [TRACKED_TOPICS] },
    ])) as RawLog[];
  }

  it("decodes every tracked log exactly as ethers' parseLog does", async function () {
    const ds = await world.registerDataset();
    const { requestId } = await world.grantedRequest(ds);
    await (await world.as(world.accounts.sup).revokeGrant(requestId, 3)).wait();
    const logs = await world.provider.getLogs({ address: world.deployment.ledger, fromBlock: 0, topics: [TRACKED_TOPICS] });
    const raw = await rawLogs();
    expect(raw).to.have.length(logs.length);
    const names = new Set<string>();
    logs.forEach((l, i) => {
      const fast = decodeLog(l)!;
      expect(decodeRawLog(raw[i]!)).to.deep.equal(fast);
      const parsed = ledgerInterface.parseLog(l)!;
      names.add(parsed.name);
      expect(fast.event.name).to.equal(parsed.name);
      for (const [k, v] of Object.entries(fast.event)) {
        if (k === "name") continue;
        const want = parsed.args[k] as unknown;
        expect(String(v).toLowerCase(), `${parsed.name}.${k}`).to.equal(String(want).toLowerCase());
      }
    });
    for (const n of ["AccessRequested", "AccessGranted", "GrantRevoked", "DatasetVersionPublished", "EncryptionKeyPublished"]) expect(names).to.include(n);
  });

  it("replaying a range changes nothing: every event is a duplicate", async function () {
    const ds = await world.registerDataset();
    const { requestId } = await world.grantedRequest(ds);
    const store = await memoryStore();
    await catchUp(follower(store));
    const state = await store.request(requestId.toString());
    expect(state).to.include({ kind: GrantKind.Formal, requester: world.accounts.insurer.address, version: 1, voidReason: null });
    const releases = await store.releases(requestId.toString());
    expect(releases.map((r) => [r.kind, r.status])).to.deep.equal([[GrantKind.Formal, "pending"]]);

    const events = (await rawLogs()).map(decodeRawLog).filter((e) => e !== null);
    expect(events.length).to.be.at.least(5);
    const cursor = await store.cursor();
    const again = await store.ingest({ events, cursor, chainTime: await store.chainTime() });
    expect(again).to.deep.include({ applied: 0, duplicates: events.length, grants: 0, finalizedGrants: 0 });
    expect(await store.request(requestId.toString())).to.deep.equal(state);
    expect(await store.releases(requestId.toString())).to.deep.equal(releases);
  });

  it("backfills in bounded ranges and ends in the same state as one big range", async function () {
    const big = await memoryStore();
    await catchUp(follower(big));
    const small = await memoryStore();
    const steps = await catchUp(follower(small, { maxBlockRange: 3, keepHeaders: 2, concurrency: 3 }));
    const advanced = steps.filter((s) => s.kind === "advanced");
    expect(advanced.filter((s) => s.mode === "backfill").length).to.be.greaterThan(3);
    expect(advanced.some((s) => s.mode !== "backfill")).to.equal(true); // then block by block near the head
    for (let i = 1; i < advanced.length; i++) expect(advanced[i]!.from).to.equal(advanced[i - 1]!.to + 1); // no gap
    expect(await small.cursor()).to.deep.equal(await big.cursor());
    expect(await small.recentEventBlocks(1000)).to.deep.equal(await big.recentEventBlocks(1000));
    const kept = await small.blocks();
    for (let i = 1; i < kept.length; i++) if (kept[i]!.number === kept[i - 1]!.number + 1) expect(kept[i]!.parentHash).to.equal(kept[i - 1]!.hash);
  });

  it("keeps unfinalized headers linked by parent hash and releases nothing before the confirmation depth", async function () {
    const store = await memoryStore();
    const f = follower(store, { confirmations: 3 });
    await catchUp(f);
    const ds = await world.registerDataset();
    const { requestId } = await world.grantedRequest(ds); // the last approval is the head block
    await catchUp(f);
    // Seen (so revocations would stop delivery at once), but not due: no release row yet.
    expect((await store.request(requestId.toString()))?.kind).to.equal(GrantKind.Formal);
    expect(await store.releases(requestId.toString())).to.deep.equal([]);
    const { tip, finalized } = await store.syncState();
    expect(finalized).to.equal(tip.blockNumber - 3);
    const headers = await store.blocks();
    const unfinal = headers.filter((x) => x.number > finalized);
    expect(unfinal.map((x) => x.number)).to.deep.equal([tip.blockNumber - 2, tip.blockNumber - 1, tip.blockNumber]);
    for (let i = 1; i < unfinal.length; i++) expect(unfinal[i]!.parentHash).to.equal(unfinal[i - 1]!.hash);
    for (let i = 0; i < 3; i++) await world.provider.send("evm_mine", []);
    await catchUp(f);
    expect((await store.releases(requestId.toString())).map((r) => r.status)).to.deep.equal(["pending"]);
  });

  it("survives RPC failures: backs off, retries, and catches up", async function () {
    let failures = 3;
    const flaky = new Proxy(world.provider, {
      get(target, prop) {
        if (prop === "send") {
          return async (method: string, params: unknown[]) => {
            if (method === "eth_getLogs" && failures-- > 0) throw Object.assign(new Error("connect ECONNREFUSED"), { code: "NETWORK_ERROR" });
            return target.send(method, params);
          };
        }
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    }) as Provider;
    const lines: string[] = [];
    const log = createLogger({
      level: "warn",
      destination: new Writable({
        write(chunk: Buffer, _e, cb) {
          lines.push(chunk.toString());
          cb();
        },
      }),
    });
    const store = await memoryStore();
    const f = follower(store, { provider: flaky, log });
    const controller = new AbortController();
    const running = f.run(controller.signal);
    const head = await world.provider.getBlockNumber();
    const deadline = Date.now() + 10_000;
    while ((await store.cursor()).blockNumber < head && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    await running;
    expect((await store.cursor()).blockNumber).to.equal(head);
    expect(failures).to.be.below(0);
    expect(lines.filter((l) => l.includes("backing off"))).to.have.length(3);
  });

  it("rolls back what it derived from orphaned blocks after a reorg", async function () {
    const store = await memoryStore();
    const f = follower(store);
    await catchUp(f);
    const forkBase = await store.cursor();
    const snapshot = (await world.provider.send("evm_snapshot", [])) as string;

    const ds = await world.registerDataset();
    const { requestId } = await world.grantedRequest(ds);
    await catchUp(f);
    expect((await store.request(requestId.toString()))?.kind).to.equal(GrantKind.Formal);
    expect(await store.releases(requestId.toString())).to.have.length(1); // confirmations 0: due at once
    const orphanedHead = (await store.cursor()).blockNumber;

    // Another history from the fork base, longer than the orphaned one.
    expect(await world.provider.send("evm_revert", [snapshot])).to.equal(true);
    const other = await world.registerDataset();
    while ((await world.provider.getBlockNumber()) < orphanedHead + 2) await world.provider.send("evm_mine", []);

    const first = await f.step();
    expect(first.kind).to.equal("reorg");
    if (first.kind !== "reorg") return;
    expect(first.to).to.equal(forkBase.blockNumber); // the common ancestor, from the kept headers
    expect(first.deep).to.equal(false);
    expect(first.removed).to.be.greaterThan(0);
    await catchUp(f);
    expect(await store.request(requestId.toString())).to.equal(undefined); // the orphaned grant is gone
    expect(await store.releases(requestId.toString())).to.deep.equal([]); // and its (unreleased) release
    expect(other.datasetId).to.equal(ds.datasetId); // same id, another version history
    const cursor = await store.cursor();
    expect(cursor.blockHash).to.equal((await world.provider.getBlock(cursor.blockNumber))!.hash);
  });
});

describe("service/main.ts (child process)", function () {
  this.timeout(60_000);

  let world: World;
  let tmp: string;

  before(async function () {
    world = await createWorld();
    tmp = mkdtempSync(join(tmpdir(), "sealshare-main-"));
  });

  after(async function () {
    await world?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  function runMain(env: Record<string, string>) {
    const child = spawn(join(process.cwd(), "node_modules", ".bin", "tsx"), ["service/main.ts"], {
      cwd: process.cwd(),
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    return { child, exit, out: () => stdout, err: () => stderr };
  }

  it("starts from the environment, prints one line with its URL, and stops on SIGTERM", async function () {
    const deploymentPath = join(tmp, "deployment.json");
    await writeDeployment(deploymentPath, world.deployment);
    const eciesKey = hexlify(world.secrets.eciesKey);
    const proc = runMain({
      SEALSHARE_RPC_URL: world.chain.url,
      SEALSHARE_DEPLOYMENT: deploymentPath,
      SEALSHARE_DB: join(tmp, "db", "custodian.db"),
      SEALSHARE_PORT: "0",
      SEALSHARE_CUSTODIAN_KEY: world.chain.accounts[2]!,
      SEALSHARE_ECIES_KEY: eciesKey,
      SEALSHARE_MASTER_KEY: hexlify(world.secrets.masterKey).slice(2), // without 0x is accepted too
      SEALSHARE_POLL_MS: "100",
    });
    const deadline = Date.now() + 30_000;
    while (!proc.out().includes("\n") && Date.now() < deadline && proc.child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    const lines = proc.out().split("\n").filter(Boolean);
    expect(lines, proc.err()).to.have.length(1);
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(lines[0]!)?.[1];
    expect(url).to.be.a("string");

    const info = (await (await fetch(`${url}/v1/custodian`)).json()) as Record<string, unknown>;
    expect(info).to.deep.include({
      address: world.accounts.custodian.address,
      chainId: "31337",
      encryptionKey: hexlify(keyPairFromPrivateKey(world.secrets.eciesKey).publicKey),
    });
    proc.child.kill("SIGTERM");
    expect(await proc.exit).to.equal(0);
    expect(proc.err()).to.not.contain(eciesKey.slice(2));
  });

  it("refuses to start with a bad configuration, naming the variables but not their values", async function () {
    const proc = runMain({ SEALSHARE_RPC_URL: "ftp://nowhere", SEALSHARE_MASTER_KEY: "0xdeadbeef" });
    expect(await proc.exit).to.equal(1);
    expect(proc.out()).to.equal("");
    expect(proc.err()).to.match(/SEALSHARE_RPC_URL/).and.match(/SEALSHARE_MASTER_KEY: must be 32 bytes of hex/).and.match(/SEALSHARE_DEPLOYMENT/);
    expect(proc.err()).to.not.contain("deadbeef");
  });

  it("refuses to start when its account lacks CUSTODIAN_ROLE", async function () {
    const deploymentPath = join(tmp, "deployment.json");
    await writeDeployment(deploymentPath, world.deployment);
    const proc = runMain({
      SEALSHARE_RPC_URL: world.chain.url,
      SEALSHARE_DEPLOYMENT: deploymentPath,
      SEALSHARE_DB: join(tmp, "other.db"),
      SEALSHARE_PORT: "0",
      SEALSHARE_CUSTODIAN_KEY: world.chain.accounts[7]!, // mallory
      SEALSHARE_ECIES_KEY: hexlify(world.secrets.eciesKey),
      SEALSHARE_MASTER_KEY: hexlify(world.secrets.masterKey),
    });
    expect(await proc.exit).to.equal(1);
    expect(proc.err()).to.contain("does not hold CUSTODIAN_ROLE");
  });
});
