/**
 * The SDK's threshold-custody actions against real processes: a `hardhat node`, the ledger and the
 * custody contract beside it, and THREE custodians, each its own process (devkit/custodian-process.ts)
 * with its own account, ECIES key and SQLite file. A 2-of-3 set is registered with the SDK.
 *
 *  - registerCustodianSet / getCustodianSet (a custodian that lost its role is named; nothing is
 *    deposited to a set that fails the chain's checks);
 *  - depositShares: split, root on chain, each share to its custodian with progress per custodian;
 *  - fetchThresholdKey / fetchGrantKey: the DEK matching the key commitment; a lying custodian (a
 *    test double that re-signs a share with one byte flipped) is named and tolerated; one custodian
 *    stopped is tolerated; one liar plus one stopped leaves fewer than t and fails naming both;
 *  - moveCustody (change of set): the old set's shares are shredded and confirmed on chain;
 *  - voteShred, orderShred, getShredStatus (who has not confirmed: the stopped custodian).
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getAddress, getBytes, hexlify, randomBytes, Wallet } from "ethers";
import { CUSTODIAN_ROLE, type SealshareCustody } from "../../sdk/contracts.js";
import { CustodianClient } from "../../sdk/custodian-client.js";
import { custodianDomain } from "../../sdk/eip712.js";
import { signEnvelope, type Envelope } from "../../sdk/envelope.js";
import { generateEncryptionKeyPair, unwrapKey, wrapKey } from "../../sdk/crypto/ecies.js";
import { SealshareError } from "../../sdk/errors.js";
import type { CustodyContext } from "../../sdk/actions/custody-context.js";
import { registerCustodianSet } from "../../sdk/actions/register-custodian-set.js";
import { assertSetUsable, getCustodianSet } from "../../sdk/actions/get-custodian-set.js";
import { depositShares, type ShareDepositProgress } from "../../sdk/actions/deposit-shares.js";
import { fetchThresholdKey } from "../../sdk/actions/fetch-threshold-key.js";
import { fetchGrantKey } from "../../sdk/actions/fetch-grant-key.js";
import { moveCustody } from "../../sdk/actions/move-custody.js";
import { orderShred } from "../../sdk/actions/order-shred.js";
import { voteShred } from "../../sdk/actions/vote-shred.js";
import { getShredStatus } from "../../sdk/actions/get-shred-status.js";
import { registerDataset } from "../../sdk/actions/register-dataset.js";
import { depositKey } from "../../sdk/actions/deposit-key.js";
import { fetchAndDecryptBlob } from "../../sdk/actions/fetch-and-decrypt-blob.js";
import { LocalBlobStore } from "../../sdk/blob/index.js";
import { publishCustodianKey, type Dataset } from "../../devkit/build.js";
import { startCustodianProcess, type CustodianProcess } from "../../devkit/custodian-process.js";
import { createWorld, eventually, FORMAL_ONLY, type World } from "../../devkit/world.js";
import { prepareCustodyMembers, type CustodyMember } from "../helpers/custody-members.js";

interface Member extends CustodyMember {
  proc?: CustodianProcess;
  url?: string;
}

/** Rejection of `p`, or a failure when it resolves. */
async function refusal(p: Promise<unknown>): Promise<SealshareError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(SealshareError);
    return err as SealshareError;
  }
  throw new Error("expected a refusal");
}

