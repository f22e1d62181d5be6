/**
 * The dapp's side of issue 11 ("close the trust holes"), in a real browser (Debian's Chromium,
 * driven by playwright-core) against the real chain, custodian and built dapp:
 *
 *  - a blob store that sends more than the size registered on chain is cut off at that size,
 *    the page names the error and saves nothing (the SDK's fetchAndDecryptBlob, BLOB_TOO_LARGE);
 *  - the provider page deposits nothing with a custodian whose HTTP answer names an encryption
 *    key other than its key on chain (the SDK's depositKey);
 *  - fetch-and-decrypt refuses a validly signed envelope of another request (the SDK's fetchKey
 *    checks request, dataset, version, key id and kind), decrypting and saving nothing;
 *  - a device key is registered from the browser with a proof of possession signed by the
 *    derived key itself, not by the wallet;
 *  - a category floor raised after a dataset was registered binds its requests, and the pages
 *    offer the approvals it asks for (sdk/reads/grant-rules.ts).
 *
 * Members, device keys, the dataset and requests are seeded through the SDK (lib/seed.ts).
 */
import { expect } from "chai";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { hexlify, id, Wallet } from "ethers";
import type { Download, Request } from "playwright-core";
import { approveRequest } from "../../sdk/actions/approve-request.js";
import { connectLedger, type Sealshare } from "../../sdk/contracts.js";
import { generateEncryptionKeyPair } from "../../sdk/crypto/ecies.js";
import { deriveEncryptionKey } from "../../sdk/crypto/wallet-key.js";
import { CustodianClient } from "../../sdk/custodian-client.js";
import type { Envelope } from "../../sdk/envelope.js";
import { Category, RequestStatus } from "../../sdk/vocabulary.js";
import { writeSampleRecords } from "../../devkit/sample-records.js";
import { sendEndless } from "../sdk/helpers/endless-body.js";
import { waitForText } from "./lib/page-checks.js";
import { actAs, publishDataset, registerDeviceKey, registerMembers, request } from "./lib/seed.js";
import { startWorld, type Role, type World } from "./lib/world.js";

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

