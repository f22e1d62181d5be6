/**
 * Threshold custody with one custodian of the set run as replicas (issue 14 item 7, "PostgreSQL
 * replicas still work per custodian"), as real processes: a `hardhat node`, the ledger and the
 * custody contract beside it, and a 2-of-3 set whose custodian 0 runs as TWO processes
 * (service/main.ts, the same account, ECIES key and master key) sharing ONE PostgreSQL database —
 * one leads (ingests, releases, follows shred orders, sends confirmShred), both serve HTTP — while
 * custodians 1 and 2 are single processes on SQLite (docs/OPERATIONS.md §4 and §11).
 *
 *  - The provider's share deposit (the SDK's depositShares) through the replica that does NOT
 *    lead is stored in the shared database and wakes the leader's release waiting for it.
 *  - A grant's share envelope is the same from both replicas, and the requester rebuilds the key
 *    with the SDK (fetchThresholdKey / fetchGrantKey) from either replica's URL plus ONE other
 *    custodian: with t = 2, the replica's share is needed.
 *  - SIGKILL the leading replica: the other takes over and a new grant's share is still released.
 *  - With both replicas running again, a shred order is mined and the leader SIGKILLed at once:
 *    the order is carried out (the share row deleted in the shared database) and confirmed on
 *    chain exactly once for custodian 0 — one confirmShred transaction from its account, one
 *    outbox row — and neither replica serves the share afterwards.
 *  - No whole key in the PostgreSQL database (every row of every table, as text) nor in any log.
 *
 * Skipped, with a printed reason, when PostgreSQL is unreachable.
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getAddress, hexlify, Wallet } from "ethers";
import pg from "pg";
import { type SealshareCustody } from "../../sdk/contracts.js";
import { CustodianClient, CustodianError } from "../../sdk/custodian-client.js";
import { custodianDomain } from "../../sdk/eip712.js";
import { envelopeHash, type Envelope } from "../../sdk/envelope.js";
import type { CustodyContext } from "../../sdk/actions/custody-context.js";
import { depositShares } from "../../sdk/actions/deposit-shares.js";
import { fetchThresholdKey } from "../../sdk/actions/fetch-threshold-key.js";
import { fetchGrantKey } from "../../sdk/actions/fetch-grant-key.js";
import { startCustodianProcess, type CustodianProcess, type CustodianProcessOptions } from "../../devkit/custodian-process.js";
import { prepareCustodyMembers, type CustodyMember } from "../helpers/custody-members.js";
import { createWorld, eventually, type World } from "../../devkit/world.js";
import type { Dataset } from "../../devkit/build.js";
import { createTestDatabase, pgOrSkip, type TestDatabase } from "../helpers/pg.js";

/** dbPath: a SQLite file, or the shared PostgreSQL URL for custodian 0. */
type Member = CustodyMember;

