/**
 * `sealshare access sign-approval` and `sealshare access relay` on the real CLI (a child process
 * against a local chain): the bank and the supervisor sign approval files, the insurer relays
 * them with Ana's signed consent and its request in ONE transaction, and the ledger shows every
 * approval with its signer. Approvals for other terms are refused before anything is sent.
 */
import { expect } from "chai";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeSampleRecords } from "../../devkit/sample-records.js";
import { explain, startCliWorld, type CliWorld } from "./helpers.js";

describe("CLI: a whole share in one transaction (access sign-approval, access relay)", function () {
  this.timeout(240_000);
  let w: CliWorld;
  let datasetId: string;

  async function ok(args: string[], opts: Parameters<CliWorld["cli"]>[1] = {}) {
    const r = await w.cli(args, opts);
    expect(r.code, explain(r)).to.equal(0);
    expect(r.json, explain(r)).to.not.equal(undefined);
    return r.json;
  }

  async function fails(args: string[], opts: Parameters<CliWorld["cli"]>[1] = {}) {
    const r = await w.cli(args, opts);
    expect(r.code, explain(r)).to.equal(1);
    return r.json.error as { code: string; message: string; hint?: string };
  }

  before(async () => {
    w = await startCliWorld();
    await writeSampleRecords(join(w.dir, "ana.ndjson"), { subject: w.addr.ana, bytes: 20_000 });
    for (const m of ["bank", "insurer"] as const) {
      await ok(["members", "register", w.addr[m], "--kyc-ref", `KYC-${m}`, "--metadata", `https://members.example/${m}.json`], { as: "supervisor" });
    }
    await ok(["keys", "generate", "--device", "insurer/laptop-1", "-o", "insurer-device.json"]);
    await ok(["keys", "publish", "--device-key", "insurer-device.json"], { as: "insurer" });
    const d = await ok(["dataset", "register", "ana.ndjson", "--subject", w.addr.ana, "--category", "deposit", "--quorum", "1", "--max-temporary", "1h", "--max-formal", "30d", "--key-out", "bank.key.json"], { as: "bank" });
    datasetId = String(d.datasetId);
    await ok(["consent", "sign", "--requester", w.addr.insurer, "--dataset", datasetId, "--purpose", "underwriting", "-o", "consent.json"], { as: "ana" });
  });

  after(async () => {
    await w?.stop();
  });

  it("the bank and the supervisor sign approval files; the insurer relays them with the consent and its request: one transaction, a formal grant", async () => {
    const share = ["--consent", "consent.json", "--requester", w.addr.insurer, "--duration", "7d"];
    const byBank = await ok(["access", "sign-approval", ...share, "--role", "provider", "-o", "bank-approval.json"], { as: "bank" });
    expect(byBank).to.include({ type: "sealshare-share-approval", approver: w.addr.bank, asSupervisor: false, requester: w.addr.insurer, datasetId, kind: 2, duration: 7 * 86_400 });
    expect(byBank.signature).to.match(/^0x[0-9a-f]{128}$/); // EIP-2098 compact
    const onDisk = JSON.parse(await readFile(join(w.dir, "bank-approval.json"), "utf8"));
    expect(onDisk.signature).to.equal(byBank.signature);
    const bySup = await ok(["access", "sign-approval", ...share, "--role", "supervisor", "-o", "supervisor-approval.json"], { as: "supervisor" });
    expect(bySup).to.include({ approver: w.addr.supervisor, asSupervisor: true });

    const blockBefore = await w.provider.getBlockNumber();
    const r = await ok(["access", "relay", "--consent", "consent.json", "--approval", "bank-approval.json", "supervisor-approval.json", "--device", "insurer/laptop-1", "--duration", "7d"], { as: "insurer" });
    expect(await w.provider.getBlockNumber()).to.equal(blockBefore + 1); // one transaction
    expect(r.consentId).to.equal(byBank.consentId);
    expect(r.approvals).to.deep.equal([
      { approver: w.addr.bank, asSupervisor: false, supervisorApprovals: 0 },
      { approver: w.addr.supervisor, asSupervisor: true, supervisorApprovals: 1 },
    ]);
    expect(r.granted.kind).to.equal(2);

    const status = await ok(["access", "status", String(r.requestId)]);
    expect(status).to.include({ status: "Formal", providerApproved: true, supervisorApprovals: 1 });
    expect(status.grant).to.include({ valid: true, reason: "None", kind: "Formal" });
  });

  it("refuses, before sending, an approval signed for other terms than the relayed share (APPROVAL_MISMATCH)", async () => {
    await ok(["consent", "sign", "--requester", w.addr.insurer, "--dataset", datasetId, "--purpose", "underwriting", "-o", "consent2.json"], { as: "ana" });
    await ok(["access", "sign-approval", "--consent", "consent2.json", "--requester", w.addr.insurer, "--duration", "1d", "--role", "provider", "-o", "short.json"], { as: "bank" });
    const blockBefore = await w.provider.getBlockNumber();
    const e = await fails(["access", "relay", "--consent", "consent2.json", "--approval", "short.json", "--device", "insurer/laptop-1", "--duration", "7d"], { as: "insurer" });
    expect(e.code).to.equal("APPROVAL_MISMATCH");
    expect(e.message).to.equal(`the approval by ${w.addr.bank} is for another duration (86400, not 604800)`);
    expect(await w.provider.getBlockNumber()).to.equal(blockBefore);
  });

  it("refuses to sign as the provider for an account that is not the dataset's provider (NOT_PROVIDER)", async () => {
    const e = await fails(["access", "sign-approval", "--consent", "consent.json", "--requester", w.addr.insurer, "--role", "provider", "-o", "mallory.json"], { as: "mallory" });
    expect(e.code).to.equal("NOT_PROVIDER");
    expect(e.message).to.equal(`${w.addr.mallory} is not dataset #${datasetId}'s provider (${w.addr.bank} is)`);
  });
});
