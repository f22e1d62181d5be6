/**
 * Names, not hex (the real CLI against a real local chain): `members register --name` writes the
 * member's display name into its record on chain, and `members show`, `dataset show`, `consent
 * list`, `access status` and the audit timeline then say "Acme Bank (0x1234…abcd)". A name that
 * only the config file gives (here the world's config names every account by its role) is
 * flagged "unverified", and never outranks the chain's. Durations are in words, times in the one
 * format ("2026-12-08 10:15 UTC"), reason codes by name.
 */
import { expect } from "chai";
import { Wallet } from "ethers";
import { join } from "node:path";
import { writeFile } from "node:fs/promises";
import { writeSampleRecords } from "../../devkit/sample-records.js";
import { LocalBlobStore } from "../../sdk/blob/index.js";
import { consentToJson, giveConsent, publishEncryptionKey, registerDataset, requestAccess, type SealshareContext } from "../../sdk/actions/index.js";
import { generateEncryptionKeyPair } from "../../sdk/crypto/ecies.js";
import { explain, startCliWorld, type CliWorld, type Role } from "./helpers.js";

const short = (a: string) => `${a.slice(0, 6)}…${a.slice(-4)}`;
const TIME = /\d{4}-\d\d-\d\d \d\d:\d\d UTC/;

