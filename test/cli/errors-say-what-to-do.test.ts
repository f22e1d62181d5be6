/**
 * Errors say what to do (issue 15 item 4), one case per rule, through the real CLI against a real
 * chain and custodian: a role error names the role; a missing file names its option and the
 * absolute path looked at; a mistyped checksum says "checksum", an unchecked address that is not
 * a member is warned about; `access request` warns before sending what the ledger will cap or
 * refuse; UNWRAP_FAILED names the device; CUSTODIAN_UNREACHABLE names the URL and where it is set;
 * a hint that needs someone else says whom to ask. The world is built with the SDK actions; only
 * the step under test runs the CLI.
 */
import { expect } from "chai";
import { writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { hexlify, Wallet } from "ethers";
import { writeSampleRecords } from "../../devkit/sample-records.js";
import { LocalBlobStore } from "../../sdk/blob/index.js";
import { SUPERVISOR_ROLE } from "../../sdk/contracts.js";
import { CustodianClient } from "../../sdk/custodian-client.js";
import { generateEncryptionKeyPair, type EncryptionKeyPair } from "../../sdk/crypto/ecies.js";
import {
  consentToJson,
  depositKey,
  giveConsent,
  publishEncryptionKey,
  registerDataset,
  registerMember,
  requestAccess,
  toDeviceId,
  type SealshareContext,
} from "../../sdk/actions/index.js";
import { explain, startCliWorld, type CliWorld, type Role } from "./helpers.js";

const DAY = 86_400;

describe("sealshare CLI: errors say what to do", function () {
  this.timeout(180_000);
  let w: CliWorld;
  let datasetId: bigint;
  let device: EncryptionKeyPair;
  const as = (r: Role): SealshareContext => ({ ledger: w.ledger, signer: new Wallet(w.keys[r], w.provider), fromBlock: w.deployment.deployBlock });

  /** A device key file as `keys generate` writes it. */
  async function deviceFile(name: string, label: string, pair: EncryptionKeyPair): Promise<void> {
    await writeFile(
      join(w.dir, name),
      JSON.stringify({ type: "sealshare-device-key", device: label, deviceId: toDeviceId(label), publicKey: hexlify(pair.publicKey), privateKey: hexlify(pair.privateKey) }),
      { mode: 0o600 },
    );
  }

  /** A consent file for the insurer as `consent sign`/`consent give` leave it, valid for `validFor`. */
  async function consentFile(name: string, validFor: string): Promise<{ expiresAt: number }> {
    const c = await giveConsent(as("ana"), { requester: w.addr.insurer, datasetId, purpose: "underwriting", validFor });
    await writeFile(join(w.dir, name), JSON.stringify(consentToJson(c.terms, { chainId: w.deployment.chainId, ledger: w.deployment.ledger, consentId: c.consentId })));
    return { expiresAt: Number(c.terms.expiresAt) };
  }

  before(async () => {
    w = await startCliWorld({ custodian: true });
    for (const m of ["bank", "insurer"] as const) await registerMember(as("supervisor"), { member: w.addr[m], kycRef: m, metadataURI: "" });
    device = generateEncryptionKeyPair();
    await publishEncryptionKey(as("insurer"), { device: "insurer/laptop-1", keyPair: device });
    await deviceFile("insurer-device.json", "insurer/laptop-1", device);
    await writeSampleRecords(join(w.dir, "ana.ndjson"), { subject: w.addr.ana, bytes: 20_000 });
    // No approval needed: a request is granted in its own transaction, so its expiry shows the cap.
    const ds = await registerDataset(as("bank"), {
      subject: w.addr.ana,
      category: "deposit",
      policy: { requireProvider: false, supervisorQuorum: 0, maxTemporary: 3600, maxFormal: 30 * DAY },
      source: { plaintext: join(w.dir, "ana.ndjson") },
      blobStore: new LocalBlobStore(w.blobDir),
    });
    datasetId = ds.datasetId;
    const custodian = new CustodianClient(w.custodian!.url, { chainId: w.deployment.chainId, ledger: w.deployment.ledger });
    await depositKey(as("bank"), { custodian, datasetId, version: 1, dek: ds.dek });
  });
  after(async () => {
    await w?.stop();
  });

  /** Runs the CLI expecting failure with `exit` and error `code`; returns the JSON error and stderr. */
  async function fails(args: string[], exit: number, code: string, opts: Parameters<CliWorld["cli"]>[1] = {}) {
    const r = await w.cli(args, opts);
    expect(r.code, explain(r)).to.equal(exit);
    expect(r.json?.error?.code, explain(r)).to.equal(code);
    return { error: r.json.error as { code: string; message: string; hint?: string; details?: Record<string, unknown> }, stderr: r.stderr };
  }

  it("a role error names the role (SUPERVISOR_ROLE, supervisor), never its hash, and who grants it", async () => {
    const stranger = Wallet.createRandom().address;
    const { error, stderr } = await fails(["members", "register", stranger, "--kyc-ref", "x"], 1, "AccessControlUnauthorizedAccount", { as: "insurer" });
    expect(error.message).to.equal(`the ledger refused: AccessControlUnauthorizedAccount(${w.addr.insurer}, SUPERVISOR_ROLE)`);
    expect(error.hint).to.equal(
      `${w.addr.insurer} is not a supervisor (it lacks SUPERVISOR_ROLE): act with a supervisor's account (--as / --keystore), or ask the admin to grant SUPERVISOR_ROLE to this account`,
    );
    expect(stderr + JSON.stringify(error)).to.not.include(SUPERVISOR_ROLE.slice(2));
  });

  it("a missing file names the option that gave it and the absolute path looked at", async () => {
    const consent = await fails(["access", "request", "--dataset", String(datasetId), "--consent", "nope.json", "--device", "insurer/laptop-1"], 1, "FILE_NOT_FOUND", { as: "insurer" });
    expect(consent.error.message).to.equal(`no consent file at ${join(w.dir, "nope.json")} (given by --consent)`);
    expect(consent.error.hint).to.equal(`check the path given to --consent; a relative path is read from the folder the command runs in (${w.dir})`);

    // A positional argument, read by the SDK (a Node ENOENT, not the CLI's own file reader).
    const input = await fails(["dataset", "encrypt", "missing.csv", "-o", "m.sealed", "--key-out", "m.key.json"], 1, "ENOENT");
    expect(input.error.message).to.equal(`no such file or folder: ${join(w.dir, "missing.csv")} (given by <file>)`);

    // A global option: the keystore.
    const keystore = await fails(["--keystore", "sub/nope.keystore.json", "keys", "revoke", "--device", "x"], 1, "KEYSTORE_NOT_FOUND");
    expect(keystore.error.message).to.equal(`cannot read the keystore ${join(w.dir, "sub", "nope.keystore.json")} (given by --keystore)`);
    expect(keystore.error.hint).to.include("check --keystore");

    // A setting of the configuration, resolved before any command reads it: named by where it came from.
    const deployment = await fails(["access", "status", "1"], 1, "DEPLOYMENT_UNREADABLE", { env: { SEALSHARE_DEPLOYMENT: "gone/deployment.json" } });
    expect(deployment.error.message).to.match(new RegExp(`^cannot read the deployment file ${join(w.dir, "gone", "deployment.json")} \\(given by SEALSHARE_DEPLOYMENT\\): `));
    expect(deployment.error.hint).to.include("point SEALSHARE_DEPLOYMENT at the deployment JSON");
  });

  it('a mixed-case address with a wrong checksum says "checksum"; an unchecked one that is not a member is warned about, not refused', async () => {
    const good = Wallet.createRandom().address;
    // Flip the case of one letter: the digits are right, the EIP-55 checksum is not.
    const i = [...good].findIndex((ch, k) => k > 1 && /[a-fA-F]/.test(ch));
    const bad = good.slice(0, i) + (good[i] === good[i]!.toLowerCase() ? good[i]!.toUpperCase() : good[i]!.toLowerCase()) + good.slice(i + 1);
    const typo = await w.cli(["members", "show", bad]);
    expect(typo.code, explain(typo)).to.equal(2);
    expect(typo.json.error.code).to.equal("USAGE");
    expect(typo.json.error.message).to.include(`${bad} has a wrong checksum`);
    expect(typo.stderr).to.include("checksum");

    const lower = good.toLowerCase();
    const unknown = await w.cli(["members", "show", lower]);
    expect(unknown.code, explain(unknown)).to.equal(0);
    expect(unknown.json.member).to.equal(good);
    expect(unknown.stderr).to.equal(
      `warning: ${lower} has no checksum (it is not mixed-case) and is not a registered member of this ledger: check it for typos (a checksummed address, as a wallet copies it, would have caught one)\n`,
    );
    // Not warned: a member given in lowercase, and any address given with its checksum.
    const member = await w.cli(["members", "show", w.addr.bank.toLowerCase()]);
    expect(member.code, explain(member)).to.equal(0);
    expect(member.stderr).to.equal("");
    const checked = await w.cli(["members", "show", good]);
    expect(checked.stderr).to.equal("");
  });

  it("access request warns before sending when the duration is above the policy's maximum (and the grant is capped to it)", async () => {
    await consentFile("long-consent.json", "90d");
    const r = await w.cli(["access", "request", "--dataset", String(datasetId), "--consent", "long-consent.json", "--device", "insurer/laptop-1", "--duration", "60d"], { as: "insurer" });
    expect(r.code, explain(r)).to.equal(0);
    expect(r.stderr).to.equal("warning: you ask for 60 days, but this dataset allows a formal grant of at most 30 days: the grant will be capped to 30 days\n");
    const block = await w.provider.getBlock(r.json.blockNumber);
    expect(r.json.granted.expiresAt).to.equal(block!.timestamp + 30 * DAY);
  });

  it("access request warns when the grant would outlast the consent (and the grant ends with it)", async () => {
    const { expiresAt } = await consentFile("short-consent.json", "2d");
    const r = await w.cli(["access", "request", "--dataset", String(datasetId), "--consent", "short-consent.json", "--device", "insurer/laptop-1", "--duration", "7d"], { as: "insurer" });
    expect(r.code, explain(r)).to.equal(0);
    expect(r.stderr).to.match(/^warning: the consent ends at \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC \(in [^)]+\), before the 7 days you would get: the grant will end with the consent, at the latest/);
    expect(r.json.granted.expiresAt).to.equal(expiresAt);
  });

  it("UNWRAP_FAILED names the device the key is wrapped to (its id, and its label when known)", async () => {
    const req = await requestAccess(as("insurer"), {
      datasetId,
      purpose: "underwriting",
      kind: "formal",
      duration: "1d",
      device: "insurer/laptop-1",
      consent: (await giveConsent(as("ana"), { requester: w.addr.insurer, datasetId, purpose: "underwriting", validFor: "30d" })).terms,
    });
    const keyId = req.keyId;
    const laptop = toDeviceId("insurer/laptop-1");
    // Another device's key file.
    await deviceFile("phone.json", "insurer/phone", generateEncryptionKeyPair());
    const other = await fails(["key", "fetch", String(req.requestId), "--device-key", "phone.json", "--wait", "60s", "-o", "k1.json"], 1, "UNWRAP_FAILED", { as: "insurer" });
    expect(other.error.message).to.equal(
      `could not unwrap the data key of request #${req.requestId}: it is wrapped to device ${laptop}, key #${keyId}, and the device key you gave is not that device's key (you gave the key of device "insurer/phone")`,
    );
    expect(other.error.hint).to.include("use that device's key file");
    // The right label with the wrong private key: the chain's device id confirms the label, so it is named.
    await deviceFile("laptop-copy.json", "insurer/laptop-1", generateEncryptionKeyPair());
    const named = await fails(["key", "fetch", String(req.requestId), "--device-key", "laptop-copy.json", "--wait", "60s", "-o", "k2.json"], 1, "UNWRAP_FAILED", { as: "insurer" });
    expect(named.error.message).to.equal(
      `could not unwrap the data key of request #${req.requestId}: it is wrapped to device "insurer/laptop-1" (${laptop}), key #${keyId}, and the device key you gave is not that device's key`,
    );
    expect(named.error.details).to.deep.include({ deviceId: laptop, deviceName: "insurer/laptop-1", keyId });
    // The right key opens it.
    const ok = await w.cli(["key", "fetch", String(req.requestId), "--device-key", "insurer-device.json", "--wait", "60s", "-o", "k3.json"], { as: "insurer" });
    expect(ok.code, explain(ok)).to.equal(0);
  });

  it("CUSTODIAN_UNREACHABLE names the URL it tried, and sealshare dev, --custodian-url and SEALSHARE_CUSTODIAN_URL", async () => {
    const c = await giveConsent(as("ana"), { requester: w.addr.insurer, datasetId, purpose: "underwriting", validFor: "30d" });
    const req = await requestAccess(as("insurer"), { datasetId, purpose: "underwriting", kind: "formal", duration: "1d", device: "insurer/laptop-1", consent: c.terms });
    const url = `http://127.0.0.1:${await closedPort()}`;
    const { error, stderr } = await fails(["--custodian-url", url, "key", "fetch", String(req.requestId), "--device-key", "insurer-device.json", "-o", "k4.json"], 1, "CUSTODIAN_UNREACHABLE", { as: "insurer" });
    expect(error.message).to.equal(`could not reach the custodian at ${url}`);
    expect(error.hint).to.include(`nothing answered at ${url}`).and.include("`sealshare dev`").and.include("--custodian-url").and.include("SEALSHARE_CUSTODIAN_URL");
    expect(stderr).to.include(`hint: nothing answered at ${url}`);
  });

  it("a hint that needs someone else to act says whom to ask (not a member: ask a supervisor)", async () => {
    const { error } = await fails(["access", "request", "--dataset", String(datasetId), "--consent", "long-consent.json", "--device", "lender/desk"], 1, "MembersNotActive", { as: "lender" });
    expect(error.message).to.equal(`the ledger refused: MembersNotActive(${w.addr.lender})`);
    expect(error.hint).to.equal("the account is not an active member: ask a supervisor to register (or reinstate) it first");
  });

  // Last: it moves chain time past the short consent.
  it("access request warns that an expired consent will be refused, before sending", async () => {
    await w.increaseTime(3 * DAY);
    const refused = await fails(["access", "request", "--dataset", String(datasetId), "--consent", "short-consent.json", "--device", "insurer/laptop-1"], 1, "ConsentsExpired", { as: "insurer" });
    // The warning came first: it is printed although the request then failed.
    expect(refused.stderr).to.match(/^warning: the consent expired at \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC: the ledger will refuse this request \(ConsentsExpired\); ask the subject for a new consent\n/);
  });
});

/** A 127.0.0.1 port nothing listens on: one the system just handed out, closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