describe("SDK threshold-custody actions: three custodian processes, a 2-of-3 set", function () {
  this.timeout(900_000);
  let world: World;
  let tmp: string;
  let custody: SealshareCustody;
  let setId: number;
  let ds: Dataset;
  const members: Member[] = [];
  const doubles: Server[] = [];
  const ctxOf = (signer: Wallet): CustodyContext => ({ ledger: world.ledger, custody, signer, fromBlock: world.deployment.deployBlock });
  const client = (url: string) => new CustodianClient(url, { chainId: world.deployment.chainId, ledger: world.deployment.ledger });
  const clients = () => members.map((m) => client(m.url!));
  const addr = (i: number) => members[i]!.wallet.address;

  /**
   * A test double in front of custodian `m`: forwards every call; with `lie`, the envelope's share
   * comes back with one byte flipped, re-wrapped to the requester's key and re-signed with the
   * custodian's own account (so only the shares root can tell); with `after`, an envelope is
   * answered only once that promise settles. `lied` settles when the double has answered an envelope.
   */
  async function double(m: Member, o: { lie?: boolean; after?: Promise<void> }): Promise<{ url: string; lied: Promise<void> }> {
    let answered!: () => void;
    const lied = new Promise<void>((r) => (answered = r));
    const domain = custodianDomain(BigInt(world.deployment.chainId), getAddress(world.deployment.ledger));
    const server = createServer((req, res) => {
      void (async () => {
        const headers: Record<string, string> = {};
        for (const h of ["x-sealshare-issued-at", "x-sealshare-signature", "accept"]) if (typeof req.headers[h] === "string") headers[h] = req.headers[h] as string;
        const upstream = await fetch(`${m.url}${req.url}`, { method: req.method, headers });
        let text = await upstream.text();
        if (o.lie && upstream.status === 200 && req.url!.startsWith("/v1/envelopes/")) {
          const e = JSON.parse(text) as Envelope;
          const share = unwrapKey(world.deviceKeys.insurer.privateKey, getBytes(e.wrappedKey));
          share[0] = share[0]! ^ 1;
          const { custodian: _c, signature: _s, ...rest } = e;
          text = JSON.stringify(await signEnvelope(m.wallet, domain, { ...rest, wrappedKey: hexlify(wrapKey(world.deviceKeys.insurer.publicKey, share)) }));
        }
        const envelope = req.url!.startsWith("/v1/envelopes/");
        if (envelope && o.after) await o.after;
        res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" }).end(text);
        if (envelope) answered();
      })().catch((err: unknown) => res.writeHead(502).end(String(err)));
    });
    doubles.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    return { url: `http://127.0.0.1:${port}`, lied };
  }

  before(async function () {
    world = await createWorld();
    tmp = mkdtempSync(join(tmpdir(), "sealshare-threshold-actions-"));
    const prepared = await prepareCustodyMembers(world, tmp);
    custody = prepared.custody;
    const { deploymentPath } = prepared;
    members.push(...prepared.members);
    // One after another: three processes starting at once crowd a 2-core machine. Each publishes its share key on start.
    for (const m of members) {
      m.proc = await startCustodianProcess({ rpcUrl: world.chain.url, deploymentPath, dbPath: m.dbPath, logPath: m.logPath, custodianKey: m.wallet.privateKey, eciesKey: m.eciesKey, masterKey: m.masterKey, timeoutMs: 180_000 });
      m.url = m.proc.url;
    }
    ds = await world.registerDataset();
  });

  after(async function () {
    for (const s of doubles) s.close();
    for (const m of members) await m.proc?.stop("SIGKILL");
    await world?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("registers a 2-of-3 set; getCustodianSet reads it back with each custodian's live share key checked on chain", async function () {
    const r = await registerCustodianSet(ctxOf(world.accounts.admin), { custodians: members.map((m) => m.wallet.address), threshold: 2 });
    setId = r.setId;
    expect([r.custodians, r.threshold]).to.deep.equal([members.map((m) => m.wallet.address), 2]);
    const set = await getCustodianSet(ctxOf(world.accounts.insurer), { setId });
    expect([set.threshold, set.n, set.active, set.healthy]).to.deep.equal([2, 3, true, true]);
    expect(set.custodians.map((c) => [c.address, c.index, c.keyId, c.ok])).to.deep.equal(members.map((m, i) => [m.wallet.address, i, r.keyIds[i], true]));
    // Only the admin registers sets: the contract's refusal comes back by name.
    const notAdmin = await refusal(registerCustodianSet(ctxOf(world.accounts.bank), { custodians: [addr(0)], threshold: 1 }));
    expect(notAdmin.code).to.equal("CustodyUnauthorizedAccount");
  });

  it("names a custodian that lost its role, and deposits nothing to that set", async function () {
    const { admin, bank } = world.accounts;
    const extra = new Wallet(world.chain.accounts[11]!, world.provider);
    await (await world.ledger.connect(admin).grantRole(CUSTODIAN_ROLE, extra.address)).wait();
    await publishCustodianKey(world.ledger, extra, generateEncryptionKeyPair());
    const { setId: badSet } = await registerCustodianSet(ctxOf(admin), { custodians: [addr(0), extra.address], threshold: 1 });
    await (await world.ledger.connect(admin).revokeRole(CUSTODIAN_ROLE, extra.address)).wait();
    const set = await getCustodianSet(ctxOf(bank), { setId: badSet });
    expect(set.healthy).to.equal(false);
    expect(set.custodians.map((c) => c.ok)).to.deep.equal([true, false]);
    expect(set.custodians[1]!.problem).to.match(/CUSTODIAN_ROLE/);
    expect(() => assertSetUsable(set)).to.throw(SealshareError, extra.address);
    const other = await world.registerDataset();
    const err = await refusal(depositShares(ctxOf(bank), { datasetId: other.datasetId, version: 1, setId: badSet, dek: other.dek, custodians: clients() }));
    expect(err.code).to.equal("CUSTODY_SET_UNUSABLE");
    expect(err.message).to.include(extra.address);
    expect(Number((await custody.custodyOf(other.datasetId, 1)).setId)).to.equal(0);
    // A healthy set, but fewer than t of its custodians answer: nothing goes on chain either.
    const few = await refusal(depositShares(ctxOf(bank), { datasetId: other.datasetId, version: 1, setId, dek: other.dek, custodians: [client(members[0]!.url!), client("http://127.0.0.1:9")] }));
    expect(few.code).to.equal("CUSTODY_NOT_ENOUGH_CUSTODIANS");
    expect(few.message).to.include(addr(1)).and.include(addr(2));
    expect(Number((await custody.custodyOf(other.datasetId, 1)).setId)).to.equal(0);
  });

  it("depositShares: the root on chain, each custodian stores its own share, with progress per custodian", async function () {
    const progress: ShareDepositProgress[] = [];
    // The URLs in another order than the set: routes are matched by the account each service names.
    const urls = [client(members[2]!.url!), client(members[0]!.url!), client(members[1]!.url!)];
    const r = await depositShares(ctxOf(world.accounts.bank), { datasetId: ds.datasetId, version: 1, setId, dek: ds.dek, custodians: urls, onProgress: (p) => progress.push(p) });
    expect(r.delivered.map((d) => [d.custodian, d.index, d.created])).to.deep.equal(members.map((m, i) => [m.wallet.address, i, true]));
    expect([r.undelivered, r.servable, r.replacedSetId, r.threshold, r.n]).to.deep.equal([[], true, 0, 2, 3]);
    const record = await custody.custodyOf(ds.datasetId, 1);
    expect([Number(record.setId), record.sharesRoot]).to.deep.equal([setId, r.sharesRoot]);
    for (const m of members) {
      expect(progress.filter((p) => p.custodian === m.wallet.address).map((p) => p.status)).to.deep.equal(["sending", "stored"]);
    }
    // The key is checked against the version's commitment before anything is split or sent.
    const wrongKey = await refusal(depositShares(ctxOf(world.accounts.bank), { datasetId: ds.datasetId, version: 1, setId, dek: new Uint8Array(randomBytes(32)), custodians: clients() }));
    expect(wrongKey.code).to.equal("KEY_COMMITMENT_MISMATCH");
    // The same set takes a version's shares once.
    const again = await refusal(depositShares(ctxOf(world.accounts.bank), { datasetId: ds.datasetId, version: 1, setId, dek: ds.dek, custodians: clients() }));
    expect(again.code).to.equal("CustodySetAlreadyUsed");
  });

  it("fetchThresholdKey rebuilds the DEK; a lying custodian is named by address and tolerated", async function () {
    const { requestId } = await world.grantedRequest(ds);
    const ok = await fetchThresholdKey(ctxOf(world.accounts.insurer), { custodians: clients(), requestId, devicePrivateKey: world.deviceKeys.insurer.privateKey, waitMs: 90_000 });
    expect(hexlify(ok.dek)).to.equal(hexlify(ds.dek));
    expect([ok.setId, ok.threshold, ok.used.length, ok.datasetId, ok.version]).to.deep.equal([setId, 2, 2, ds.datasetId, 1]);

    // Custodian 0 lies; custodian 1 answers only once the SDK has taken the liar's answer (its
    // progress says so), so the liar's share is examined: t good shares in first would leave the
    // liar skipped, unexamined. (Waiting for the liar's double to send is not enough: both answers
    // can then arrive together, in either order.)
    let liarTaken!: () => void;
    const taken = new Promise<void>((r) => (liarTaken = r));
    const liar = await double(members[0]!, { lie: true });
    const late = await double(members[1]!, { after: taken });
    const r = await fetchThresholdKey(ctxOf(world.accounts.insurer), {
      custodians: [client(liar.url), client(late.url), client(members[2]!.url!)],
      requestId,
      devicePrivateKey: world.deviceKeys.insurer.privateKey,
      onProgress: (p) => {
        if (p.custodian === addr(0) && p.status !== "asking") liarTaken();
      },
    });
    expect(hexlify(r.dek)).to.equal(hexlify(ds.dek));
    expect(r.used.sort()).to.deep.equal([addr(1), addr(2)].sort());
    expect(r.failures.map((f) => [f.custodian, f.error.code])).to.deep.equal([[addr(0), "THRESHOLD_BAD_SHARE"]]);
  });

  it("moveCustody: a new split to another set; the old set's shares are ordered shredded and every custodian confirms", async function () {
    const { admin, bank } = world.accounts;
    const { setId: newSet } = await registerCustodianSet(ctxOf(admin), { custodians: [addr(2), addr(0), addr(1)], threshold: 2 });
    const r = await moveCustody(ctxOf(bank), { datasetId: ds.datasetId, version: 1, toSetId: newSet, dek: ds.dek, custodians: clients() });
    expect([r.setId, r.replacedSetId, r.delivered.length]).to.deep.equal([newSet, setId, 3]);
    const old = await eventually(
      async () => {
        const s = await getShredStatus(ctxOf(bank), { datasetId: ds.datasetId, version: 1, setId });
        return s.ordered && s.pending.length === 0 ? s : undefined;
      },
      "the old set's custodians confirm the shred",
      120_000,
      500,
    );
    expect(old.confirmed.map((c) => c.custodian)).to.deep.equal(members.map((m) => m.wallet.address));
    expect([old.servingSetId, old.shredded]).to.deep.equal([newSet, false]);
    setId = newSet;
    // The new set serves, through the path the chain picks (fetchGrantKey → threshold custody).
    const { requestId } = await world.grantedRequest(ds);
    const k = await fetchGrantKey(ctxOf(world.accounts.insurer), { custodians: clients(), requestId, devicePrivateKey: world.deviceKeys.insurer.privateKey, waitMs: 90_000 });
    expect(hexlify(k.dek)).to.equal(hexlify(ds.dek));
    expect(k.custodians).to.have.length(2);
  });

  it("fetchAndDecryptBlob and fetchGrantKey take the path the chain names: threshold custody for a version with a custody record, the single custodian otherwise", async function () {
    const { bank, insurer, ana } = world.accounts;
    const store = new LocalBlobStore(join(tmp, "blobs"));
    const file = join(tmp, "ana.ndjson");
    writeFileSync(file, Array.from({ length: 500 }, (_, i) => JSON.stringify({ seq: i, balance: i * 10 })).join("\n") + "\n");
    const reg = await registerDataset(ctxOf(bank), { subject: ana.address, category: "deposit", policy: FORMAL_ONLY, source: { plaintext: file }, blobStore: store });
    await depositShares(ctxOf(bank), { datasetId: reg.datasetId, version: 1, setId, dek: reg.dek, custodians: clients() });
    const blobServer = createServer((req, res) => {
      const [, scheme, hex] = /^\/(merkle|sha256)\/([0-9a-f]{64})$/.exec(req.url ?? "") ?? [];
      readFile(store.path(`blob://${scheme}/${hex}`)).then(
        (body) => res.writeHead(200, { "content-type": "application/octet-stream", "content-length": body.length }).end(body),
        () => res.writeHead(404).end(),
      );
    });
    doubles.push(blobServer);
    await new Promise<void>((r) => blobServer.listen(0, "127.0.0.1", r));
    const blobUrl = `http://127.0.0.1:${(blobServer.address() as { port: number }).port}/{scheme}/{sha256}`;
    const { requestId } = await world.grantedRequest({ datasetId: reg.datasetId } as Dataset);
    // `custodian` alone is no custodian of the set: the chain sends this grant down the threshold path.
    const out = await fetchAndDecryptBlob(ctxOf(insurer), { custodian: client(members[0]!.url!), custodians: clients(), requestId, devicePrivateKey: world.deviceKeys.insurer.privateKey, blobs: { blobUrl }, waitMs: 90_000 });
    expect(Buffer.from(await out.plaintext.arrayBuffer()).equals(readFileSync(file))).to.equal(true);
    expect([out.datasetId, out.version, out.custodians.length]).to.deep.equal([reg.datasetId, 1, 2]);
    expect(out.custodians.every((c) => members.some((m) => m.wallet.address === c))).to.equal(true);

    // A version with no custody record: the single custodian (the world's, in-process) serves its whole key.
    const single = await world.startCustodian();
    try {
      const plain = await world.registerDataset();
      await depositKey(ctxOf(bank), { custodian: single.client, datasetId: plain.datasetId, version: 1, dek: plain.dek });
      const { requestId: plainRequest } = await world.grantedRequest(plain);
      // A custodian started just now serves nothing until its view of the chain has caught up (chain-view-stale).
      const k = await eventually(
        () =>
          fetchGrantKey(ctxOf(insurer), { custodian: single.client, custodians: clients(), requestId: plainRequest, devicePrivateKey: world.deviceKeys.insurer.privateKey, waitMs: 60_000 }).catch((err: unknown) => {
            if (err instanceof SealshareError && err.code === "chain-view-stale") return undefined;
            throw err;
          }),
        "the single custodian serves the whole key",
        90_000,
        500,
      );
      expect(hexlify(k.dek)).to.equal(hexlify(plain.dek));
      expect(k.custodians).to.deep.equal([world.accounts.custodian.address]);
    } finally {
      await single.stop();
    }
  });

  let grantWithOneDown: bigint;
  it("with one custodian stopped the key still rebuilds (the stopped one named); a liar besides leaves fewer than t, naming both", async function () {
    await members[2]!.proc!.stop();
    ({ requestId: grantWithOneDown } = await world.grantedRequest(ds));
    const r = await fetchThresholdKey(ctxOf(world.accounts.insurer), { custodians: clients(), requestId: grantWithOneDown, devicePrivateKey: world.deviceKeys.insurer.privateKey, waitMs: 90_000 });
    expect(hexlify(r.dek)).to.equal(hexlify(ds.dek));
    expect(r.failures.map((f) => f.custodian)).to.deep.equal([addr(2)]);

    const liar = await double(members[0]!, { lie: true });
    const err = await refusal(
      fetchThresholdKey(ctxOf(world.accounts.insurer), { custodians: [client(liar.url), client(members[1]!.url!), client(members[2]!.url!)], requestId: grantWithOneDown, devicePrivateKey: world.deviceKeys.insurer.privateKey }),
    );
    expect(err.code).to.equal("THRESHOLD_NOT_ENOUGH");
    const failures = (err.details!.failures as { custodian: string; code: string }[]).map((f) => [f.custodian, f.code]);
    expect(failures).to.deep.include([addr(0), "THRESHOLD_BAD_SHARE"]);
    expect(failures.map((f) => f[0])).to.include(addr(2));
    expect(failures.map((f) => f[0])).to.not.include(addr(1));
  });

  it("shred: a supervisor's vote counts once and alone does not order; the provider orders; status names who has not confirmed", async function () {
    const { bank, sup } = world.accounts;
    const vote = await voteShred(ctxOf(sup), { datasetId: ds.datasetId, version: 1 });
    expect([vote.votes, vote.quorum, vote.ordered]).to.deep.equal([1, 2, undefined]);
    expect((await refusal(voteShred(ctxOf(sup), { datasetId: ds.datasetId, version: 1 }))).code).to.equal("CustodyAlreadyVoted");
    expect((await refusal(orderShred(ctxOf(world.accounts.insurer), { datasetId: ds.datasetId, version: 1 }))).code).to.equal("CustodyNotProvider");

    const order = await orderShred(ctxOf(bank), { datasetId: ds.datasetId, version: 1 });
    expect([order.setId, order.orderedBy]).to.deep.equal([setId, bank.address]);
    // The two running custodians delete and confirm; the stopped one (index 0 of this set) stays pending.
    const status = await eventually(
      async () => {
        const s = await getShredStatus(ctxOf(bank), { datasetId: ds.datasetId, version: 1 });
        return s.confirmed.length === 2 ? s : undefined;
      },
      "two custodians confirm",
      120_000,
      500,
    );
    expect([status.ordered, status.shredded, status.setId]).to.deep.equal([true, true, setId]);
    expect(status.pending).to.deep.equal([{ custodian: addr(2), index: 0 }]);
    expect(status.confirmed.map((c) => c.custodian).sort()).to.deep.equal([addr(0), addr(1)].sort());
    // Nothing serves the version's key any more.
    const gone = await refusal(fetchThresholdKey(ctxOf(world.accounts.insurer), { custodians: clients(), requestId: grantWithOneDown, devicePrivateKey: world.deviceKeys.insurer.privateKey }));
    expect(gone.code).to.equal("CUSTODY_SHREDDED");
  });
});
