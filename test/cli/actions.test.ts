/**
 * The SDK actions (sdk/actions/) and audit tools (sdk/audit/) called directly, in-process,
 * against a real local chain. The test holds the custodian's account itself, so it can record
 * releases and seal receipt batches — including ones a faithful custodian never would — and
 * check that `verifyLedger` catches them.
 */
import { expect } from "chai";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { hexlify, id, randomBytes, Wallet, ZeroAddress } from "ethers";
import { writeSampleRecords } from "../../devkit/sample-records.js";
import { LocalBlobStore } from "../../sdk/blob/index.js";
import { CustodianClient } from "../../sdk/custodian-client.js";
import { generateEncryptionKeyPair } from "../../sdk/crypto/ecies.js";
import { SealshareError } from "../../sdk/errors.js";
import { receiptHash } from "../../sdk/consent/index.js";
import { ciphertextFacts } from "../../sdk/actions/files.js";
import { hashFile, keyCommitment } from "../../sdk/stream/index.js";
import { convertRecordsFile, readRecords } from "../../sdk/convert/records-file.js";
import { readTimeline } from "../../sdk/audit/timeline.js";
import { filterTimeline } from "../../sdk/audit/filter.js";
import { verifyLedger, type ReceiptProof } from "../../sdk/audit/verify.js";
import { parseReceiptProofs } from "../../sdk/audit/proofs.js";
import { timelineToCsv, timelineToJson } from "../../sdk/audit/export.js";
import type { Sealshare } from "../../sdk/contracts.js";
import {
  approveRequest,
  decryptDataset,
  depositKey,
  encryptDataset,
  fetchKey,
  getDataset,
  getRequestStatus,
  giveConsent,
  listConsents,
  publishEncryptionKey,
  publishVersion,
  recordUsage,
  registerDataset,
  registerMember,
  reinstateMember,
  rejectRequest,
  relayConsent,
  requestAccess,
  revokeConsent,
  revokeGrant,
  signConsent,
  suspendMember,
  transferDataset,
  retireDataset,
  type SealshareContext,
} from "../../sdk/actions/index.js";
import { explain, startCliWorld, type CliWorld, type Role } from "./helpers.js";

/** Rejects with a SealshareError of `code`; returns it. */
async function rejects(p: Promise<unknown>, code: string): Promise<SealshareError> {
  try {
    await p;
  } catch (err) {
    expect(err, String(err)).to.be.instanceOf(SealshareError);
    expect((err as SealshareError).code, (err as Error).message).to.equal(code);
    return err as SealshareError;
  }
  expect.fail(`expected ${code}`);
}