describe("dapp: the trust rules of the browser paths, in Chromium", function () {
  this.timeout(180_000);
  let world: World;
  let ledger: Sealshare;
  let bank: Role;
  let insurer: Role;
  let lender: Role;
  let datasetId: bigint;
  let records: Buffer;

  /** Every download the page starts; none may start when a check fails. */
  const downloadsOf = (r: Role): Download[] => {
    const seen: Download[] = [];
    r.page.on("download", (d) => seen.push(d));
    return seen;
  };

  before(async function () {
    this.timeout(180_000);
    world = await startWorld();
    ledger = connectLedger(world.deployment.ledger, world.provider);
    const file = join(world.workDir, "ana.ndjson");
    await writeSampleRecords(file, { subject: world.addresses.ana, bytes: 300_000 });
    records = await readFile(file);
    await registerMembers(world, ["bank", "insurer", "lender"]);
    await registerDeviceKey(world, "insurer", "underwriting-laptop");
    datasetId = await publishDataset(world, { provider: "bank", subject: "ana", file });
    const open = async (name: "bank" | "insurer" | "lender", route: string) => {
      const r = await world.role(name);
      await r.go(route);
      await r.connect();
      return r;
    };
    [bank, insurer, lender] = await Promise.all([open("bank", "/provider"), open("insurer", "/requester"), open("lender", "/requester")]);
  });

  after(async function () {
    await world?.stop();
  });

  it("stops a ciphertext that runs past its registered size: the page names the error and saves nothing", async function () {
    const requestId = await request(world, { requester: "insurer", subject: "ana", datasetId, device: "underwriting-laptop", approvals: ["provider", "supervisor"] });
    const v = await ledger.datasetVersion(datasetId, 1);
    const stored = await readFile(world.server.blobs.path(`blob://merkle/${v.merkleRoot.slice(2)}`));
    expect(BigInt(stored.length)).to.equal(v.size);
    // The real ciphertext, then more without end: only the reader can stop it.
    let endless: ReturnType<typeof sendEndless> | undefined;
    world.server.misbehave(v.merkleRoot, (_req, res) => (endless = sendEndless(res, stored)));
    try {
      const downloads = downloadsOf(insurer);
      const row = insurer.request(requestId);
      await waitForText(row, /formal access granted/, 15_000);
      await row.getByRole("button", { name: `Fetch and decrypt request ${requestId}` }).click();
      const shown = row.getByTestId("fetch-result").locator(".notice");
      const text = await waitForText(shown, /registered on chain|Decrypted/, 60_000);
      expect(text).to.equal(`the ciphertext blob://merkle/${v.merkleRoot.slice(2)} is longer than the ${v.size} bytes registered on chain for dataset #${datasetId} v1 the store serves something else than the registered version: nothing was decrypted; get an intact copy from the provider`);
      expect(await shown.getAttribute("data-code")).to.equal("BLOB_TOO_LARGE");
      await new Promise((r) => setTimeout(r, 1_000));
      expect(downloads, "nothing saved").to.have.length(0);
      expect(endless!.hungUp(), "the page hung up on the blob store").to.equal(true);
      expect(endless!.sent(), "the page stopped the transfer").to.be.lessThan(stored.length + 64 * 1024 * 1024);
    } finally {
      world.server.misbehave(v.merkleRoot);
    }
    // The same request, from a store that behaves: decrypted — so the size was what stopped it.
    const row = insurer.request(requestId);
    await row.getByLabel("Format").selectOption("original");
    const [file] = await Promise.all([insurer.page.waitForEvent("download", { timeout: 60_000 }), row.getByRole("button", { name: `Fetch and decrypt request ${requestId}` }).click()]);
    expect(sha256(await readFile((await file.path())!))).to.equal(sha256(records));
    expect(insurer.errors).to.deep.equal([]);
  });

  it("deposits nothing with a custodian that answers with a key other than its key on chain", async function () {
    const custodianUrl = world.custodian.url;
    const foreign = hexlify(generateEncryptionKeyPair().publicKey);
    const sentToCustodian: Request[] = [];
    bank.page.on("request", (r) => {
      if (r.url().startsWith(custodianUrl) && r.method() === "POST") sentToCustodian.push(r);
    });
    // The custodian's HTTP identity is real but for its encryption key, which is someone else's.
    await bank.context.route(`${custodianUrl}/v1/custodian`, async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as Record<string, unknown>;
      await route.fulfill({ response, json: { ...body, encryptionKey: foreign } });
    });
    try {
      const before = await ledger.nextDatasetId();
      await bank.go("/provider");
      await bank.page.getByLabel("File").setInputFiles({ name: "ana-2.ndjson", mimeType: "application/x-ndjson", buffer: records });
      await bank.page.getByLabel("The person it is about").fill(world.addresses.ana);
      await bank.page.getByRole("button", { name: "Encrypt, upload and register" }).click();
      const result = bank.page.getByTestId("publish-result").locator(".notice");
      const text = await waitForText(result, /is registered|custodian|refused|error/i, 60_000);
      expect(await result.getAttribute("class")).to.match(/\berror\b/);
      expect(await result.getAttribute("data-code")).to.equal("CUSTODIAN_KEY_NOT_ON_CHAIN");
      expect(text).not.to.match(/its key is with the custodian/);
      expect(text).to.match(/custodian/i);
      // The dataset was registered before the deposit was attempted; its key went nowhere.
      expect(await ledger.nextDatasetId()).to.equal(before + 1n);
      expect(sentToCustodian.map((r) => `${r.method()} ${new URL(r.url()).pathname}`), "nothing was sent to the custodian").to.deep.equal([]);
    } finally {
      await bank.context.unroute(`${custodianUrl}/v1/custodian`);
    }
    expect(bank.errors).to.deep.equal([]);
  });

  it("refuses a validly signed envelope of another request, decrypting and saving nothing", async function () {
    const first = await request(world, { requester: "insurer", subject: "ana", datasetId, device: "underwriting-laptop", approvals: ["provider", "supervisor"] });
    const second = await request(world, { requester: "insurer", subject: "ana", datasetId, device: "underwriting-laptop", approvals: ["provider", "supervisor"] });
    // The first request's envelope: genuine, signed by the custodian, wrapped to the same device key.
    const client = new CustodianClient(world.custodian.url, { chainId: world.deployment.chainId, ledger: world.deployment.ledger });
    let envelope: Envelope | undefined;
    for (let i = 0; i < 60 && !envelope; i++) {
      const answer = await client.fetchEnvelope(world.wallet("insurer"), first);
      if (answer.status === "ready") envelope = answer.envelope;
      else await new Promise((r) => setTimeout(r, 500));
    }
    expect(envelope, "the first request's envelope").to.exist;
    const url = `${world.custodian.url}/v1/envelopes/${second}`;
    await insurer.context.route(url, async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, json: envelope });
    });
    try {
      const downloads = downloadsOf(insurer);
      await insurer.go("/requester");
      const row = insurer.request(second);
      await waitForText(row, /formal access granted/, 15_000);
      await row.getByRole("button", { name: `Fetch and decrypt request ${second}` }).click();
      const shown = row.getByTestId("fetch-result").locator(".notice");
      const text = await waitForText(shown, /envelope|Decrypted/i, 60_000);
      expect(text).not.to.match(/Decrypted/);
      expect(await shown.getAttribute("data-code")).to.equal("ENVELOPE_MISMATCH");
      await new Promise((r) => setTimeout(r, 1_000));
      expect(downloads, "nothing saved").to.have.length(0);
    } finally {
      await insurer.context.unroute(url);
    }
    expect(insurer.errors).to.deep.equal([]);
  });

  it("registers a browser-derived device key with a proof of possession signed by that key, not by the wallet", async function () {
    await lender.go("/requester");
    await lender.page.getByLabel("Device name").fill("credit-desk");
    await lender.page.getByLabel("Device name").press("Tab");
    await lender.page.getByRole("button", { name: /Derive my key/ }).click();
    await waitForText(lender.page.getByTestId("key-status"), /not registered/);
    await lender.page.getByRole("button", { name: "Register key on the ledger" }).click();
    await waitForText(lender.page.getByTestId("key-status"), /registered as key #\d+/);
    const derived = await deriveEncryptionKey(new Wallet(lender.wallet.wallet.privateKey), { chainId: BigInt(world.deployment.chainId), deviceId: id("credit-desk") });
    const keyId = await ledger.currentKeyId(world.addresses.lender, id("credit-desk"));
    expect((await ledger.encryptionKey(keyId)).publicKey).to.equal(hexlify(derived.publicKey));
    // The wallet signed the key derivation only; the possession proof came from the derived key.
    expect(lender.wallet.typedData.map((t) => t.primaryType)).to.deep.equal(["EncryptionKeyDerivation"]);
    expect(lender.errors).to.deep.equal([]);
  });
  it("offers the approvals a category floor raised after registration asks for: the provider's, though the dataset's policy did not", async function () {
    const file = join(world.workDir, "ana-insurance.ndjson");
    await writeSampleRecords(file, { subject: world.addresses.ana, bytes: 20_000 });
    const policy = { requireProvider: false, supervisorQuorum: 1, maxTemporary: 3600, maxFormal: 30 * 86_400 };
    const insuranceId = await publishDataset(world, { provider: "bank", subject: "ana", file, policy, category: "insurance" });
    // The supervisors raise the floor for insurance data afterwards: provider approval, and no temporary key before the quorum.
    const floor = { requireProvider: true, supervisorQuorum: 1, temporary: 0, temporaryQuorum: 0, maxTemporary: 0 };
    await (await actAs(world, "supervisor").ledger.setCategoryMinimum(Category.Insurance, floor)).wait();
    const requestId = await request(world, { requester: "insurer", subject: "ana", datasetId: insuranceId, device: "underwriting-laptop", approvals: ["supervisor"] });
    expect(Number((await ledger.requestOf(requestId)).status)).to.equal(RequestStatus.Pending, "the floor holds the grant for the provider");

    await bank.go("/provider");
    const row = bank.request(requestId);
    await waitForText(row, /waiting for the provider's approval/);
    expect(await waitForText(bank.page.getByTestId("my-datasets"), /category's floor/)).to.match(
      new RegExp(`Dataset #${insuranceId}[^]*Policy \\(with the insurance category's floor\\): your approval,\\s+1 supervisor approval\\(s\\), temporary up to 1 hour \\(only after 1 supervisor approval\\)`),
    );
    await row.getByRole("button", { name: `Approve request ${requestId}` }).click();
    await waitForText(bank.page.getByTestId("decision-result"), new RegExp(`You approved request #${requestId}`));
    expect(Number((await ledger.requestOf(requestId)).status)).to.equal(RequestStatus.Formal);
    expect(bank.errors).to.deep.equal([]);
  });
});
