/**
 * Named codes in the CLI: options take the names of sdk/vocabulary.ts (`--reason
 * more-data-than-needed`, `--kind temporary`, `--purpose credit-assessment`, `--code converted`),
 * `--help` lists them, a wrong name is a usage error (exit 2) that lists them too, numbers still
 * work for scripts, and what the CLI prints is the name, while the ledger stores the code.
 */
import { expect } from "chai";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Wallet } from "ethers";
import { writeSampleRecords } from "../../devkit/sample-records.js";
import { LocalBlobStore } from "../../sdk/blob/index.js";
import { generateEncryptionKeyPair } from "../../sdk/crypto/ecies.js";
import { consentToJson, giveConsent, publishEncryptionKey, registerDataset, registerMember, requestAccess, type SealshareContext } from "../../sdk/actions/index.js";
import { buildProgram, helpOf } from "../../cli/program.js";
import { CATEGORIES, GRANT_KINDS, PURPOSES, REASONS, SUSPENSION_REASONS, USAGE_CODES, type Vocabulary } from "../../sdk/vocabulary.js";
import { explain, runCli, startCliWorld, type CliWorld, type Role } from "./helpers.js";

const names = (v: Vocabulary, skip: string[] = []) => v.map((t) => t.name).filter((n) => !skip.includes(n));
/** commander wraps help at 100 columns: compare with the line breaks taken out. */
const flat = (help: string) => help.replace(/\s+/g, " ");