describe("threshold custody: one custodian of a 2-of-3 set as two replicas on PostgreSQL (real processes)", function () {
  this.timeout(240_000);
  let world: World | undefined;
  let db: TestDatabase | undefined;
  let tmp: string | undefined;
  let deploymentPath: string;
  let custody: SealshareCustody;
  let setId: number;
  let ds: Dataset;
  const members: Member[] = [];
  /** Custodian 0's replicas (index 0 and 1; a restarted one replaces its slot) and custodians 1, 2. */
  const replicas: CustodianProcess[] = [];
  const others: CustodianProcess[] = [];
  const logs: string[] = [];
  let replicaRuns = 0;
  let proofSeen: string | undefined;
  /** The grant made before the deposit (released by the leader once the share is in). */
  let firstRequestId: bigint;

  const client = (p: CustodianProcess) => new CustodianClient(p.url, { chainId: world!.deployment.chainId, ledger: world!.deployment.ledger });
  const ctxOf = (signer: Wallet): CustodyContext => ({ ledger: world!.ledger, custody, signer, fromBlock: world!.deployment.deployBlock });
  const leading = async (p: CustodianProcess) => (await readFile(p.logPath, "utf8").catch(() => "")).includes('"msg":"leading: ingesting');
  /** The replica leading now (exactly one of the running ones), waiting for it. */
  async function leader(): Promise<{ lead: CustodianProcess; follower: CustodianProcess }> {
    return eventually(
      async () => {
        const flags = await Promise.all(replicas.map(leading));
        if (flags.filter(Boolean).length !== 1) return undefined;
        const i = flags.indexOf(true);
        return { lead: replicas[i]!, follower: replicas[1 - i]! };
      },
      "exactly one leading replica",
      30_000,
      100,
    );
  }
  async function query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    const c = new pg.Client({ connectionString: db!.url });
    await c.connect();
    try {
      return (await c.query(sql, params)).rows as T[];
    } finally {
      await c.end();
    }
  }

  function startMember(m: Member, name: string, env: Record<string, string> = {}): Promise<CustodianProcess> {
    const logPath = join(tmp!, `${name}.log`);
    logs.push(logPath);
    const o: CustodianProcessOptions = {
      rpcUrl: world!.chain.url,
      deploymentPath,
      dbPath: m.dbPath,
      logPath,
      custodianKey: m.wallet.privateKey,
      eciesKey: m.eciesKey,
      masterKey: m.masterKey,
      confirmations: 0,
      pollMs: 100,
      timeoutMs: 120_000,
      env,
    };
    return startCustodianProcess(o);
  }
  const startReplica = () => startMember(members[0]!, `custodian-0-replica-${replicaRuns++}`, { SEALSHARE_LEADER_POLL_MS: "300" });

  before(async function () {
    if (!(await pgOrSkip(this, "the threshold-custody replica tests"))) return;
    db = await createTestDatabase();
    world = await createWorld();
    tmp = mkdtempSync(join(tmpdir(), "sealshare-threshold-replicas-"));
    // Custodian 0 (account 8) on the shared PostgreSQL database; the others on SQLite files.
    const prepared = await prepareCustodyMembers(world, tmp, { dbPathOf: (account) => (account === 8 ? db!.url : join(tmp!, `custodian-${account}.db`)) });
    ({ custody, deploymentPath } = prepared);
    members.push(...prepared.members);
    // The first replica publishes custodian 0's share key; the rest start after it (two at a time: a loaded 2-core machine).
    replicas.push(await startReplica());
    const [second, one] = await Promise.all([startReplica(), startMember(members[1]!, "custodian-1")]);
    replicas.push(second);
    others.push(one, await startMember(members[2]!, "custodian-2"));
    await (await custody.connect(world.accounts.admin).registerSet(members.map((m) => m.wallet.address), 2)).wait();
    setId = Number(await custody.lastSetId());
    ds = await world.registerDataset();
  });

  afterEach(async function () {
    if (this.currentTest?.state !== "failed") return;
    for (const path of logs) {
      const text = await readFile(path, "utf8").catch(() => "");
      console.log(`--- ${path}\n${text.split("\n").filter((l) => /"level":(40|50)|leading|lost leadership|share|shred/.test(l)).slice(-12).join("\n")}`);
    }
  });

  after(async function () {
    for (const p of [...replicas, ...others]) await p.stop("SIGKILL").catch(() => undefined);
    await world?.close();
    await db?.drop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("both replicas are custodian 0 and serve; the deposit through the replica that does not lead is stored, and wakes the leader's waiting release", async function () {
    const w = world!;
    const [a, b] = replicas.map(client);
    const [infoA, infoB] = await Promise.all([a!.info(), b!.info()]);
    expect([infoA.address, infoB.address]).to.deep.equal([members[0]!.wallet.address, members[0]!.wallet.address]);
    expect(infoA.encryptionKey).to.equal(infoB.encryptionKey);
    const { lead, follower } = await leader();

    // The requester is granted before the provider deposits: the leader holds the release, waiting for its share.
    firstRequestId = (await w.grantedRequest(ds)).requestId;
    const releaseStatus = async () => (await query<{ status: string }>("SELECT status FROM releases WHERE request_id = $1", [firstRequestId.toString()]))[0]?.status;
    await eventually(async () => ((await releaseStatus()) === "waiting-key" ? true : undefined), "the leader waits for custodian 0's share", 30_000, 200);

    const r = await depositShares(ctxOf(w.accounts.bank), {
      datasetId: ds.datasetId,
      version: 1,
      setId,
      dek: ds.dek,
      custodians: [client(follower), ...others.map(client)],
    });
    expect(r.undelivered).to.deep.equal([]);
    expect(r.delivered.map((d) => [d.index, d.custodian, d.created])).to.deep.equal(members.map((m, i) => [i, m.wallet.address, true]));
    expect(r.delivered[0]!.url).to.equal(follower.url);
    expect(r.delivered[0]!.url).to.not.equal(lead.url);
    // In the shared database: custodian 0's share, sealed, under the root the provider committed on chain.
    const rows = await query<{ share_index: number; shares_root: string }>("SELECT share_index, shares_root FROM custody_shares WHERE dataset_id = $1 AND version = 1 AND set_id = $2", [
      ds.datasetId.toString(),
      setId,
    ]);
    expect(rows.map((x) => [x.share_index, x.shares_root.toLowerCase()])).to.deep.equal([[0, r.sharesRoot.toLowerCase()]]);
    // The deposit went to the replica that does not lead; the leader released the waiting grant.
    expect(readFileSync(follower.logPath, "utf8")).to.match(/key share deposited/);
    expect(readFileSync(lead.logPath, "utf8")).to.not.match(/key share deposited/);
    await eventually(async () => ((await releaseStatus()) === "released" ? true : undefined), "the leader releases custodian 0's share", 30_000, 200);
  });

  it("a grant's share envelope is the same from both replicas; the SDK rebuilds the key from either replica's URL plus one other custodian", async function () {
    const w = world!;
    const requestId = firstRequestId;
    const domain = custodianDomain(BigInt(w.deployment.chainId), getAddress(w.deployment.ledger));
    const envelopes: Envelope[] = [];
    for (const p of replicas) {
      const answer = await client(p).fetchEnvelope(w.accounts.insurer, requestId);
      expect(answer.status, p.url).to.equal("ready");
      if (answer.status === "ready") envelopes.push(answer.envelope);
    }
    expect(envelopes[0]!.custodian).to.equal(members[0]!.wallet.address);
    expect([envelopes[0]!.share?.setId, envelopes[0]!.share?.index, envelopes[0]!.share?.threshold]).to.deep.equal([setId, 0, 2]);
    expect(envelopeHash(domain, envelopes[1]!)).to.equal(envelopeHash(domain, envelopes[0]!)); // one release, served twice
    proofSeen = envelopes[0]!.share!.proof[0];

    for (const [i, p] of replicas.entries()) {
      // Custodian 0 (this replica) and ONE other: t = 2, so custodian 0's share is one of the two combined.
      const k = await fetchThresholdKey(ctxOf(w.accounts.insurer), {
        custodians: [client(p), client(others[i]!)],
        requestId,
        devicePrivateKey: w.deviceKeys.insurer.privateKey,
        waitMs: 60_000,
      });
      expect(hexlify(k.dek)).to.equal(hexlify(ds.dek));
      expect(k.used).to.include(members[0]!.wallet.address);
    }
  });

  it("SIGKILL the leading replica: the other takes over, and a new grant's share is still released", async function () {
    const w = world!;
    const { lead, follower } = await leader();
    await lead.stop("SIGKILL");
    replicas.splice(replicas.indexOf(lead), 1);
    await eventually(async () => ((await leading(follower)) ? true : undefined), "the surviving replica leads", 20_000, 100);

    const { requestId } = await w.grantedRequest(ds); // after the kill: only the survivor can release custodian 0's share
    const k = await fetchGrantKey(ctxOf(w.accounts.insurer), {
      custodians: [client(follower), client(others[0]!)],
      requestId,
      devicePrivateKey: w.deviceKeys.insurer.privateKey,
      waitMs: 60_000,
    });
    expect(hexlify(k.dek)).to.equal(hexlify(ds.dek));
    expect(k.custodians).to.include(members[0]!.wallet.address);
    const [row] = await query<{ status: string }>("SELECT status FROM releases WHERE request_id = $1", [requestId.toString()]);
    expect(row?.status).to.equal("released");
  });

  it("a shred order, with the leader SIGKILLed as it is mined: carried out once in the shared database, confirmed on chain exactly once for custodian 0", async function () {
    const w = world!;
    replicas.push(await startReplica()); // both replicas running: only the leader may act on the order
    const { lead, follower } = await leader();
    const orderBlock = (await (await custody.connect(w.accounts.bank).orderShred(ds.datasetId, 1)).wait())!.blockNumber;
    // The leader may have carried out part of the order (deleted, recorded, sent): the other replica finishes it.
    await lead.stop("SIGKILL");
    replicas.splice(replicas.indexOf(lead), 1);
    await eventually(async () => ((await custody.unconfirmedShred(ds.datasetId, 1, setId)).length === 0 ? true : undefined), "all three custodians confirmed", 60_000, 300);
    expect(await leading(follower)).to.equal(true);

    const confirmed = await custody.queryFilter(custody.filters.ShredConfirmed(ds.datasetId, 1, setId), w.deployment.deployBlock);
    expect(confirmed.map((l) => getAddress(l.args.custodian)).sort()).to.deep.equal(members.map((m) => m.wallet.address).sort());
    // Every transaction custodian 0's account sent since the order: one confirmShred (none refused, none twice).
    const selector = custody.interface.getFunction("confirmShred")!.selector;
    const sent: string[] = [];
    const head = await w.provider.getBlockNumber();
    for (let n = orderBlock; n <= head; n++) {
      const block = await w.provider.getBlock(n, true);
      for (const tx of block!.prefetchedTransactions) if (getAddress(tx.from) === members[0]!.wallet.address && tx.data.startsWith(selector)) sent.push(tx.hash);
    }
    expect(sent, "confirmShred transactions from custodian 0").to.have.length(1);
    const outbox = await query<{ tx_key: string; state: string }>("SELECT tx_key, state FROM chain_txs WHERE tx_key LIKE 'shred:%'");
    expect(outbox.map((x) => x.tx_key)).to.deep.equal([`shred:${ds.datasetId}:1:${setId}`]);
    expect(await query("SELECT 1 FROM custody_shares WHERE dataset_id = $1", [ds.datasetId.toString()])).to.have.length(0);
    expect(await query("SELECT 1 FROM custody_shreds WHERE dataset_id = $1 AND set_id = $2", [ds.datasetId.toString(), setId])).to.have.length(1);

    // The killed replica back: neither replica serves custodian 0's share any more (a released envelope is withdrawn).
    replicas.push(await startReplica());
    for (const p of replicas) {
      const err = (await client(p)
        .fetchEnvelope(w.accounts.insurer, firstRequestId)
        .then(() => undefined, (e: unknown) => e)) as CustodianError | undefined;
      expect([err?.code, err?.problem?.reason], p.url).to.deep.equal(["grant-revoked", "custody:Shredded"]);
    }
  });

  it("no whole key in the PostgreSQL database (every row of every table, as text) nor in any log", async function () {
    for (const p of [...replicas, ...others]) await p.stop(); // flushes the logs
    const dek = Buffer.from(ds.dek);
    const hex = dek.toString("hex");
    const base64 = [dek.toString("base64"), dek.toString("base64url")];
    const tables = await query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'");
    expect(tables.map((t) => t.table_name)).to.include.members(["custody_shares", "custody_shreds", "releases", "chain_txs"]);
    let dump = "";
    for (const { table_name } of tables) {
      for (const row of await query<{ t: string }>(`SELECT t::text AS t FROM "${table_name}" t`)) dump += `${table_name}: ${row.t}\n`;
    }
    // bytea columns come out as \x-hex text: the hex needle covers sealed bytes too.
    const holdsKey = (text: string) => text.toLowerCase().includes(hex) || base64.some((n) => text.includes(n));
    expect(holdsKey(dump), "the database dump holds the DEK").to.equal(false);
    const lower = dump.toLowerCase();
    // The dump does hold what custodian 0 released: its share's proof, in the signed envelopes.
    expect(lower.includes(proofSeen!.slice(2).toLowerCase()), "the dump holds the released envelopes").to.equal(true);
    for (const path of logs) {
      expect(holdsKey(readFileSync(path, "utf8")), `${path} holds the DEK`).to.equal(false);
    }
    // The logs searched are the real ones: they name the share work done.
    expect(logs.map((path) => readFileSync(path, "utf8")).join("")).to.match(/key share deposited/).and.to.match(/shred order final/);
  });
});