describe("SDK actions and audit tools", function () {
  this.timeout(120_000);
  let w: CliWorld;
  let store: LocalBlobStore;
  let datasetId: bigint;
  let dek: Uint8Array;
  let requestId: bigint;
  const as = (r: Role): SealshareContext => ({ ledger: w.ledger, signer: new Wallet(w.keys[r], w.provider), fromBlock: w.deployment.deployBlock });
  const reader = (): SealshareContext => ({ ledger: w.ledger, fromBlock: w.deployment.deployBlock });
  const custodianLedger = () => w.ledger.connect(new Wallet(w.keys.custodian, w.provider)) as Sealshare;
  const POLICY = { requireProvider: true, supervisorQuorum: 1, maxTemporary: 3600, maxFormal: 30 * 86_400 };

  before(async () => {
    w = await startCliWorld();
    store = new LocalBlobStore(w.blobDir);
    await writeSampleRecords(join(w.dir, "ana.ndjson"), { subject: w.addr.ana, bytes: 60_000 });
  });
  after(async () => {
    await w?.stop();
  });

  describe("members and keys", () => {
    it("registers, suspends and reinstates members; ledger errors come back named, with a hint", async () => {
      for (const m of ["bank", "insurer", "lender", "mallory"] as const) {
        const r = await registerMember(as("supervisor"), { member: w.addr[m], kycRef: `KYC-${m}`, metadataURI: "" });
        expect(r).to.include({ member: w.addr[m], supervisor: w.addr.supervisor, kycRefHash: id(`KYC-${m}`) });
      }
      const again = await rejects(registerMember(as("supervisor"), { member: w.addr.bank, kycRef: "x", metadataURI: "" }), "MembersAlreadyRegistered");
      expect(again.message).to.equal(`the ledger refused: MembersAlreadyRegistered(${w.addr.bank})`);
      expect(again.hint).to.be.a("string");
      await rejects(registerMember(as("bank"), { member: w.addr.ana, kycRef: "x", metadataURI: "" }), "AccessControlUnauthorizedAccount");
      expect((await suspendMember(as("supervisor"), { member: w.addr.mallory, reasonCode: 3 })).epoch).to.equal(1);
      expect((await reinstateMember(as("supervisor"), { member: w.addr.mallory })).epoch).to.equal(1);
    });

    it("checks an encryption key on the curve before sending, and reports the key it supersedes", async () => {
      const notOnCurve = new Uint8Array(33).fill(0xff);
      notOnCurve[0] = 2;
      await rejects(publishEncryptionKey(as("insurer"), { device: "insurer/laptop-1", keyPair: { ...generateEncryptionKeyPair(), publicKey: notOnCurve } }), "INVALID_PUBLIC_KEY");
      // A public key published with somebody else's private key: refused before sending.
      await rejects(publishEncryptionKey(as("insurer"), { device: "insurer/laptop-1", keyPair: { ...generateEncryptionKeyPair(), publicKey: generateEncryptionKeyPair().publicKey } }), "KEY_PAIR_MISMATCH");
      const first = await publishEncryptionKey(as("insurer"), { device: "insurer/laptop-1", keyPair: generateEncryptionKeyPair() });
      const second = await publishEncryptionKey(as("insurer"), { device: "insurer/laptop-1", keyPair: generateEncryptionKeyPair() });
      expect(second.previousKeyId).to.equal(first.keyId);
      expect(second.deviceId).to.equal(id("insurer/laptop-1"));
      await publishEncryptionKey(as("lender"), { device: "lender/desk", keyPair: generateEncryptionKeyPair() });
    });
  });

  describe("datasets", () => {
    it("registerDataset encrypts, stores the ciphertext under its Merkle root and registers it; getDataset reads it back", async () => {
      const r = await registerDataset(as("bank"), { subject: w.addr.ana, category: "Deposit", policy: POLICY, source: { plaintext: join(w.dir, "ana.ndjson") }, blobStore: store });
      datasetId = r.datasetId;
      dek = r.dek;
      expect(r.format).to.equal("ndjson");
      expect(r.uri).to.equal(`blob://merkle/${r.merkleRoot.slice(2)}`);
      expect((await ciphertextFacts(store.path(r.uri))).merkleRoot).to.equal(r.merkleRoot);
      const d = await getDataset(reader(), { datasetId });
      expect(d).to.deep.include({ provider: w.addr.bank, subject: w.addr.ana, categoryName: "Deposit", retired: false, latestVersion: 1, policy: POLICY });
      expect(d.versions[0]).to.include({ version: 1, storageURI: r.uri, format: "ndjson", merkleRoot: r.merkleRoot, size: r.size });
    });

    it("publishVersion accepts a ciphertext made earlier by encryptDataset, and refuses a key that is not its own", async () => {
      const sealed = await encryptDataset({ input: join(w.dir, "ana.ndjson"), output: join(w.dir, "v2.sealed") });
      await rejects(
        publishVersion(as("bank"), { datasetId, source: { ciphertext: sealed.ciphertextPath, dek: new Uint8Array(randomBytes(32)), merkleRoot: sealed.merkleRoot }, blobStore: store }),
        "WRONG_DATA_KEY",
      );
      await rejects(
        publishVersion(as("bank"), { datasetId, source: { ciphertext: sealed.ciphertextPath, dek: sealed.dek, merkleRoot: `0x${"ab".repeat(32)}` }, blobStore: store }),
        "KEY_FILE_MISMATCH",
      );
      const v2 = await publishVersion(as("bank"), { datasetId, source: { ciphertext: sealed.ciphertextPath, dek: sealed.dek, format: sealed.format }, blobStore: store });
      // The commitment is v2: bound to this chain, ledger, dataset and version 2.
      const binding = { chainId: BigInt(w.deployment.chainId), ledger: w.deployment.ledger, datasetId, version: 2, merkleRoot: sealed.merkleRoot };
      expect(v2).to.include({ version: 2, merkleRoot: sealed.merkleRoot, keyCommitment: keyCommitment(sealed.dek, binding) });
      expect((await w.ledger.datasetVersion(datasetId, 2)).keyCommitment).to.equal(v2.keyCommitment);
      await rejects(publishVersion(as("insurer"), { datasetId, source: { ciphertext: sealed.ciphertextPath, dek: sealed.dek }, blobStore: store }), "DatasetsNotProvider");
    });

    it("decryptDataset checks hash and key commitment against the chain, then converts to CSV, JSON or NDJSON", async () => {
      for (const format of ["csv", "json", "ndjson"] as const) {
        const out = join(w.dir, `v1.${format}`);
        const r = await decryptDataset(as("insurer"), { datasetId, version: 1, dek, blobStore: store, output: out, format });
        expect(r).to.include({ verified: true, format, version: 1 });
        await convertRecordsFile(join(w.dir, "ana.ndjson"), join(w.dir, `expected.${format}`), { to: format });
        expect(await hashFile(out)).to.equal(await hashFile(join(w.dir, `expected.${format}`)));
      }
      const wrongVersion = await rejects(decryptDataset(as("insurer"), { datasetId, version: 2, dek, blobStore: store, output: join(w.dir, "nope") }), "KEY_COMMITMENT_MISMATCH");
      expect(wrongVersion.message).to.include("v2");
      await rejects(decryptDataset(as("insurer"), { datasetId, version: 9, dek, blobStore: store, output: join(w.dir, "nope") }), "DatasetsUnknownVersion");
    });

    it("depositKey checks the key against the chain's commitment before it contacts the custodian", async () => {
      const unreachable = new CustodianClient("http://127.0.0.1:9", { chainId: w.deployment.chainId, ledger: w.deployment.ledger });
      await rejects(depositKey(as("bank"), { custodian: unreachable, datasetId, version: 1, dek: new Uint8Array(randomBytes(32)) }), "KEY_COMMITMENT_MISMATCH");
      await rejects(depositKey(as("bank"), { custodian: unreachable, datasetId, version: 1, dek }), "CUSTODIAN_UNREACHABLE");
    });
  });

  describe("consent and access", () => {
    let signed: Awaited<ReturnType<typeof signConsent>>;

    it("signConsent signs terms in chain time; only the subject may sign", async () => {
      await rejects(signConsent(as("insurer"), { subject: w.addr.ana, requester: w.addr.insurer, datasetId, purpose: "underwriting" }), "NOT_SUBJECT");
      const now = (await w.provider.getBlock("latest"))!.timestamp;
      signed = await signConsent(as("ana"), {
        requester: w.addr.insurer,
        datasetId,
        purpose: "underwriting",
        validFor: "30d",
        deadlineIn: "1h",
        receipt: { jurisdiction: "KR", policyUrl: "https://bank.example/privacy", piiControllers: [{ piiController: "Bank", contact: "dpo@bank.example" }] },
      });
      // The receipt names these very terms, and the terms carry its hash.
      expect(signed.receipt?.sealshare.terms).to.include({ subject: w.addr.ana, requester: w.addr.insurer, datasetId: String(datasetId), nonce: signed.terms.nonce });
      expect(signed.terms.receiptHash).to.equal(receiptHash(signed.receipt!));
      expect(signed.terms).to.deep.include({ subject: w.addr.ana, requester: w.addr.insurer, datasetId, category: 0, purpose: 1, maxKind: 2 });
      expect(Number(signed.terms.expiresAt) - now).to.be.within(30 * 86_400, 30 * 86_400 + 5);
      expect(signed.consentId).to.equal(await w.ledger.consentId(signed.terms));
    });

    it("requestAccess with the signature records the consent in the same transaction", async () => {
      const r = await requestAccess(as("insurer"), { datasetId, version: 1, purpose: "underwriting", kind: "formal", duration: "7d", device: "insurer/laptop-1", consent: signed.terms, signature: signed.signature });
      requestId = r.requestId;
      expect(r).to.include({ consentRecorded: true, consentId: signed.consentId, version: 1 });
      expect(r.granted).to.equal(undefined);
      // Relaying it again is a replay.
      await rejects(relayConsent(as("lender"), { terms: signed.terms, signature: signed.signature }), "ConsentsAlreadyRecorded");
    });

    it("a request the consent does not cover names the mismatch", async () => {
      const e = await rejects(
        requestAccess(as("lender"), { datasetId, purpose: "underwriting", kind: "formal", duration: "7d", device: "lender/desk", consent: signed.terms }),
        "AccessConsentMismatch",
      );
      expect(e.message).to.equal(`the ledger refused: AccessConsentMismatch(${signed.consentId}, requester)`);
    });

    it("approvals grant temporary, then formal; getRequestStatus says so in words", async () => {
      const p = await approveRequest(as("bank"), { requestId, as: "provider" });
      expect(p.granted?.kind).to.equal(1);
      await rejects(approveRequest(as("bank"), { requestId, as: "provider" }), "AccessAlreadyApproved");
      const s = await approveRequest(as("supervisor"), { requestId, as: "supervisor" });
      expect(s).to.include({ supervisorApprovals: 1 });
      expect(s.granted).to.include({ kind: 2, version: 1 });
      const st = await getRequestStatus(as("ana"), { requestId });
      expect(st).to.deep.include({ requester: w.addr.insurer, datasetId, version: 1, consentId: signed.consentId, status: "Formal", wantKind: "Formal", providerApproved: true, supervisorApprovals: 1 });
      expect(st.grant).to.include({ valid: true, reason: "None", kind: "Formal", expiresAt: s.granted!.expiresAt });
      await recordUsage(as("insurer"), { requestId, usageCode: 1, details: "underwriting" });
      await rejects(recordUsage(as("lender"), { requestId, usageCode: 1 }), "AccessNotRequester");
      await rejects(getRequestStatus(as("ana"), { requestId: 4242n }), "AccessUnknownRequest");
    });

    it("giveConsent by transaction, listConsents by subject and requester, revokeConsent", async () => {
      const c = await giveConsent(as("ana"), { category: "deposit", purpose: "credit-assessment", validFor: "7d", maxKind: "temporary" });
      expect(c.terms.requester).to.equal(ZeroAddress);
      const bySubject = await listConsents(reader(), { subject: w.addr.ana });
      expect(bySubject.map((x) => [x.consentId, x.status])).to.deep.equal([
        [signed.consentId, "active"],
        [c.consentId, "active"],
      ]);
      const forLender = await listConsents(reader(), { requester: w.addr.lender });
      expect(forLender.map((x) => x.consentId)).to.deep.equal([c.consentId]); // open to any member
      const only = await listConsents(reader(), { requester: w.addr.lender, includeAnyMember: false });
      expect(only).to.deep.equal([]);
      const r = await revokeConsent(as("ana"), { consentId: c.consentId });
      expect(r.outcome).to.equal("revoked");
      const after = await listConsents(reader(), { subject: w.addr.ana });
      expect(after.find((x) => x.consentId === c.consentId)).to.include({ status: "revoked", revokedTx: r.txHash });
      await rejects(revokeConsent(as("ana"), { consentId: c.consentId }), "ConsentsRevoked");
    });

    it("fetchKey asks the chain first: a revoked grant is refused without contacting the custodian", async () => {
      const c = await giveConsent(as("ana"), { requester: w.addr.insurer, datasetId, purpose: "underwriting" });
      const r = await requestAccess(as("insurer"), { datasetId, purpose: "underwriting", kind: "temporary", duration: "30m", device: "insurer/laptop-1", consent: c.terms });
      await approveRequest(as("bank"), { requestId: r.requestId, as: "provider" });
      await revokeGrant(as("supervisor"), { requestId: r.requestId, reasonCode: 2 });
      const unreachable = new CustodianClient("http://127.0.0.1:9", { chainId: w.deployment.chainId, ledger: w.deployment.ledger });
      const e = await rejects(fetchKey(as("insurer"), { custodian: unreachable, requestId: r.requestId, devicePrivateKey: new Uint8Array(32).fill(1) }), "GRANT_NOT_VALID");
      expect(e.details).to.deep.equal({ reason: "Revoked" });
      await rejects(fetchKey(as("insurer"), { custodian: unreachable, requestId: 4242n, devicePrivateKey: new Uint8Array(32).fill(1) }), "AccessUnknownRequest");
      const pending = await requestAccess(as("insurer"), { datasetId, purpose: "underwriting", kind: "temporary", duration: "30m", device: "insurer/laptop-1", consent: c.terms });
      await rejectRequest(as("bank"), { requestId: pending.requestId, reasonCode: 4 });
      expect((await getRequestStatus(as("ana"), { requestId: pending.requestId })).status).to.equal("Rejected");
    });
  });

  describe("audit", () => {
    it("filters the timeline by dataset, subject and requester, and exports it", async () => {
      const all = await readTimeline({ provider: w.provider, ledger: w.deployment.ledger, fromBlock: w.deployment.deployBlock, withTimestamps: true });
      const ds = filterTimeline(all, { kind: "dataset", datasetId });
      expect(ds[0]!.event).to.equal("DatasetRegistered");
      expect(ds.every((e) => [undefined, datasetId, 0n].includes(e.args.datasetId as bigint | undefined))).to.equal(true);
      expect(ds.map((e) => e.event)).to.include.members(["DatasetVersionPublished", "ConsentGiven", "AccessRequested", "AccessApproved", "AccessGranted", "GrantRevoked", "AccessRejected", "UsageRecorded"]);
      // the category consent (no dataset named) covers this dataset too
      expect(ds.filter((e) => e.event === "ConsentGiven" && e.args.datasetId === 0n)).to.have.length(1);
      const subject = filterTimeline(all, { kind: "subject", subject: w.addr.ana });
      expect(subject.map((e) => e.event)).to.include.members(["ConsentRevoked", "DatasetRegistered"]);
      const lender = filterTimeline(all, { kind: "requester", requester: w.addr.lender });
      expect(lender.map((e) => e.event)).to.deep.equal(["MemberRegistered", "EncryptionKeyPublished"]);
      const csv = timelineToCsv(ds).trim().split("\n");
      expect(csv).to.have.length(ds.length + 1);
      expect(timelineToJson(ds)[0]).to.include({ event: "DatasetRegistered" }).and.have.property("time");
    });

    it("verifyLedger: clean; one-by-one releases after their grants pass", async () => {
      await (await custodianLedger().recordRelease(requestId, 1, id("envelope temporary"))).wait();
      await (await custodianLedger().recordRelease(requestId, 2, id("envelope formal"))).wait();
      const r = await verifyLedger({ ledger: w.ledger, provider: w.provider, fromBlock: w.deployment.deployBlock, blobStore: store, requireBlobs: true });
      expect(r.violations).to.deep.equal([]);
      expect(r.ok).to.equal(true);
      expect(r.checked).to.include({ versions: 2, blobsVerified: 2, releases: 2 });
    });

    it("verifyLedger: a release after the grant was revoked is a violation, with its transaction", async () => {
      await revokeGrant(as("bank"), { requestId, reasonCode: 1 });
      const tx = await (await custodianLedger().recordRelease(requestId, 2, id("late envelope"))).wait();
      const r = await verifyLedger({ ledger: w.ledger, provider: w.provider, fromBlock: w.deployment.deployBlock });
      expect(r.ok).to.equal(false);
      expect(r.violations).to.have.length(1);
      expect(r.violations[0]).to.include({ check: "grant", code: "RELEASE_AFTER_INVALIDATION", txHash: tx!.hash, requestId: String(requestId) });
      expect(r.violations[0]!.message).to.include(`grant revoked by ${w.addr.bank}`);
    });

    it("verifyLedger: receipt proofs open against sealed batches; forged or unsealed ones and releases without a grant are violations", async () => {
      const c = await giveConsent(as("ana"), { requester: w.addr.insurer, datasetId, purpose: "underwriting" });
      const granted = await requestAccess(as("insurer"), { datasetId, purpose: "underwriting", kind: "temporary", duration: "30m", device: "insurer/laptop-1", consent: c.terms });
      await approveRequest(as("bank"), { requestId: granted.requestId, as: "provider" });
      const never = await requestAccess(as("insurer"), { datasetId, purpose: "underwriting", kind: "formal", duration: "1d", device: "insurer/laptop-1", consent: c.terms });
      const releasedAt = (await w.provider.getBlock("latest"))!.timestamp; // after the grant, before the seal
      const values: [string, number, string, number][] = [
        [granted.requestId.toString(), 1, id("env A"), releasedAt],
        [never.requestId.toString(), 2, id("env B"), releasedAt],
      ];
      const tree = StandardMerkleTree.of(values, ["uint256", "uint8", "bytes32", "uint40"]);
      const batchId = hexlify(randomBytes(16));
      await (await custodianLedger().sealReceiptBatch(batchId, tree.root, 2)).wait();
      const proofs: ReceiptProof[] = values.map((v, i) => ({ batchId, requestId: v[0], kind: v[1], envelopeHash: v[2], releasedAt: v[3], proof: tree.getProof(i) }));
      const forged: ReceiptProof = { ...proofs[0]!, envelopeHash: id("not released") };
      const unsealed: ReceiptProof = { ...proofs[0]!, batchId: hexlify(randomBytes(16)) };
      const r = await verifyLedger({ ledger: w.ledger, provider: w.provider, fromBlock: w.deployment.deployBlock, proofs: [...proofs, forged, unsealed] });
      expect(r.checked.proofsVerified).to.equal(2);
      expect(r.violations.map((v) => [v.check, v.code, v.requestId])).to.deep.equal([
        ["receipt", "RECEIPT_PROOF_INVALID", granted.requestId.toString()],
        ["receipt", "RECEIPT_BATCH_UNKNOWN", granted.requestId.toString()],
        ["grant", "RELEASE_AFTER_INVALIDATION", requestId.toString()], // from the previous case
        ["grant", "RELEASE_WITHOUT_GRANT", never.requestId.toString()],
      ]);

      // The custodian's /v1/receipts answer shape is accepted as is.
      const parsed = parseReceiptProofs({ requestId: values[0]![0], receipts: [{ kind: 1, mode: "batch", batchId, envelopeHash: values[0]![2], releasedAt, leaf: tree.leafHash(values[0]!), proof: tree.getProof(0) }, { kind: 2, mode: "single", batchId: null, proof: null }] });
      expect(parsed).to.deep.equal([{ ...proofs[0]!, leaf: tree.leafHash(values[0]!) }]);

      // The CLI is a thin shell: same report, exit code 1.
      await writeFile(join(w.dir, "proofs.json"), JSON.stringify(proofs));
      const cli = await w.cli(["audit", "verify", "--proofs", "proofs.json"]);
      expect(cli.code, explain(cli)).to.equal(1);
      expect(cli.json.checked?.proofsVerified, explain(cli)).to.equal(2);
      expect(cli.json.violations.map((v: { code: string }) => v.code)).to.deep.equal(["RELEASE_AFTER_INVALIDATION", "RELEASE_WITHOUT_GRANT"]);
    });

    it("transfer and retirement are recorded and end the old steward's and live grants' power", async () => {
      await transferDataset(as("bank"), { datasetId, to: w.addr.lender });
      expect((await getDataset(as("ana"), { datasetId })).provider).to.equal(w.addr.lender);
      await rejects(retireDataset(as("bank"), { datasetId }), "DatasetsNotProvider");
      await retireDataset(as("lender"), { datasetId });
      expect((await getDataset(as("ana"), { datasetId })).retired).to.equal(true);
    });
  });

  describe("record conversion", () => {
    it("round-trips awkward values through CSV (quotes, commas, newlines, nested values)", async () => {
      const records = [
        { name: 'Ana "A" Smith', note: "line1\nline2", amount: -12.5, tags: ["a", "b"] },
        { name: "B, C", extra: { deep: true } },
      ];
      await writeFile(join(w.dir, "odd.json"), JSON.stringify(records));
      expect((await convertRecordsFile(join(w.dir, "odd.json"), join(w.dir, "odd.csv"), { to: "csv" })).records).to.equal(2);
      expect((await readFile(join(w.dir, "odd.csv"), "utf8")).split("\n")[0]).to.equal("name,note,amount,tags,extra");
      const back: Record<string, unknown>[] = [];
      for await (const r of readRecords(join(w.dir, "odd.csv"), "csv")) back.push(r);
      expect(back).to.deep.equal([
        { name: 'Ana "A" Smith', note: "line1\nline2", amount: "-12.5", tags: '["a","b"]', extra: "" },
        { name: "B, C", note: "", amount: "", tags: "", extra: '{"deep":true}' },
      ]);
      await convertRecordsFile(join(w.dir, "odd.json"), join(w.dir, "odd.ndjson"), { to: "ndjson" });
      await convertRecordsFile(join(w.dir, "odd.ndjson"), join(w.dir, "odd2.json"), { to: "json" });
      expect(JSON.parse(await readFile(join(w.dir, "odd2.json"), "utf8"))).to.deep.equal(records);
    });
  });
});
