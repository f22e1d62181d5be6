/**
 * Issue 15 item 1: `--version` belongs to the bare program. A dataset version is
 * `--dataset-version <n>` on `access request`, `dataset decrypt` and `key deposit`, and the
 * command really runs with it (with and without --json); `--version` next to a command is refused
 * with exit 2 and files nothing, instead of printing 0.1.0 and exiting 0 as it used to.
 * The world (two versions of one dataset, a consent file) is built with SDK actions.
 */
import { expect } from "chai";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { hexlify, Wallet } from "ethers";
import { writeSampleRecords } from "../../devkit/sample-records.js";
import { LocalBlobStore } from "../../sdk/blob/index.js";
import { generateEncryptionKeyPair } from "../../sdk/crypto/ecies.js";
import { consentToJson, giveConsent, publishEncryptionKey, publishVersion, registerDataset, registerMember, type SealshareContext } from "../../sdk/actions/index.js";
import { explain, startCliWorld, type CliWorld, type Role } from "./helpers.js";

describe("sealshare CLI: --version is the program's, --dataset-version the command's", function () {
  this.timeout(120_000);
  let w: CliWorld;
  let datasetId: bigint;
  const as = (r: Role): SealshareContext => ({ ledger: w.ledger, signer: new Wallet(w.keys[r], w.provider), fromBlock: w.deployment.deployBlock });
  const requestCount = async () => (await w.ledger.queryFilter(w.ledger.filters.AccessRequested(), w.deployment.deployBlock)).length;
  const requestArgs = (...extra: string[]) => ["access", "request", "--dataset", String(datasetId), "--consent", "consent.json", "--device", "insurer/laptop-1", ...extra];

  before(async () => {
    w = await startCliWorld();
    for (const m of ["bank", "insurer"] as const) await registerMember(as("supervisor"), { member: w.addr[m], kycRef: m, metadataURI: "" });
    await publishEncryptionKey(as("insurer"), { device: "insurer/laptop-1", keyPair: generateEncryptionKeyPair() });
    const blobStore = new LocalBlobStore(w.blobDir);
    await writeSampleRecords(join(w.dir, "v1.ndjson"), { subject: w.addr.ana, bytes: 20_000 });
    await writeSampleRecords(join(w.dir, "v2.ndjson"), { subject: w.addr.ana, bytes: 30_000 });
    const v1 = await registerDataset(as("bank"), {
      subject: w.addr.ana,
      category: "deposit",
      policy: { requireProvider: true, supervisorQuorum: 1, maxTemporary: 3600, maxFormal: 30 * 86_400 },
      source: { plaintext: join(w.dir, "v1.ndjson") },
      blobStore,
    });
    datasetId = v1.datasetId;
    await publishVersion(as("bank"), { datasetId, source: { plaintext: join(w.dir, "v2.ndjson") }, blobStore });
    // v1's key file without its version: only --dataset-version says which version it opens.
    await writeFile(join(w.dir, "v1.key.json"), JSON.stringify({ type: "sealshare-data-key", datasetId: String(datasetId), dek: hexlify(v1.dek), format: "ndjson" }), { mode: 0o600 });
    const c = await giveConsent(as("ana"), { requester: w.addr.insurer, datasetId, purpose: "underwriting", validFor: "30d" });
    await writeFile(join(w.dir, "consent.json"), JSON.stringify(consentToJson(c.terms, { chainId: w.deployment.chainId, ledger: w.deployment.ledger, consentId: c.consentId })));
  });
  after(async () => {
    await w?.stop();
  });

  it("`sealshare --version` alone prints the version, as text and under --json", async () => {
    const text = await w.cli(["--version"], { human: true, noConfig: true });
    expect([text.code, text.stdout]).to.deep.equal([0, "0.1.0\n"]);
    const json = await w.cli(["--version"], { noConfig: true });
    expect([json.code, json.json]).to.deep.equal([0, { version: "0.1.0" }]);
  });

  it("access request --dataset-version 1 --json files a request for version 1 (not the latest, 2)", async () => {
    const r = await w.cli(requestArgs("--dataset-version", "1"), { as: "insurer" });
    expect(r.code, explain(r)).to.equal(0);
    expect(r.json.version, explain(r)).to.equal(1);
    expect(Number((await w.ledger.requestOf(BigInt(r.json.requestId))).version)).to.equal(1);
  });

  it("access request --dataset-version 1 without --json files it too and says v1", async () => {
    const before = await requestCount();
    const r = await w.cli(requestArgs("--dataset-version", "1"), { as: "insurer", human: true });
    expect(r.code, explain(r)).to.equal(0);
    expect(r.stdout).to.match(new RegExp(`^request #${before + 1} for dataset #${datasetId} v1 `, "m"));
    expect(await requestCount()).to.equal(before + 1);
  });

  for (const human of [false, true]) {
    it(`access request --version 1 ${human ? "without" : "with"} --json is refused (exit 2, names --dataset-version) and files nothing`, async () => {
      const before = await requestCount();
      const r = await w.cli(requestArgs("--version", "1"), { as: "insurer", human });
      expect(r.code, explain(r)).to.equal(2);
      expect(r.stdout).to.not.include("0.1.0");
      expect(r.stderr).to.include("error: --version prints the program's version and stands alone (`sealshare --version`); to name a dataset version, use --dataset-version <n>");
      if (!human) {
        expect(r.json).to.deep.equal({
          error: { code: "USAGE", message: "--version prints the program's version and stands alone (`sealshare --version`); to name a dataset version, use --dataset-version <n>" },
        });
      }
      expect(await requestCount()).to.equal(before);
    });
  }

  it("dataset decrypt --dataset-version 1 opens version 1 with its key (the latest would not match it)", async () => {
    const r = await w.cli(["dataset", "decrypt", String(datasetId), "--key-file", "v1.key.json", "--dataset-version", "1", "-o", "v1.out.ndjson", "--format", "ndjson"]);
    expect(r.code, explain(r)).to.equal(0);
    expect([r.json.datasetId, r.json.version, r.json.verified], explain(r)).to.deep.equal([String(datasetId), 1, true]);
    const latest = await w.cli(["dataset", "decrypt", String(datasetId), "--key-file", "v1.key.json", "-o", "v2.out.ndjson"]);
    expect([latest.code, latest.json?.error?.code], explain(latest)).to.deep.equal([1, "KEY_COMMITMENT_MISMATCH"]);
  });

  it("dataset decrypt --dataset-version 1 without --json decrypts and says v1; with --version it is refused", async () => {
    const r = await w.cli(["dataset", "decrypt", String(datasetId), "--key-file", "v1.key.json", "--dataset-version", "1", "-o", "v1.human.ndjson", "--format", "ndjson"], { human: true });
    expect(r.code, explain(r)).to.equal(0);
    expect(r.stdout).to.include(`decrypted dataset #${datasetId} v1 → v1.human.ndjson`);
    const old = await w.cli(["dataset", "decrypt", String(datasetId), "--key-file", "v1.key.json", "--version", "1", "-o", "old.ndjson"], { human: true });
    expect([old.code, old.stdout], explain(old)).to.deep.equal([2, ""]);
  });
});
