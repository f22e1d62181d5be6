/**
 * Several custodian replicas on one PostgreSQL database, as real processes (service/main.ts with
 * SEALSHARE_DB=postgres://…) against a real `hardhat node`: exactly one leads (ingests, releases,
 * seals), all serve HTTP reads; SIGKILLing the leader hands leadership to another replica within
 * seconds, and releasing goes on; a requester's event stream on a replica that does not lead gets
 * the leader's events (LISTEN/NOTIFY). Skipped, with a printed reason, when PostgreSQL is unreachable.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hexlify } from "ethers";
import { writeDeployment } from "../../sdk/deployment-file.js";
import { CustodianClient } from "../../sdk/custodian-client.js";
import { startCustodianProcess, type CustodianProcess } from "../../devkit/custodian-process.js";
import { createWorld, eventually, type World } from "../../devkit/world.js";
import { createTestDatabase, pgOrSkip, type TestDatabase } from "../helpers/pg.js";
import { openStream, siweSession, type SseEvent } from "../helpers/sse-client.js";

describe("replicas on PostgreSQL (real processes)", function () {
  this.timeout(300_000);
  let world: World | undefined;
  let db: TestDatabase | undefined;
  let tmp: string | undefined;
  const procs: CustodianProcess[] = [];
  const streams: { close(): void }[] = [];

  before(async function () {
    if (!(await pgOrSkip(this, "the replica tests"))) return;
    db = await createTestDatabase();
    world = await createWorld();
    tmp = mkdtempSync(join(tmpdir(), "sealshare-replicas-"));
  });

  after(async function () {
    for (const s of streams) s.close();
    for (const p of procs) await p.stop("SIGKILL").catch(() => undefined);
    await world?.close();
    await db?.drop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const leading = async (p: CustodianProcess) => (await readFile(p.logPath, "utf8").catch(() => "")).includes('"msg":"leading: ingesting');

  it("one replica leads, all serve (events too); killing the leader hands over within seconds and releasing goes on", async function () {
    const w = world!;
    const deploymentPath = join(tmp!, "deployment.json");
    await writeDeployment(deploymentPath, w.deployment);
    const start = (i: number) =>
      startCustodianProcess({
        rpcUrl: w.chain.url,
        deploymentPath,
        dbPath: db!.url,
        logPath: join(tmp!, `replica-${i}.log`),
        custodianKey: w.chain.accounts[2]!,
        eciesKey: hexlify(w.secrets.eciesKey),
        masterKey: hexlify(w.secrets.masterKey),
        pollMs: 100,
        receipts: "batch",
        timeoutMs: 240_000,
        env: { SEALSHARE_LEADER_POLL_MS: "300", SEALSHARE_BATCH_MAX_AGE_MS: "500" },
      });
    // The first replica publishes the custodian's key; the others start after it.
    procs.push(await start(0));
    procs.push(...(await Promise.all([start(1), start(2)])));
    const clients = procs.map((p) => new CustodianClient(p.url, { chainId: w.deployment.chainId, ledger: w.deployment.ledger }));
    const { encryptionKey } = await clients[0]!.info();
    for (const c of clients) expect((await c.info()).encryptionKey).to.equal(encryptionKey);

    await eventually(async () => ((await Promise.all(procs.map(leading))).filter(Boolean).length === 1 ? true : undefined), "one leader", 30_000);
    await new Promise((r) => setTimeout(r, 1000));
    const leaders = await Promise.all(procs.map(leading));
    expect(leaders.filter(Boolean)).to.have.length(1); // still exactly one
    const leaderIndex = leaders.indexOf(true);

    // The insurer follows its requests on a replica that does not lead: events reach it from
    // the leader over PostgreSQL LISTEN/NOTIFY (service/events/bus-relay.ts).
    const follower = procs[(leaderIndex + 2) % 3]!;
    const events = openStream(`${follower.url}/v1/events`, { authorization: `Bearer ${await siweSession(follower.url, w.accounts.insurer)}` });
    streams.push(events);
    expect(await events.ready).to.equal(200);

    // A share through the leader's store: deposit at one replica, fetch from each.
    const ds = await w.registerDataset();
    await clients[(leaderIndex + 1) % 3]!.depositKey(w.accounts.bank, { datasetId: ds.datasetId, version: 1, dek: ds.dek, custodianKey: encryptionKey });
    const first = await w.grantedRequest(ds);
    const about = (type: string) => (e: SseEvent) => e.event === type && (JSON.parse(e.data) as { requestId: string }).requestId === first.requestId.toString();
    expect(JSON.parse((await events.next(about("grant"), 60_000)).data)).to.include({ type: "grant", requester: w.accounts.insurer.address, kind: 2 });
    expect(JSON.parse((await events.next(about("release"), 60_000)).data)).to.include({ type: "release", status: "released", kind: 2 });
    for (const c of clients) {
      const env = await eventually(async () => {
        const r = await c.fetchEnvelope(w.accounts.insurer, first.requestId);
        return r.status === "ready" ? r.envelope : undefined;
      }, "envelope from every replica", 60_000, 300);
      expect(hexlify(c.openEnvelope(env, w.deviceKeys.insurer.privateKey, w.accounts.custodian.address))).to.equal(hexlify(ds.dek));
    }

    // SIGKILL the leader: another replica takes over within seconds.
    const killedAt = Date.now();
    await procs[leaderIndex]!.stop("SIGKILL");
    const survivors = procs.filter((_, i) => i !== leaderIndex);
    const newLeader = await eventually(async () => {
      for (const p of survivors) if (await leading(p)) return p;
      return undefined;
    }, "a new leader", 20_000, 100);
    const handover = Date.now() - killedAt;
    console.log(`      leadership handed over in ${handover} ms`);
    expect(handover).to.be.below(15_000);
    expect((await Promise.all(survivors.map(leading))).filter(Boolean)).to.have.length(1);

    // Releasing goes on under the new leader; both survivors serve it.
    const second = await w.grantedRequest(ds);
    for (const p of survivors) {
      const c = new CustodianClient(p.url, { chainId: w.deployment.chainId, ledger: w.deployment.ledger });
      await eventually(async () => ((await c.fetchEnvelope(w.accounts.insurer, second.requestId)).status === "ready" ? true : undefined), "release after handover", 60_000, 300);
    }
    expect(newLeader).to.not.equal(procs[leaderIndex]);
    // One envelope per grant and no release twice on chain, whoever led.
    const sealed = await w.ledger.queryFilter(w.ledger.filters.ReceiptBatchSealed(), w.deployment.deployBlock);
    const ids = sealed.map((e) => e.args.batchId);
    expect(new Set(ids).size).to.equal(ids.length);
  });
});