describe("sealshare CLI: member names, durations in words, one time format", function () {
  this.timeout(180_000);
  let w: CliWorld;
  let datasetId: bigint;
  let requestId: bigint;
  const as = (r: Role): SealshareContext => ({ ledger: w.ledger, signer: new Wallet(w.keys[r], w.provider), fromBlock: w.deployment.deployBlock });
  const acme = () => `Acme Bank (${short(w.addr.bank)})`;
  const insurerCo = () => `Insurer & Co (${short(w.addr.insurer)})`;

  before(async () => {
    w = await startCliWorld();
  });
  after(async () => {
    await w?.stop();
  });

  it("members register --name writes a data: record on chain and says the name back", async function () {
    const r = await w.cli(["members", "register", w.addr.bank, "--kyc-ref", "KYC-ACME", "--name", "Acme Bank"], { as: "supervisor", human: true });
    expect(r.code, explain(r)).to.equal(0);
    const uri = "data:application/json,%7B%22name%22%3A%22Acme%20Bank%22%7D";
    expect(r.stdout.split("\n").slice(0, 2)).to.deep.equal([`registered member ${acme()}`, `  metadata ${uri}`]);
    const logged = await w.ledger.queryFilter(w.ledger.filters.MemberRegistered(w.addr.bank));
    expect(logged.map((e) => e.args.metadataURI)).to.deep.equal([uri]);
  });

  it("…or a #name= fragment on --metadata; without --name the record has none, and the output says so", async function () {
    const ins = await w.cli(["members", "register", w.addr.insurer, "--kyc-ref", "KYC-INS", "--name", "Insurer & Co", "--metadata", "https://members.example/ins.json"], { as: "supervisor" });
    expect(ins.code, explain(ins)).to.equal(0);
    expect(ins.json).to.include({ metadataURI: "https://members.example/ins.json#name=Insurer%20%26%20Co", name: "Insurer & Co" });
    const plain = await w.cli(["members", "register", w.addr.lender, "--kyc-ref", "KYC-LEND"], { as: "supervisor", human: true });
    expect(plain.code, explain(plain)).to.equal(0);
    expect(plain.stdout).to.include(`registered member ${w.addr.lender} (no display name: readers show its address; pass --name)`);
  });

  it("refuses a name that could mislead (a text-direction override) before sending, exit 1 with the code", async function () {
    const r = await w.cli(["members", "register", w.addr.mallory, "--kyc-ref", "K", "--name", "Acme\u202eknaB"], { as: "supervisor" });
    expect(r.code, explain(r)).to.equal(1);
    expect(r.json?.error?.code, explain(r)).to.equal("INVALID_MEMBER_NAME");
    expect(await w.ledger.queryFilter(w.ledger.filters.MemberRegistered(w.addr.mallory))).to.have.length(0);
  });

  it("members show: the verified name and the registration time in the one format", async function () {
    const r = await w.cli(["members", "show", w.addr.bank], { human: true });
    expect(r.code, explain(r)).to.equal(0);
    expect(r.stdout.trim()).to.match(new RegExp(`^${acme().replace(/[().]/g, "\\$&")}: active, registered ${TIME.source}$`));
    const lender = await w.cli(["members", "show", w.addr.lender]);
    expect(lender.json).to.include({ name: null, status: "active" });
  });

  describe("with a dataset, a consent and a request", function () {
    before(async () => {
      await publishEncryptionKey(as("insurer"), { device: "insurer/laptop-1", keyPair: generateEncryptionKeyPair() });
      await writeSampleRecords(join(w.dir, "ana.ndjson"), { subject: w.addr.ana, bytes: 10_000 });
      datasetId = (
        await registerDataset(as("bank"), {
          subject: w.addr.ana,
          category: "deposit",
          policy: { requireProvider: true, supervisorQuorum: 1, maxTemporary: 3600, maxFormal: 7 * 86_400 },
          source: { plaintext: join(w.dir, "ana.ndjson") },
          blobStore: new LocalBlobStore(w.blobDir),
        })
      ).datasetId;
      const c = await giveConsent(as("ana"), { requester: w.addr.insurer, datasetId, purpose: "credit-assessment", validFor: "30d" });
      requestId = (await requestAccess(as("insurer"), { datasetId, purpose: "credit-assessment", kind: "formal", duration: "1d", device: "insurer/laptop-1", consent: c.terms })).requestId;
      await writeFile(join(w.dir, "consent.json"), JSON.stringify(consentToJson(c.terms, { chainId: w.deployment.chainId, ledger: w.deployment.ledger, consentId: c.consentId })));
    });

    it("dataset show: the provider by its verified name, the subject's config name flagged, the policy's durations in words", async function () {
      const r = await w.cli(["dataset", "show", String(datasetId)], { human: true });
      expect(r.code, explain(r)).to.equal(0);
      const lines = r.stdout.split("\n");
      expect(lines.slice(1, 4)).to.deep.equal([
        `  subject  ana (${short(w.addr.ana)}, unverified)`,
        `  provider ${acme()}`,
        "  policy   provider approval required, supervisor quorum 1, temporary up to 1 hour, formal up to 7 days",
      ]);
      expect(r.stdout).to.not.include(" s,").and.to.not.include("≤");
    });

    it("consent list: who may ask, by name, until a time in the one format", async function () {
      const r = await w.cli(["consent", "list", "--subject", w.addr.ana], { human: true });
      expect(r.code, explain(r)).to.equal(0);
      const line = r.stdout.trim();
      expect(line).to.include(`ana (${short(w.addr.ana)}, unverified) → ${insurerCo()} may ask for dataset #${datasetId} for credit-assessment, up to formal, until `);
      expect(line).to.match(new RegExp(`until ${TIME.source}$`));
    });

    it("consent give: the requester the person consents to, by its verified name", async function () {
      const r = await w.cli(["consent", "give", "--requester", w.addr.insurer, "--dataset", String(datasetId), "--purpose", "underwriting", "--valid-for", "7d"], { as: "ana", human: true });
      expect(r.code, explain(r)).to.equal(0);
      expect(r.stdout.split("\n")[1]).to.match(new RegExp(`^  ${insurerCo().replace(/[().&]/g, "\\$&")} may ask for dataset #${datasetId} for underwriting, up to formal, until ${TIME.source}$`));
    });

    it("access status: the requester by its verified name; the config's name for it is not used", async function () {
      const r = await w.cli(["access", "status", String(requestId)], { human: true });
      expect(r.code, explain(r)).to.equal(0);
      expect(r.stdout.split("\n")[0]).to.equal(`request #${requestId}: pending — dataset #${datasetId} v1, formal wanted by ${insurerCo()}`);
      expect(r.stdout).to.not.include("insurer (0x");
    });

    it("a reason code the vocabulary does not name is 'code N', not a bare number", async function () {
      const r = await w.cli(["access", "reject", String(requestId), "--reason", "4242"], { as: "supervisor", human: true });
      expect(r.code, explain(r)).to.equal(0);
      expect(r.stdout.split("\n")[0]).to.equal(`rejected request #${requestId}: code 4242`);
    });

    it("audit timeline: members by verified name, others flagged, times in the one format, durations in words", async function () {
      const r = await w.cli(["audit", "timeline", "dataset", String(datasetId)], { human: true });
      expect(r.code, explain(r)).to.equal(0);
      expect(r.stdout).to.include(`provider ${acme()} registered dataset #${datasetId} (deposit) about ana (${short(w.addr.ana)}, unverified)`);
      expect(r.stdout).to.include(`${insurerCo()} requested dataset #${datasetId} for credit-assessment, formal, 1 day (request #${requestId})`);
      expect(r.stdout).to.include(`supervisor (${short(w.addr.supervisor)}, unverified) rejected request #${requestId} (reason code 4242)`);
      for (const line of r.stdout.trim().split("\n")) expect(line).to.match(new RegExp(`^#\\s*\\d+ ${TIME.source}  `));
    });
  });
});
