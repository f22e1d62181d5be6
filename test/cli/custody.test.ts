/**
 * `sealshare custody …` on the real CLI (child processes) against a local chain with the custody
 * contract (deployToFolder) and THREE real custodian processes (devkit/custodian-process.ts), the
 * world's custodian, lender and mallory accounts being the custodians of a 2-of-3 set:
 * register and show the set; deposit a registered version's key with one custodian's URL left
 * out (it is reported, its share kept wrapped in a pending file, then delivered with --retry);
 * with one custodian stopped the requester rebuilds the key (the stopped one named) and
 * decrypts with it; a supervisor's shred vote, the provider's shred order, and the status naming
 * the custodian that has not confirmed.
 */
import { expect } from "chai";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { hexlify, randomBytes, Wallet } from "ethers";
import { CUSTODIAN_ROLE } from "../../sdk/contracts.js";
import { generateEncryptionKeyPair } from "../../sdk/crypto/ecies.js";
import { writeSampleRecords } from "../../devkit/sample-records.js";
import { startCustodianProcess, type CustodianProcess } from "../../devkit/custodian-process.js";
import { eventually } from "../../devkit/world.js";
import { explain, startCliWorld, type CliWorld, type Role } from "./helpers.js";

describe("CLI: threshold custody (custody set, deposit, fetch, shred) with three custodian processes", function () {
  this.timeout(900_000);
  let w: CliWorld;
  let datasetId: string;
  let requestId: string;
  const CUSTODIANS: Role[] = ["custodian", "lender", "mallory"];
  const procs: CustodianProcess[] = [];
  const urls: string[] = [];
  const addrs = () => CUSTODIANS.map((r) => w.addr[r]);

  async function ok(args: string[], opts: Parameters<CliWorld["cli"]>[1] = {}) {
    const r = await w.cli(args, opts);
    expect(r.code, explain(r)).to.equal(0);
    expect(r.json, explain(r)).to.not.equal(undefined);
    return r.json;
  }

  before(async () => {
    w = await startCliWorld();
    const admin = new Wallet(w.keys.admin, w.provider);
    for (const role of CUSTODIANS) {
      if (role !== "custodian") await (await w.ledger.connect(admin).grantRole(CUSTODIAN_ROLE, w.addr[role])).wait();
      // One after another: each publishes its share key when it starts.
      const p = await startCustodianProcess({
        rpcUrl: w.chain.url,
        deploymentPath: join(w.dir, "deployment.json"),
        dbPath: join(w.dir, `${role}.db`),
        logPath: join(w.dir, `${role}.log`),
        custodianKey: w.keys[role],
        eciesKey: hexlify(generateEncryptionKeyPair().privateKey),
        masterKey: hexlify(randomBytes(32)),
        pollMs: 100,
        timeoutMs: 180_000,
      });
      procs.push(p);
      urls.push(p.url);
    }
    await writeSampleRecords(join(w.dir, "ana.ndjson"), { subject: w.addr.ana, bytes: 20_000 });
    for (const m of ["bank", "insurer"] as const) {
      await ok(["members", "register", w.addr[m], "--kyc-ref", `KYC-${m}`, "--metadata", `https://members.example/${m}.json`], { as: "supervisor" });
    }
    await ok(["keys", "generate", "--device", "insurer/laptop-1", "-o", "insurer-device.json"]);
    await ok(["keys", "publish", "--device-key", "insurer-device.json"], { as: "insurer" });
    const d = await ok(["dataset", "register", "ana.ndjson", "--subject", w.addr.ana, "--category", "deposit", "--quorum", "1", "--max-temporary", "1h", "--max-formal", "30d", "--key-out", "bank.key.json"], { as: "bank" });
    datasetId = String(d.datasetId);
  });

  after(async () => {
    for (const p of procs) await p.stop("SIGKILL");
    await w?.stop();
  });

  it("custody set register (admin) and show: each custodian checked on chain", async () => {
    const r = await ok(["custody", "set", "register", ...addrs(), "--threshold", "2"], { as: "admin" });
    expect([r.setId, r.threshold, r.custodians]).to.deep.equal([1, 2, addrs()]);
    const shown = await ok(["custody", "set", "show", "1"]);
    expect([shown.n, shown.threshold, shown.active, shown.healthy]).to.deep.equal([3, 2, true, true]);
    expect(shown.custodians.map((c: { address: string; ok: boolean }) => [c.address, c.ok])).to.deep.equal(addrs().map((a) => [a, true]));
    // Not the admin: the contract's error by name, exit 1.
    const denied = await w.cli(["custody", "set", "register", w.addr.custodian, "--threshold", "1"], { as: "bank" });
    expect([denied.code, denied.json?.error?.code], explain(denied)).to.deep.equal([1, "CustodyUnauthorizedAccount"]);
  });

  it("custody deposit with one custodian's URL missing: progress per custodian on stderr, the missing share kept; --retry delivers it", async () => {
    const r = await w.cli(["custody", "deposit", "--key-file", "bank.key.json", "--set", "1", "--custodians", urls[0]!, urls[1]!, "--pending-out", "pending.json"], { as: "bank", human: true });
    expect(r.code, explain(r)).to.equal(1); // not every custodian holds its share yet
    expect(r.stdout).to.include(`deposited dataset #${datasetId} v1: 2-of-3 shares with custodian set 1`);
    expect(r.stdout).to.include("delivered to 2 of 3 custodians");
    expect(r.stdout).to.include(`not delivered to custodian 2 ${w.addr.mallory}`);
    expect(r.stderr).to.include(`custodian 0 ${w.addr.custodian}: stored`);
    expect(r.stderr).to.include(`custodian 1 ${w.addr.lender}: stored`);
    expect(r.stderr).to.include(`custodian 2 ${w.addr.mallory}: no-url`);
    const pending = JSON.parse(await readFile(join(w.dir, "pending.json"), "utf8"));
    expect(pending.shares.map((s: { custodian: string; index: number }) => [s.custodian, s.index])).to.deep.equal([[w.addr.mallory, 2]]);
    // The data key is nowhere in what was printed or kept.
    const dek = JSON.parse(await readFile(join(w.dir, "bank.key.json"), "utf8")).dek.slice(2);
    expect(r.stdout + r.stderr + JSON.stringify(pending)).to.not.include(dek);

    const retry = await ok(["custody", "deposit", "--retry", "pending.json", "--custodians", urls[2]!], { as: "bank" });
    expect(retry.delivered.map((d: { custodian: string; created: boolean }) => [d.custodian, d.created])).to.deep.equal([[w.addr.mallory, true]]);
    expect(retry.undelivered).to.deep.equal([]);
  });

  it("with one custodian stopped, custody fetch rebuilds the key (naming the stopped one) and it decrypts the dataset", async () => {
    await ok(["consent", "sign", "--requester", w.addr.insurer, "--dataset", datasetId, "--purpose", "underwriting", "--valid-for", "30d", "-o", "consent.json"], { as: "ana" });
    await ok(["consent", "relay", "consent.json"], { as: "insurer" });
    const req = await ok(["access", "request", "--dataset", datasetId, "--consent", "consent.json", "--device", "insurer/laptop-1", "--kind", "formal", "--duration", "7d"], { as: "insurer" });
    requestId = String(req.requestId);
    await ok(["access", "approve", requestId], { as: "bank" });
    await ok(["access", "approve", requestId], { as: "supervisor" });
    await procs[1]!.stop(); // the lender's custodian, index 1

    const k = await ok(["custody", "fetch", requestId, "--device-key", "insurer-device.json", "-o", "insurer.key.json", "--custodians", ...urls, "--wait", "60s"], { as: "insurer" });
    expect([k.datasetId, k.version, k.setId, k.threshold, k.kind]).to.deep.equal([datasetId, 1, 1, 2, 2]);
    expect([...k.used].sort()).to.deep.equal([w.addr.custodian, w.addr.mallory].sort());
    expect(k.failures.map((f: { custodian: string; index: number }) => [f.custodian, f.index])).to.deep.equal([[w.addr.lender, 1]]);
    const fetched = JSON.parse(await readFile(join(w.dir, "insurer.key.json"), "utf8"));
    const bank = JSON.parse(await readFile(join(w.dir, "bank.key.json"), "utf8"));
    expect(fetched.dek).to.equal(bank.dek);
    const d = await ok(["dataset", "decrypt", "--key-file", "insurer.key.json", "-o", "ana.out.ndjson"], { as: "insurer" });
    expect(d.verified).to.equal(true);
    expect(await readFile(join(w.dir, "ana.out.ndjson"), "utf8")).to.equal(await readFile(join(w.dir, "ana.ndjson"), "utf8"));
  });

  it("custody shred vote (supervisor), order (provider) and status naming the custodian that has not confirmed", async () => {
    const before = await ok(["custody", "shred", "status", "--dataset", datasetId, "--dataset-version", "1"]);
    expect([before.ordered, before.setId, before.servingSetId, before.pending]).to.deep.equal([false, 1, 1, []]);
    const vote = await ok(["custody", "shred", "vote", "--dataset", datasetId, "--dataset-version", "1"], { as: "supervisor" });
    expect([vote.votes, vote.quorum, vote.ordered]).to.deep.equal([1, 2, undefined]);
    const order = await ok(["custody", "shred", "order", "--dataset", datasetId, "--dataset-version", "1"], { as: "bank" });
    expect([order.setId, order.orderedBy]).to.deep.equal([1, w.addr.bank]);
    const status = await eventually(
      async () => {
        const s = await ok(["custody", "shred", "status", "--dataset", datasetId, "--dataset-version", "1"]);
        return s.confirmed.length === 2 ? s : undefined;
      },
      "the two running custodians confirm the shred",
      120_000,
      1_000,
    );
    expect([status.ordered, status.shredded]).to.deep.equal([true, true]);
    expect(status.pending).to.deep.equal([{ custodian: w.addr.lender, index: 1 }]);
    const human = await w.cli(["custody", "shred", "status", "--dataset", datasetId, "--dataset-version", "1"], { human: true });
    expect(human.stdout).to.include(`NOT confirmed yet: custodian 1 ${w.addr.lender}`);
    // Nothing serves the version's key any more.
    const gone = await w.cli(["custody", "fetch", requestId, "--device-key", "insurer-device.json", "-o", "again.key.json", "--custodians", ...urls], { as: "insurer" });
    expect([gone.code, gone.json?.error?.code], explain(gone)).to.deep.equal([1, "CUSTODY_SHREDDED"]);
  });
});
