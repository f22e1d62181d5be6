/**
 * What the CLI says when things are wrong: each case exits non-zero (1 for a failed operation,
 * 2 for a bad command line), prints a JSON error with a stable code under --json, and tells a
 * person what happened and what to do. The world is set up with the SDK actions (quicker than
 * the CLI); only the failing step runs the CLI.
 */
import { expect } from "chai";
import { existsSync } from "node:fs";
import { copyFile, mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encryptKeystoreJson, hexlify, Wallet } from "ethers";
import { writeSampleRecords } from "../../devkit/sample-records.js";
import { LocalBlobStore } from "../../sdk/blob/index.js";
import { CustodianClient } from "../../sdk/custodian-client.js";
import { generateEncryptionKeyPair } from "../../sdk/crypto/ecies.js";
import {
  approveRequest,
  depositKey,
  giveConsent,
  publishEncryptionKey,
  registerDataset,
  registerMember,
  requestAccess,
  toDeviceId,
  consentToJson,
  type SealshareContext,
} from "../../sdk/actions/index.js";
import { explain, runCli, startCliWorld, type CliWorld, type Role } from "./helpers.js";

describe("sealshare CLI: bad input gets a clear answer", function () {
  this.timeout(120_000);
  let w: CliWorld;
  let datasetId: bigint;
  let formalRequest: bigint;
  let consentTerms: Awaited<ReturnType<typeof giveConsent>>["terms"];
  const as = (r: Role): SealshareContext => ({ ledger: w.ledger, signer: new Wallet(w.keys[r], w.provider), fromBlock: w.deployment.deployBlock });

  before(async () => {
    w = await startCliWorld({ custodian: true });
    for (const m of ["bank", "insurer", "lender"] as const) await registerMember(as("supervisor"), { member: w.addr[m], kycRef: m, metadataURI: "" });
    const device = generateEncryptionKeyPair();
    await publishEncryptionKey(as("insurer"), { device: "insurer/laptop-1", keyPair: device });
    // The device key file as `keys generate` writes it.
    await writeFile(
      join(w.dir, "insurer-device.json"),
      JSON.stringify({ type: "sealshare-device-key", device: "insurer/laptop-1", deviceId: toDeviceId("insurer/laptop-1"), publicKey: hexlify(device.publicKey), privateKey: hexlify(device.privateKey) }),
      { mode: 0o600 },
    );
    await writeSampleRecords(join(w.dir, "ana.ndjson"), { subject: w.addr.ana, bytes: 100_000 });
    const ds = await registerDataset(as("bank"), {
      subject: w.addr.ana,
      category: "deposit",
      policy: { requireProvider: true, supervisorQuorum: 1, maxTemporary: 3600, maxFormal: 30 * 86_400 },
      source: { plaintext: join(w.dir, "ana.ndjson") },
      blobStore: new LocalBlobStore(w.blobDir),
    });
    datasetId = ds.datasetId;
    await writeFile(
      join(w.dir, "bank.key.json"),
      JSON.stringify({ type: "sealshare-data-key", datasetId: String(datasetId), version: 1, dek: hexlify(ds.dek), merkleRoot: ds.merkleRoot, keyCommitment: ds.keyCommitment, format: "ndjson" }),
      { mode: 0o600 },
    );
    const custodian = new CustodianClient(w.custodian!.url, { chainId: w.deployment.chainId, ledger: w.deployment.ledger });
    await depositKey(as("bank"), { custodian, datasetId, version: 1, dek: ds.dek });
    const c = await giveConsent(as("ana"), { requester: w.addr.insurer, datasetId, purpose: "underwriting", validFor: "30d" });
    consentTerms = c.terms;
    const r = await requestAccess(as("insurer"), { datasetId, purpose: "underwriting", kind: "formal", duration: "7d", device: "insurer/laptop-1", consent: c.terms });
    formalRequest = r.requestId;
    await approveRequest(as("bank"), { requestId: formalRequest, as: "provider" });
    await approveRequest(as("supervisor"), { requestId: formalRequest, as: "supervisor" });
  });
  after(async () => {
    await w?.stop();
  });

  /** Runs the CLI expecting failure with `exit` and error `code`; returns the JSON error and stderr. */
  async function fails(args: string[], exit: number, code: string, opts: Parameters<CliWorld["cli"]>[1] = {}) {
    const r = await w.cli(args, opts);
    expect(r.code, explain(r)).to.equal(exit);
    expect(r.json?.error?.code, explain(r)).to.equal(code);
    expect(r.stderr, explain(r)).to.match(/^error: /m);
    return { error: r.json.error as { code: string; message: string; hint?: string; details?: Record<string, unknown> }, stderr: r.stderr };
  }

  it("a wrong keystore password: says so, and how to give the right one", async () => {
    // A real ethers keystore (light scrypt to keep the test quick; `config new-account` is exercised in the walk-through).
    await writeFile(join(w.dir, "lender.keystore.json"), await encryptKeystoreJson({ address: w.addr.lender, privateKey: w.keys.lender }, "right", { scrypt: { N: 1 << 12 } }));
    const { error, stderr } = await fails(["--keystore", "lender.keystore.json", "keys", "revoke", "--device", "x"], 1, "WRONG_PASSWORD", { env: { SEALSHARE_KEYSTORE_PASSWORD: "wrong" } });
    expect(error.message).to.include("wrong password for the keystore");
    expect(error.hint).to.include("SEALSHARE_KEYSTORE_PASSWORD");
    expect(stderr).to.include("hint:");
    expect(stderr + JSON.stringify(error)).to.not.include(w.keys.lender.slice(2));
  });

  it("a keystore with no password available and no terminal: asks for SEALSHARE_KEYSTORE_PASSWORD", async () => {
    const { error } = await fails(["--keystore", "lender.keystore.json", "keys", "revoke", "--device", "x"], 1, "NO_PASSWORD");
    expect(error.hint).to.include("SEALSHARE_KEYSTORE_PASSWORD");
  });

  it("a truncated ciphertext file: detected, nothing written", async () => {
    const enc = await w.cli(["dataset", "encrypt", "ana.ndjson", "-o", "cut.sealed", "--key-out", "cut.key.json"]);
    expect(enc.code, explain(enc)).to.equal(0);
    const size = enc.json.size as number;
    await copyFile(join(w.dir, "cut.sealed"), join(w.dir, "cut.sealed.orig"));
    await truncate(join(w.dir, "cut.sealed"), size - 100);
    const { error, stderr } = await fails(["dataset", "decrypt", "--key-file", "cut.key.json", "--input", "cut.sealed", "-o", "cut.out"], 1, "CIPHERTEXT_DAMAGED");
    expect(error.message).to.match(/TRUNCATED|cut/);
    expect(error.hint).to.include("nothing was written");
    expect(stderr).to.include("not checked against the chain");
    expect(existsSync(join(w.dir, "cut.out"))).to.equal(false);
  });

  it("a corrupted (bit-flipped) ciphertext file: detected, nothing written", async () => {
    // cut.key.json / cut.sealed.orig come from the previous case's `dataset encrypt`.
    const bytes = await readFile(join(w.dir, "cut.sealed.orig"));
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
    await writeFile(join(w.dir, "flip.sealed"), bytes);
    const { error } = await fails(["dataset", "decrypt", "--key-file", "cut.key.json", "--input", "flip.sealed", "-o", "flip.out"], 1, "CIPHERTEXT_DAMAGED");
    expect(error.message).to.include("AUTH_FAILED");
    expect(existsSync(join(w.dir, "flip.out"))).to.equal(false);
  });

  it("a stored ciphertext that does not match the chain's Merkle root: refused before decryption, and audit verify reports it", async () => {
    const store = new LocalBlobStore(w.blobDir);
    const v = await w.ledger.datasetVersion(datasetId, 1);
    const path = store.path(`blob://merkle/${v.merkleRoot.slice(2)}`);
    const original = await readFile(path);
    try {
      const tampered = Buffer.from(original);
      tampered[tampered.length - 1]! ^= 0xff;
      await writeFile(path, tampered);
      const { error } = await fails(["dataset", "decrypt", String(datasetId), "--key-file", "bank.key.json", "-o", "tampered.csv", "--format", "csv"], 1, "HASH_MISMATCH");
      expect(error.message).to.include(v.merkleRoot);
      expect(error.hint).to.include("nothing was decrypted");
      expect(existsSync(join(w.dir, "tampered.csv"))).to.equal(false);

      const audit = await w.cli(["audit", "verify"]);
      expect(audit.code, explain(audit)).to.equal(1);
      expect(audit.json.ok).to.equal(false);
      const registered = (await w.ledger.queryFilter(w.ledger.filters.DatasetVersionPublished(datasetId, 1)))[0]!;
      expect(audit.json.violations).to.deep.include({
        check: "ciphertext",
        code: "CIPHERTEXT_MERKLE_MISMATCH",
        message: audit.json.violations.find((x: { code: string }) => x.code === "CIPHERTEXT_MERKLE_MISMATCH")?.message,
        txHash: registered.transactionHash,
        blockNumber: registered.blockNumber,
        datasetId: String(datasetId),
      });
    } finally {
      await writeFile(path, original);
    }
  });

  it("a key file that is not this dataset's key: refused by the key commitment", async () => {
    const { error } = await fails(["dataset", "decrypt", String(datasetId), "--key-file", "cut.key.json", "-o", "wrong.csv"], 1, "KEY_COMMITMENT_MISMATCH");
    expect(error.message).to.include(`dataset #${datasetId}`);
  });

  it("an unknown request: the ledger's named error, decoded", async () => {
    const { error, stderr } = await fails(["access", "status", "999"], 1, "AccessUnknownRequest");
    expect(error.message).to.equal("the ledger refused: AccessUnknownRequest(999)");
    expect(stderr).to.include("hint: no request has that id");
    await fails(["access", "approve", "999", "--role", "provider"], 1, "AccessUnknownRequest", { as: "bank" });
  });

  it("approve by an account that is neither the provider nor a supervisor: says who and how to act", async () => {
    const { error } = await fails(["access", "approve", String(formalRequest)], 1, "NOT_APPROVER", { as: "lender" });
    expect(error.message).to.equal(`${w.addr.lender} is neither dataset #${datasetId}'s provider nor a supervisor`);
    expect(error.hint).to.equal("approve with the provider's or a supervisor's account (--as / --keystore)");
  });

  it("a request the consent does not cover: the mismatch is named", async () => {
    await publishEncryptionKey(as("lender"), { device: "lender/desk", keyPair: generateEncryptionKeyPair() });
    const consentFile = join(w.dir, "insurer-consent.json");
    await writeFile(consentFile, JSON.stringify(consentToJson(consentTerms, { chainId: w.deployment.chainId, ledger: w.deployment.ledger, consentId: "0x" })));
    const { error } = await fails(["access", "request", "--dataset", String(datasetId), "--consent", consentFile, "--device", "lender/desk"], 1, "AccessConsentMismatch", { as: "lender" });
    expect(error.message).to.match(/AccessConsentMismatch\(0x[0-9a-f]{64}, requester\)/);
  });

  it("missing configuration: says which setting and how to provide it", async () => {
    const empty = await mkdtemp(join(tmpdir(), "sealshare-noconfig-"));
    try {
      const r = await runCli(["access", "status", "1", "--json"], {}, empty);
      expect(r.code, explain(r)).to.equal(1);
      expect(r.json.error.code).to.equal("MISSING_CONFIG");
      expect(r.json.error.message).to.equal("no JSON-RPC URL is configured");
      expect(r.json.error.hint).to.include("--rpc-url").and.include("SEALSHARE_RPC_URL").and.include("sealshare dev");

      const missing = await runCli(["--config", join(empty, "nope.json"), "access", "status", "1", "--json"], {}, empty);
      expect(missing.code, explain(missing)).to.equal(1);
      expect(missing.json.error.code).to.equal("CONFIG_NOT_FOUND");
      expect(missing.json.error.message).to.include("nope.json");
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it("a command line that does not make sense exits 2", async () => {
    const bad = await w.cli(["members", "register", "not-an-address", "--kyc-ref", "x"], { as: "supervisor" });
    expect(bad.code, explain(bad)).to.equal(2);
    expect(bad.json.error.code).to.equal("USAGE");
    expect(bad.stderr).to.include("not an address");
    const unknown = await w.cli(["dataset", "frobnicate"]);
    expect(unknown.code, explain(unknown)).to.equal(2);
    const noKey = await w.cli(["dataset", "decrypt", "1", "-o", "x.csv"]);
    expect(noKey.code, explain(noKey)).to.equal(2);
    expect(noKey.json.error.message).to.include("--key-file");
  });

  it("a revoked grant: the key is no longer served, and the status says why", async () => {
    const fetched = await w.cli(["key", "fetch", String(formalRequest), "--device-key", "insurer-device.json", "--wait", "60s", "--formal", "-o", "before-revoke.key.json"], { as: "insurer" });
    expect(fetched.code, explain(fetched)).to.equal(0);
    const revoked = await w.cli(["access", "revoke", String(formalRequest), "--reason", "7"], { as: "supervisor" });
    expect(revoked.code, explain(revoked)).to.equal(0);
    const { error } = await fails(["key", "fetch", String(formalRequest), "--device-key", "insurer-device.json", "-o", "after-revoke.key.json"], 1, "GRANT_NOT_VALID", { as: "insurer" });
    expect(error.message).to.equal(`request #${formalRequest} has no valid grant: Revoked`);
    expect(error.details).to.deep.equal({ reason: "Revoked" });
    expect(existsSync(join(w.dir, "after-revoke.key.json"))).to.equal(false);
    const status = await w.cli(["access", "status", String(formalRequest)]);
    expect(status.json.grant).to.include({ valid: false, reason: "Revoked" });
  });

  it("an expired grant (chain time moved past it): the envelope is not served any more", async () => {
    const c = await giveConsent(as("ana"), { requester: w.addr.insurer, datasetId, purpose: "underwriting", validFor: "30d" });
    const r = await requestAccess(as("insurer"), { datasetId, purpose: "underwriting", kind: "temporary", duration: "10m", device: "insurer/laptop-1", consent: c.terms });
    const g = await approveRequest(as("bank"), { requestId: r.requestId, as: "provider" });
    expect(g.granted?.kind).to.equal(1);
    const ok = await w.cli(["key", "fetch", String(r.requestId), "--device-key", "insurer-device.json", "--wait", "60s", "-o", "temp.key.json"], { as: "insurer" });
    expect(ok.code, explain(ok)).to.equal(0);
    expect(ok.json.expiresAt).to.equal(g.granted!.expiresAt);

    await w.increaseTime(11 * 60);
    const { error } = await fails(["key", "fetch", String(r.requestId), "--device-key", "insurer-device.json", "-o", "temp2.key.json"], 1, "GRANT_NOT_VALID", { as: "insurer" });
    expect(error.message).to.match(new RegExp(`^request #${r.requestId} has no valid grant: Expired \\(it ran out at `));
    expect(error.hint).to.include("request access again");
  });

  it("a consent that ran out: the request is refused with ConsentsExpired(consentId, expiredAt)", async () => {
    const c = await giveConsent(as("ana"), { requester: w.addr.insurer, datasetId, purpose: "underwriting", validFor: "1h" });
    await writeFile(join(w.dir, "short-consent.json"), JSON.stringify(consentToJson(c.terms, { chainId: w.deployment.chainId, ledger: w.deployment.ledger, consentId: c.consentId })));
    await w.increaseTime(2 * 3600);
    const { error } = await fails(["access", "request", "--dataset", String(datasetId), "--consent", "short-consent.json", "--device", "insurer/laptop-1"], 1, "ConsentsExpired", { as: "insurer" });
    expect(error.message).to.equal(`the ledger refused: ConsentsExpired(${c.consentId}, ${c.terms.expiresAt})`);
    expect(error.hint).to.include("ask the subject for a new one");
  });
});