describe("sealshare CLI: named codes", function () {
  this.timeout(120_000);

  describe("--help lists the accepted names", function () {
    const program = buildProgram();
    const cases: [string[], string, Vocabulary, string[]?][] = [
      [["access", "reject"], "--reason", REASONS],
      [["access", "revoke"], "--reason", REASONS],
      [["access", "request"], "--kind", GRANT_KINDS, ["none"]],
      [["access", "request"], "--purpose", PURPOSES],
      [["consent", "sign"], "--purpose", PURPOSES],
      [["consent", "give"], "--category", CATEGORIES],
      [["consent", "give"], "--max-kind", GRANT_KINDS, ["none"]],
      [["dataset", "register"], "--category", CATEGORIES],
      [["members", "suspend"], "--reason", SUSPENSION_REASONS],
      [["usage", "record"], "--code", USAGE_CODES],
    ];
    for (const [path, option, v, skip] of cases) {
      it(`sealshare ${path.join(" ")} ${option}: ${names(v, skip).join(", ")}`, function () {
        const help = flat(helpOf(program, path));
        const at = help.indexOf(`${option} <name>`);
        expect(at, `${option} <name> in:\n${help}`).to.be.greaterThan(-1);
        const text = help.slice(at);
        for (const n of names(v, skip)) expect(text, `${option} lists ${n}`).to.include(n);
      });
    }

    it("…as the shipped binary prints it", async function () {
      const r = await runCli(["access", "reject", "--help"], {}, tmpdir());
      expect(r.code, explain(r)).to.equal(0);
      expect(flat(r.stdout)).to.include("more-data-than-needed").and.to.include("purpose-not-justified");
    });

    it("a wrong name is a usage error (exit 2) that lists the names", async function () {
      const r = await runCli(["access", "reject", "1", "--reason", "too-nosy", "--json"], {}, tmpdir());
      expect(r.code, explain(r)).to.equal(2);
      expect(r.json?.error?.code, explain(r)).to.equal("USAGE");
      expect(r.json.error.message).to.include('unknown reason "too-nosy"').and.to.include("more-data-than-needed");
    });
  });

  describe("against a ledger", function () {
    let w: CliWorld;
    let datasetId: bigint;
    const as = (r: Role): SealshareContext => ({ ledger: w.ledger, signer: new Wallet(w.keys[r], w.provider), fromBlock: w.deployment.deployBlock });

    before(async () => {
      w = await startCliWorld();
      for (const m of ["bank", "insurer", "lender"] as const) await registerMember(as("supervisor"), { member: w.addr[m], kycRef: m, metadataURI: "" });
      await publishEncryptionKey(as("insurer"), { device: "insurer/laptop-1", keyPair: generateEncryptionKeyPair() });
      await writeSampleRecords(join(w.dir, "ana.ndjson"), { subject: w.addr.ana, bytes: 20_000 });
      const ds = await registerDataset(as("bank"), {
        subject: w.addr.ana,
        category: "deposit",
        policy: { requireProvider: true, supervisorQuorum: 1, maxTemporary: 3600, maxFormal: 30 * 86_400 },
        source: { plaintext: join(w.dir, "ana.ndjson") },
        blobStore: new LocalBlobStore(w.blobDir),
      });
      datasetId = ds.datasetId;
    });
    after(async () => {
      await w?.stop();
    });

    it("rejects with --reason more-data-than-needed: code 3 on chain, the name in the output and the timeline", async function () {
      const c = await giveConsent(as("ana"), { requester: w.addr.insurer, datasetId, purpose: "underwriting", validFor: "30d" });
      const r = await requestAccess(as("insurer"), { datasetId, purpose: "underwriting", kind: "formal", duration: "7d", device: "insurer/laptop-1", consent: c.terms });
      const rejected = await w.cli(["access", "reject", String(r.requestId), "--reason", "more-data-than-needed"], { as: "supervisor" });
      expect(rejected.code, explain(rejected)).to.equal(0);
      expect(rejected.json).to.include({ reasonCode: 3, reason: "more-data-than-needed" });
      const human = await w.cli(["audit", "timeline", "dataset", String(datasetId)], { human: true });
      expect(human.code, explain(human)).to.equal(0);
      expect(human.stdout).to.include(`rejected request #${r.requestId} (reason more-data-than-needed)`);
      const events = await w.ledger.queryFilter(w.ledger.filters.AccessRejected(r.requestId));
      expect(events.map((e) => Number(e.args.reasonCode))).to.deep.equal([3]);
    });

    it("asks with --kind temporary under a credit-assessment consent and prints the names back", async function () {
      const c = await giveConsent(as("ana"), { requester: w.addr.insurer, datasetId, purpose: "credit-assessment", validFor: "30d", maxKind: "temporary" });
      const file = join(w.dir, "consent.json");
      await writeFile(file, JSON.stringify(consentToJson(c.terms, { chainId: w.deployment.chainId, ledger: w.deployment.ledger, consentId: c.consentId })));
      const r = await w.cli(["access", "request", "--dataset", String(datasetId), "--consent", "consent.json", "--device", "insurer/laptop-1", "--kind", "temporary", "--duration", "30m"], { as: "insurer", human: true });
      expect(r.code, explain(r)).to.equal(0);
      expect(r.stdout).to.include("(temporary for credit-assessment, 30 minutes)");
      const bad = await w.cli(["access", "request", "--dataset", String(datasetId), "--consent", "consent.json", "--device", "insurer/laptop-1", "--kind", "none"], { as: "insurer" });
      expect(bad.code, explain(bad)).to.equal(2);
    });

    it("suspends with --reason misuse-of-data, and still takes a number for scripts", async function () {
      const s = await w.cli(["members", "suspend", w.addr.lender, "--reason", "misuse-of-data"], { as: "supervisor" });
      expect(s.code, explain(s)).to.equal(0);
      expect(s.json).to.include({ reasonCode: 102, reason: "misuse-of-data" });
      const shown = await w.cli(["members", "show", w.addr.lender]);
      expect(shown.json).to.include({ status: "suspended" });
      await w.cli(["members", "reinstate", w.addr.lender], { as: "supervisor" });
      const n = await w.cli(["members", "suspend", w.addr.lender, "--reason", "103"], { as: "supervisor" });
      expect(n.json).to.include({ reasonCode: 103, reason: "regulatory-order" });
    });
  });
});
