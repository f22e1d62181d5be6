/**
 * Every role through the `sealshare` CLI, as separate processes with --json, against a real
 * local chain and the custodian running as its own process: the supervisor registers members,
 * the insurer publishes a device key, the bank encrypts, registers and deposits, Ana signs a
 * consent the insurer relays, the insurer requests, the bank and the supervisor approve, the
 * insurer fetches the key, decrypts to CSV and records usage, and an auditor rebuilds the
 * timeline and verifies everything.
 */
import { expect } from "chai";
import { readFile, stat } from "node:fs/promises";
import { keccak256 } from "ethers";
import { join } from "node:path";
import { writeSampleRecords } from "../../devkit/sample-records.js";
import { convertRecordsFile } from "../../sdk/convert/records-file.js";
import { hashFile } from "../../sdk/stream/index.js";
import { explain, startCliWorld, type CliWorld } from "./helpers.js";

describe("sealshare CLI: the whole story, role by role", function () {
  this.timeout(120_000);
  let w: CliWorld;
  const state: { datasetId?: string; requestId?: string; consentId?: string } = {};
  const KEYSTORE_PASSWORD = "correct horse battery staple";

  before(async () => {
    w = await startCliWorld({ custodian: true });
    await writeSampleRecords(join(w.dir, "ana.ndjson"), { subject: w.addr.ana, bytes: 200_000 });
  });
  after(async () => {
    await w?.stop();
  });

  /** Runs the CLI and requires exit code 0 and a JSON document. */
  async function ok(args: string[], opts: Parameters<CliWorld["cli"]>[1] = {}) {
    const r = await w.cli(args, opts);
    expect(r.code, explain(r)).to.equal(0);
    expect(r.json, explain(r)).to.not.equal(undefined);
    return r.json;
  }

  it("the supervisor keeps its account in an encrypted keystore", async () => {
    const r = await ok(["config", "new-account", "--from-env", "-o", "supervisor.keystore.json"], {
      env: { SEALSHARE_PRIVATE_KEY: w.keys.supervisor, SEALSHARE_KEYSTORE_PASSWORD: KEYSTORE_PASSWORD },
    });
    expect(r.address).to.equal(w.addr.supervisor);
    expect((await stat(join(w.dir, "supervisor.keystore.json"))).mode & 0o077).to.equal(0);
    expect(await readFile(join(w.dir, "supervisor.keystore.json"), "utf8")).to.not.include(w.keys.supervisor.slice(2));
  });

  it("the supervisor registers the bank and the insurer", async () => {
    let bankRegisteredAt = 0;
    for (const m of ["bank", "insurer"] as const) {
      // Once from the keystore, once from SEALSHARE_PRIVATE_KEY (each keystore opening costs a deliberate scrypt).
      const r = await ok(
        ["members", "register", w.addr[m], "--kyc-ref", `KYC-${m}`, "--metadata", `https://members.example/${m}.json`, "--name", m === "bank" ? "Bank" : "Insurer", ...(m === "bank" ? ["--keystore", "supervisor.keystore.json"] : [])],
        m === "bank" ? { env: { SEALSHARE_KEYSTORE_PASSWORD: KEYSTORE_PASSWORD } } : { as: "supervisor" },
      );
      expect(r.member).to.equal(w.addr[m]);
      expect(r.supervisor).to.equal(w.addr.supervisor);
      expect(r.txHash).to.match(/^0x[0-9a-f]{64}$/);
      if (m === "bank") bankRegisteredAt = (await w.provider.getBlock(r.blockNumber))!.timestamp;
    }
    const shown = await ok(["members", "show", w.addr.bank]);
    expect(shown).to.deep.equal({ member: w.addr.bank, name: "Bank", status: "active", epoch: 0, registeredAt: bankRegisteredAt });
  });

  it("the insurer generates a device key and publishes it", async () => {
    const g = await ok(["keys", "generate", "--device", "insurer/laptop-1", "-o", "insurer-device.json"]);
    expect(g.publicKey).to.match(/^0x0[23][0-9a-f]{64}$/);
    expect(JSON.stringify(g)).to.not.include("privateKey");
    const p = await ok(["keys", "publish", "--device-key", "insurer-device.json"], { as: "insurer" });
    expect(p.keyId).to.be.greaterThan(0);
    expect(p.publicKey).to.equal(g.publicKey);
  });

  it("the bank encrypts Ana's records, registers the dataset and deposits its key", async () => {
    const r = await ok(["dataset", "register", "ana.ndjson", "--subject", w.addr.ana, "--category", "deposit", "--quorum", "1", "--max-temporary", "1h", "--max-formal", "30d", "--key-out", "bank.key.json"], { as: "bank" });
    state.datasetId = r.datasetId;
    expect(r.version).to.equal(1);
    expect(r.uri).to.equal(`blob://merkle/${r.merkleRoot.slice(2)}`);
    expect(r).to.not.have.property("dek");
    const v = await w.ledger.datasetVersion(BigInt(r.datasetId), 1);
    expect(v.merkleRoot).to.equal(r.merkleRoot);
    expect(v.keyCommitment).to.equal(r.keyCommitment);

    const d = await ok(["key", "deposit", "--key-file", "bank.key.json"], { as: "bank" });
    expect(d.created).to.equal(true);
    expect(d.datasetId).to.equal(state.datasetId);

    const shown = await ok(["dataset", "show", state.datasetId!]);
    expect(shown.subject).to.equal(w.addr.ana);
    expect(shown.versions).to.have.length(1);
    expect(shown.versions[0].format).to.equal("ndjson");
  });

  it("Ana signs a consent and the insurer relays it: Ana pays no gas", async () => {
    const before = await w.provider.getBalance(w.addr.ana);
    const s = await ok(
      ["consent", "sign", "--requester", w.addr.insurer, "--dataset", state.datasetId!, "--purpose", "underwriting", "--valid-for", "30d", "-o", "consent.json",
        "--receipt-out", "receipt.json", "--jurisdiction", "KR", "--policy-url", "https://bank.example/privacy"],
      { as: "ana" },
    );
    state.consentId = s.consentId;
    // The consent receipt's canonical bytes hash to the receiptHash in the signed terms.
    expect(keccak256(await readFile(join(w.dir, "receipt.json")))).to.equal(s.terms.receiptHash);
    const r = await ok(["consent", "relay", "consent.json"], { as: "insurer" });
    expect(r.consentId).to.equal(state.consentId);
    expect(r.subject).to.equal(w.addr.ana);
    expect(r.relayer).to.equal(w.addr.insurer);
    expect(await w.provider.getBalance(w.addr.ana)).to.equal(before);

    const list = await ok(["consent", "list", "--subject", w.addr.ana]);
    expect(list.map((c: { consentId: string; status: string }) => [c.consentId, c.status])).to.deep.equal([[state.consentId, "active"]]);
  });

  it("the insurer requests 7 days of formal access; the bank and the supervisor approve", async () => {
    const r = await ok(["access", "request", "--dataset", state.datasetId!, "--consent", "consent.json", "--device", "insurer/laptop-1", "--kind", "formal", "--duration", "7d"], { as: "insurer" });
    state.requestId = r.requestId;
    expect(r.consentId).to.equal(state.consentId);
    expect(r).to.not.have.property("granted");

    const pending = await ok(["access", "status", state.requestId!]);
    expect(pending.status).to.equal("Pending");
    expect(pending.grant).to.include({ valid: false, reason: "NotGranted" });

    const byBank = await ok(["access", "approve", state.requestId!], { as: "bank" });
    expect(byBank.as).to.equal("provider");
    expect(byBank.granted.kind).to.equal(1); // temporary, capped at 1 hour

    const bySup = await ok(["access", "approve", state.requestId!], { as: "supervisor" });
    expect(bySup.as).to.equal("supervisor");
    expect(bySup.granted.kind).to.equal(2);

    const status = await ok(["access", "status", state.requestId!]);
    expect(status).to.include({ status: "Formal", providerApproved: true, supervisorApprovals: 1 });
    expect(status.grant).to.include({ valid: true, reason: "None", kind: "Formal" });
  });

  it("the insurer fetches the key (checked against the chain), decrypts to CSV equal to the converted original, and records usage", async () => {
    const k = await ok(["key", "fetch", state.requestId!, "--device-key", "insurer-device.json", "--wait", "60s", "--formal", "-o", "insurer.key.json"], { as: "insurer" });
    expect(k).to.include({ datasetId: state.datasetId, version: 1, kind: 2 });
    expect(JSON.stringify(k)).to.not.match(/"dek"/);
    const keyFile = JSON.parse(await readFile(join(w.dir, "insurer.key.json"), "utf8"));
    const bankKey = JSON.parse(await readFile(join(w.dir, "bank.key.json"), "utf8"));
    expect(keyFile.dek).to.equal(bankKey.dek); // the very key the bank registered

    const d = await ok(["dataset", "decrypt", "--key-file", "insurer.key.json", "-o", "ana.csv", "--format", "csv"], { as: "insurer" });
    expect(d).to.include({ verified: true, format: "csv", datasetId: state.datasetId });
    await convertRecordsFile(join(w.dir, "ana.ndjson"), join(w.dir, "expected.csv"), { to: "csv" });
    expect(await hashFile(join(w.dir, "ana.csv"))).to.equal(await hashFile(join(w.dir, "expected.csv")));
    const lines = (await readFile(join(w.dir, "ana.ndjson"), "utf8")).trim().split("\n").length;
    expect(d.records).to.equal(lines);

    const raw = await ok(["dataset", "decrypt", state.datasetId!, "--request", state.requestId!, "--device-key", "insurer-device.json", "-o", "ana.ndjson.out"], { as: "insurer" });
    expect(raw.verified).to.equal(true);
    expect(await hashFile(join(w.dir, "ana.ndjson.out"))).to.equal(await hashFile(join(w.dir, "ana.ndjson")));

    const u = await ok(["usage", "record", state.requestId!, "--code", "1", "--details", "converted to CSV for underwriting"], { as: "insurer" });
    expect(u.usageCode).to.equal(1);
  });

  it("an auditor rebuilds the timeline from events alone, per dataset, subject and requester", async () => {
    const events = (entries: { event: string }[]) => entries.map((e) => e.event);
    const ds = await ok(["audit", "timeline", "dataset", state.datasetId!]);
    // Releases (KeyReleased, one by one) land whenever the custodian gets to them; the rest is fixed.
    expect(events(ds).filter((e: string) => !["KeyReleased"].includes(e))).to.deep.equal([
      "DatasetRegistered",
      "DatasetVersionPublished",
      "ConsentGiven",
      "AccessRequested",
      "AccessApproved",
      "AccessGranted",
      "AccessApproved",
      "AccessGranted",
      "UsageRecorded",
    ]);
    expect(ds.every((e: { txHash: string; timestamp: number }) => /^0x[0-9a-f]{64}$/.test(e.txHash) && e.timestamp > 0)).to.equal(true);

    const subject = await ok(["audit", "timeline", "subject", w.addr.ana]);
    expect(events(subject)).to.include.members(["DatasetRegistered", "ConsentGiven", "AccessGranted"]);
    expect(events(subject)).to.not.include("MemberRegistered");

    const requester = await ok(["audit", "timeline", "requester", w.addr.insurer]);
    expect(events(requester)).to.include.members(["MemberRegistered", "EncryptionKeyPublished", "ConsentGiven", "AccessRequested", "UsageRecorded"]);
    expect(events(requester)).to.not.include("DatasetRegistered");

    const human = await w.cli(["audit", "timeline", "dataset", state.datasetId!], { human: true });
    expect(human.code).to.equal(0);
    expect(human.stdout).to.include(`Insurer (${w.addr.insurer.slice(0, 6)}…${w.addr.insurer.slice(-4)}) requested dataset`);
  });

  it("an auditor exports the timeline and verifies it: clean", async () => {
    const e = await ok(["audit", "export", "--format", "csv", "-o", "audit.csv"]);
    const csv = await readFile(join(w.dir, "audit.csv"), "utf8");
    expect(csv.split("\n")[0]).to.equal("blockNumber,time,txHash,logIndex,event,summary,args");
    expect(csv.trim().split("\n")).to.have.length(e.events + 1);

    const v = await ok(["audit", "verify", "--require-blobs"]);
    expect(v.ok).to.equal(true);
    expect(v.violations).to.deep.equal([]);
    expect(v.checked).to.include({ versions: 1, blobsVerified: 1, blobsMissing: 0, grants: 2 });
  });
});
