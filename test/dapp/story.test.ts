/**
 * The dapp in a real browser (Debian's Chromium, driven by playwright-core): every role acts
 * from its own page and its own injected wallet against a real `hardhat node`, the real custodian
 * process and the built dapp — the story of ../shared/SCENARIOS.md end to end, then its
 * refusals (no consent, revoked consent, expired grant), then accessibility, narrow-screen and
 * storage checks. The cases share one world and run in order: the refusals use what the story
 * built. The supervisor's and provider's other decisions are in decisions.test.ts.
 *
 * Screenshots of each role's main page go to test-results/screenshots/ (not committed).
 */
import { expect } from "chai";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { getAddress, hexlify, id, randomBytes, Wallet } from "ethers";
import { connectLedger } from "../../sdk/contracts.js";
import { deriveEncryptionKey } from "../../sdk/crypto/wallet-key.js";
import { writeSampleRecords } from "../../devkit/sample-records.js";
import { a11yProblems, focusedOutline, pageReady, ROLE_PAGES, storageDump, waitForText } from "./lib/page-checks.js";
import { DISPLAY, startWorld, type Role, type RoleName, type World } from "./lib/world.js";
import { StreamRootHasher } from "../../sdk/stream/index.js";
import { nodeSha256 } from "../../sdk/blob/content-hash.js";

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
/** SEALSHARE_DAPP_TIMING=1 prints how long each step of the story took. */
let lastStep = Date.now();
const step = (name: string) => {
  if (process.env.SEALSHARE_DAPP_TIMING) console.log(`      ${((Date.now() - lastStep) / 1000).toFixed(1)} s  ${name}`);
  lastStep = Date.now();
};

describe("dapp: every role from a browser wallet, in Chromium", function () {
  this.timeout(240_000);
  let world: World;
  const roles = {} as Record<RoleName, Role>;
  let records: Buffer;
  let datasetId: string;
  let signedConsentJson: string;

  before(async function () {
    this.timeout(180_000);
    lastStep = Date.now();
    world = await startWorld();
    step("world started");
    const path = join(world.workDir, "ana-records.ndjson");
    const written = writeSampleRecords(path, { subject: world.addresses.ana, bytes: 1_500_000 }); // two 1 MiB chunks
    await Promise.all([
      ...(["bank", "insurer", "lender", "ana", "auditor"] as const).map(async (name) => (roles[name] = await world.role(name))),
      // The supervisor's wallet starts on Ethereum mainnet: the dapp must ask to switch.
      world.role("supervisor", { startChainId: 1 }).then((r) => (roles.supervisor = r)),
    ]);
    await written;
    records = await readFile(path);
  });

  // The cases after the story build on it; without it they would only repeat its failure.
  let storyPlayed = false;
  beforeEach(function () {
    if (this.currentTest?.title.startsWith("plays the whole story")) return;
    if (!storyPlayed) this.skip();
  });

  afterEach(async function () {
    if (this.currentTest?.state !== "failed") return;
    for (const r of Object.values(roles)) {
      if (r.page.url().startsWith("http")) await r.shot(`failed-${r.name}`).catch(() => undefined);
    }
  });

  after(async function () {
    await world?.stop();
  });

  it("plays the whole story from the browser: signed consent relayed with the request, two approvals, the exact bytes decrypted in the requester's browser", async function () {
    const { supervisor: sup, bank, insurer, ana, auditor } = roles;

    step("before step 1");
    // 1. The supervisor connects (wrong network first), then registers the three institutions.
    await sup.go("/supervisor");
    await sup.connect();
    await sup.page.getByTestId("wrong-chain").waitFor();
    await sup.shot("wrong-network");
    await sup.page.getByRole("button", { name: /Switch to Hardhat/ }).click();
    await sup.page.getByTestId("wrong-chain").waitFor({ state: "detached" });
    expect(sup.wallet.calls).to.include("wallet_switchEthereumChain");
    for (const who of ["bank", "insurer", "lender"] as const) {
      await sup.page.getByLabel("Institution's address").fill(world.addresses[who]);
      await sup.page.getByLabel("Display name").fill(DISPLAY[who]); // into its record on chain: every page shows it as verified
      await sup.page.getByLabel("KYC reference").fill(`KYC-${who}`);
      await sup.page.getByRole("button", { name: "Register member" }).click();
      await waitForText(sup.page.getByTestId("member-result"), new RegExp(`Registered ${DISPLAY[who]} \\(0x.{4}….{4}\\)\\.`));
    }

    step("before step 2");
    // 2. The insurer derives its device key from a wallet signature and registers it.
    await insurer.go("/requester");
    await insurer.connect();
    await insurer.page.getByLabel("Device name").fill("underwriting-laptop");
    await insurer.page.getByLabel("Device name").press("Tab");
    await insurer.page.getByRole("button", { name: /Derive my key/ }).click();
    await waitForText(insurer.page.getByTestId("key-status"), /not registered/);
    await insurer.page.getByRole("button", { name: "Register key on the ledger" }).click();
    await waitForText(insurer.page.getByTestId("key-status"), /registered as key #\d+/);
    expect(insurer.wallet.typedData.map((t) => t.primaryType)).to.include("EncryptionKeyDerivation");
    // The SDK's wallet-derived key (sdk/crypto/wallet-key.ts): the CLI derives the same one from the same wallet.
    const sdkKey = await deriveEncryptionKey(new Wallet(insurer.wallet.wallet.privateKey), { chainId: BigInt(world.deployment.chainId), deviceId: id("underwriting-laptop") });
    expect(await insurer.page.getByTestId("device-public-key").innerText()).to.equal(hexlify(sdkKey.publicKey));

    step("before step 3");
    // 3. The bank encrypts Ana's records in its browser, uploads, registers and deposits the key.
    await bank.go("/provider");
    await bank.connect();
    await bank.page.getByLabel("File").setInputFiles({ name: "ana-records.ndjson", mimeType: "application/x-ndjson", buffer: records });
    await bank.page.getByLabel("The person it is about").fill(world.addresses.ana);
    await bank.page.getByRole("button", { name: "Encrypt, upload and register" }).click();
    const published = await waitForText(bank.page.getByTestId("publish-result"), /Dataset #\d+ version 1 is registered|refused|failed|error/i, 60_000);
    expect(published).to.match(/Dataset #\d+ version 1 is registered/);
    datasetId = /Dataset #(\d+)/.exec(published)![1]!;
    const version = await connectLedger(world.deployment.ledger, world.provider).datasetVersion(datasetId, 1);
    const stored = await readFile(world.server.blobs.path(`blob://merkle/${version.merkleRoot.slice(2)}`));
    expect(new StreamRootHasher(nodeSha256).update(stored).digest()).to.equal(version.merkleRoot, "the uploaded ciphertext is what the ledger registered");
    expect(stored.includes(records.subarray(0, 64))).to.equal(false, "no plaintext reached the blob store");

    step("before step 4");
    // 4. The insurer makes a consent link; Ana opens it, reads the ask in plain words and signs.
    await insurer.page.getByLabel("Your institution's name").fill("Insurer");
    await insurer.page.getByLabel("Dataset number", { exact: true }).fill(datasetId);
    await insurer.page.getByRole("button", { name: "Make a consent link" }).click();
    const askLink = await insurer.page.getByLabel("Send this link to the person").inputValue();
    await ana.page.goto(askLink);
    await ana.connect();
    // Once Ana's datasets are read, the ask names the data by provider and category.
    const ask = await waitForText(ana.page.getByTestId("consent-ask"), /asks to use your deposit data from Bank/);
    expect(ask).to.match(/Insurer .* asks to use your deposit data from Bank \(dataset #\d+\) for underwriting, for 30 days, up to formal access/);
    await ana.page.locator(`#c-dataset option[value="${datasetId}"]`).waitFor({ state: "attached" });
    const anaBalance = await world.provider.getBalance(world.addresses.ana);
    await ana.page.getByRole("button", { name: "Sign consent (no gas)" }).click();
    await ana.page.getByTestId("signed-consent").waitFor();
    signedConsentJson = await ana.page.getByLabel("Signed consent — give this to the requester").inputValue();
    const consentTyped = ana.wallet.typedData.find((t) => t.primaryType === "Consent")!;
    expect(consentTyped, "the wallet was asked to sign a readable EIP-712 Consent").to.exist;
    expect(getAddress(String(consentTyped.message.requester))).to.equal(world.addresses.insurer);
    expect(String(consentTyped.message.datasetId)).to.equal(datasetId);
    expect(String(consentTyped.message.purpose)).to.equal("1"); // underwriting
    expect(getAddress(String(consentTyped.domain.verifyingContract))).to.equal(world.deployment.ledger);
    await ana.shot("subject");

    step("before step 5");
    // 5. The insurer pastes the signed consent and requests 7 days of formal access: one
    //    transaction relays Ana's consent and makes the request; Ana pays nothing.
    await insurer.page.getByRole("textbox", { name: /^Signed consent paste/ }).fill(signedConsentJson);
    await insurer.page.getByRole("button", { name: "Request access" }).click();
    const requested = await waitForText(insurer.page.getByTestId("request-result"), /Request #\d+ is on the ledger|refused|error/i);
    expect(requested).to.match(/Request #1 is on the ledger, with the person's consent relayed/);
    expect(await world.provider.getBalance(world.addresses.ana)).to.equal(anaBalance, "Ana paid no gas");
    // Instant updates: Sign-In with Ethereum to the custodian, then its server-sent events.
    await insurer.page.getByRole("button", { name: /Instant updates/ }).click();
    await waitForText(insurer.page.getByTestId("live-mode"), /the custodian pushes changes/);
    expect(insurer.wallet.messages.some((m) => /wants you to sign in with your Ethereum account/.test(m))).to.equal(true);

    step("before step 6");
    // 6. The bank approves (a temporary grant), the supervisor approves (formal).
    await bank.go("/provider");
    await bank.request("1").getByRole("button", { name: "Approve request 1" }).click();
    await waitForText(bank.request("1"), /temporary access granted/);
    await sup.go("/supervisor");
    // The consent renders first and the dataset policy when the dataset is loaded. The page
    // refreshes on each new block, so on a busy machine it can show the chain as it was one
    // poll ago until the next block: like a live chain, mine one if the bank's approval is
    // not shown yet.
    const ready = /Consent[\s\S]*\(given\); 1 supervisor approval\(s\) \(0 so far\)/;
    const queued = await waitForText(sup.request("1"), ready, 10_000).catch(async () => {
      await world.provider.send("evm_mine", []);
      return waitForText(sup.request("1"), ready);
    });
    expect(queued).to.match(/Ana .* allowed Insurer .* underwriting/);
    expect(queued, queued).to.match(/provider approval required \(given\); 1 supervisor approval\(s\) \(0 so far\)/);
    await sup.shot("supervisor");
    await sup.request("1").getByRole("button", { name: "Approve request 1" }).click();
    await sup.page.getByTestId("queue-empty").waitFor();

    step("before step 7");
    // 7. The insurer sees the formal grant arrive by itself, fetches, verifies and decrypts.
    await waitForText(insurer.request("1"), /formal access granted/, 15_000);
    await insurer.request("1").getByLabel("Format").selectOption("ndjson");
    const [download] = await Promise.all([
      insurer.page.waitForEvent("download", { timeout: 60_000 }),
      insurer.request("1").getByRole("button", { name: "Fetch and decrypt request 1" }).click(),
    ]);
    const received = await readFile((await download.path())!);
    expect(download.suggestedFilename()).to.equal(`dataset-${datasetId}-v1.ndjson`);
    expect(received.length).to.equal(records.length);
    expect(sha256(received)).to.equal(sha256(records), "the downloaded bytes are Ana's records");
    expect(await waitForText(insurer.request("1").getByTestId("fetch-result"), /Decrypted/)).to.match(/ciphertext SHA-256, Merkle root and key commitment/);
    await insurer.shot("requester");
    // …and as CSV, one row per record.
    await insurer.request("1").getByLabel("Format").selectOption("csv");
    const [csvDownload] = await Promise.all([
      insurer.page.waitForEvent("download", { timeout: 60_000 }),
      insurer.request("1").getByRole("button", { name: "Fetch and decrypt request 1" }).click(),
    ]);
    const csv = (await readFile((await csvDownload.path())!, "utf8")).trimEnd().split("\n");
    expect(csv[0]).to.match(/^subject,seq,kind,/);
    expect(csv.length - 1).to.equal(records.toString("utf8").trimEnd().split("\n").length);
    await insurer.request("1").getByRole("button", { name: "Record use" }).click();
    await waitForText(insurer.request("1").getByTestId("fetch-result"), /use of the data is recorded/);

    step("before step 8");
    // 8. Ana sees who received a key to her data and when; the honest words about revocation.
    await ana.go("/subject");
    expect(await waitForText(ana.page.getByTestId("key-releases"), /Insurer/)).to.match(/Insurer \(0x.{4}….{4}\) received the key to your deposit data from Bank \(dataset #\d+\) \(formal access\) on \d{4}-/);
    expect(await ana.page.getByTestId("revocation-honesty").innerText()).to.match(/cannot be taken back[\s\S]*rotate/);

    step("before step 9");
    // 9. The auditor rebuilds the dataset's history from events, each transaction linked.
    await auditor.go("/auditor");
    await auditor.page.getByLabel("Dataset", { exact: true }).selectOption(datasetId);
    await auditor.page.getByRole("button", { name: "Apply filters" }).click();
    await auditor.page.getByTestId("timeline").waitFor();
    const events = await auditor.page.locator("[data-testid=timeline] tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-event")));
    for (const e of ["DatasetRegistered", "DatasetVersionPublished", "ConsentGiven", "AccessRequested", "AccessApproved", "AccessGranted", "KeyReleased", "UsageRecorded"]) {
      expect(events, e).to.include(e);
    }
    const href = await auditor.page.locator("[data-testid=timeline] a").first().getAttribute("href");
    expect(href).to.match(/^https:\/\/explorer\.example\/tx\/0x[0-9a-f]{64}$/);
    await auditor.page.getByLabel("Request number").fill("1");
    await auditor.page.getByRole("button", { name: "Verify receipt" }).click();
    expect(await waitForText(auditor.page.getByTestId("receipt-result"), /recorded on chain/)).to.match(/(1 key release|2 key releases) of request #1 recorded/);
    await auditor.page.getByLabel("Dataset number", { exact: true }).fill(datasetId);
    await auditor.page.getByRole("button", { name: "Check ciphertext" }).click();
    await waitForText(auditor.page.getByTestId("blob-result"), /matches the Merkle root registered on chain/);
    await auditor.shot("auditor");
    await bank.go("/provider");
    await waitForText(bank.page.getByTestId("my-datasets"), /Dataset #/);
    await bank.shot("provider");

    step("step 9");
    for (const r of Object.values(roles)) expect(r.errors, `${r.name}'s page errors`).to.deep.equal([]);
    storyPlayed = true;
  });

  it("shows the ledger's decoded refusal when an institution requests without consent (ConsentsUnknown)", async function () {
    const { lender } = roles;
    await lender.go("/requester");
    await lender.connect();
    await lender.page.getByRole("button", { name: /Derive my key/ }).click();
    await waitForText(lender.page.getByTestId("key-status"), /not registered/);
    await lender.page.getByRole("button", { name: "Register key on the ledger" }).click();
    await waitForText(lender.page.getByTestId("key-status"), /registered as key/);
    // Ana's terms with the lender put in, unsigned: no such consent exists.
    const forged = JSON.parse(signedConsentJson) as { terms: Record<string, string>; signature?: string };
    forged.terms.requester = world.addresses.lender;
    forged.terms.nonce = hexlify(randomBytes(32));
    delete forged.signature;
    await lender.page.getByRole("textbox", { name: /^Signed consent paste/ }).fill(JSON.stringify(forged));
    await lender.page.getByRole("button", { name: "Request access" }).click();
    const refusal = lender.page.getByTestId("request-result").locator(".notice.error");
    const text = await waitForText(refusal, /ledger refused/);
    expect(text).to.match(/ConsentsUnknown\(0x[0-9a-f]{64}\)/);
    expect(await refusal.getAttribute("data-code")).to.equal("ConsentsUnknown");
  });

  it("tells the requester 'revoked' after the person revokes with one click", async function () {
    const { ana, insurer } = roles;
    await ana.go("/subject");
    await ana.page.getByRole("button", { name: /^Revoke consent for Insurer/ }).click();
    const revoked = await waitForText(ana.page.locator(".notice.ok"), /Revoked/);
    expect(revoked).to.match(/cannot be taken back/);
    await waitForText(ana.page.getByTestId("my-consents"), /revoked/);

    await insurer.go("/requester");
    await waitForText(insurer.request("1"), /revoked/);
    // Nothing to fetch under a withdrawn consent: the state says why, and there is no Fetch button.
    expect(await insurer.request("1").getByTestId("request-status").innerText()).to.match(/revoked: the person withdrew consent/);
    expect(await insurer.request("1").getByRole("button", { name: "Fetch and decrypt request 1" }).count()).to.equal(0);
  });

  it("tells the requester 'expired' once a grant's time has run out", async function () {
    const { ana, bank, insurer } = roles;
    // A fresh consent and a one-hour temporary request, granted on the bank's approval alone.
    await ana.go("/subject");
    await ana.page.getByLabel("Requester's address").fill(world.addresses.insurer);
    await ana.page.locator(`#c-dataset option[value="${datasetId}"]`).waitFor({ state: "attached" });
    await ana.page.getByLabel("Which data").selectOption(datasetId);
    const previous = await ana.page.getByLabel("Signed consent — give this to the requester").inputValue();
    await ana.page.getByRole("button", { name: "Sign consent (no gas)" }).click();
    // Wait until the signed consent on screen is a new one (the page shows the last one until then).
    await ana.page.waitForFunction(`document.getElementById("signed-json")?.value !== ${JSON.stringify(previous)}`, undefined, { timeout: 10_000 });
    const consent = await ana.page.getByLabel("Signed consent — give this to the requester").inputValue();
    expect(consent).not.to.equal(previous, "a new consent was signed");

    await insurer.go("/requester");
    await insurer.page.getByRole("textbox", { name: /^Signed consent paste/ }).fill(consent);
    await insurer.page.getByLabel("Access", { exact: true }).selectOption("1");
    await insurer.page.getByLabel("Duration").fill("1");
    await insurer.page.getByLabel("Unit").selectOption("hours");
    await insurer.page.getByLabel("For device").fill("underwriting-laptop");
    await insurer.page.getByRole("button", { name: "Request access" }).click();
    expect(await waitForText(insurer.page.getByTestId("request-result"), /Request #\d+ is on the ledger|refused/)).to.match(/Request #2/);

    await bank.go("/provider");
    await bank.request("2").getByRole("button", { name: "Approve request 2" }).click();
    await waitForText(insurer.request("2"), /temporary access granted/, 15_000);

    await world.provider.send("evm_increaseTime", [2 * 3600]);
    await world.provider.send("evm_mine", []);
    await waitForText(insurer.request("2").getByTestId("request-status"), /^expired$/);
    expect(await insurer.request("2").getByRole("button", { name: "Fetch and decrypt request 2" }).count()).to.equal(0);
  });

  it("keeps no key material in browser storage: device keys are re-derived from the wallet unless the user ticks 'remember'", async function () {
    const secrets: string[] = [];
    for (const name of ["insurer", "lender"] as const) {
      // What the dapp derived for each device: the same derivation from the same wallet.
      const wallet = new Wallet(roles[name].wallet.wallet.privateKey);
      for (const label of ["underwriting-laptop", "browser"]) {
        const keys = await deriveEncryptionKey(wallet, { chainId: BigInt(world.deployment.chainId), deviceId: id(label) });
        secrets.push(hexlify(keys.privateKey).slice(2));
      }
    }
    for (const r of Object.values(roles)) {
      const dump = await storageDump(r.page);
      const text = JSON.stringify(dump).toLowerCase();
      for (const s of secrets) expect(text, `${r.name}'s storage`).not.to.include(s);
      expect(text, `${r.name}'s storage holds no 32-byte hex value`).not.to.match(/[0-9a-f]{64}/);
      expect(Object.keys(dump.session), `${r.name}'s sessionStorage`).to.deep.equal([]);
      expect(dump.indexedDb, `${r.name}'s IndexedDB`).to.deep.equal([]);
    }

    // Ticking "remember" is the one way a key lands in storage, and unticking removes it.
    const { insurer } = roles;
    await insurer.go("/requester");
    await insurer.page.getByLabel("Device name").fill("underwriting-laptop");
    await insurer.page.getByLabel("Device name").press("Tab");
    await insurer.page.getByRole("button", { name: /Derive my key/ }).click();
    await waitForText(insurer.page.getByTestId("key-status"), /registered as key/);
    await insurer.page.getByLabel("Remember on this device").check();
    expect(JSON.stringify((await storageDump(insurer.page)).local)).to.match(/[0-9a-f]{64}/);
    await insurer.page.getByLabel("Remember on this device").uncheck();
    expect(JSON.stringify((await storageDump(insurer.page)).local)).not.to.match(/[0-9a-f]{64}/);
  });

  it("works on a 390 px wide phone screen without sideways scrolling, on every role's page", async function () {
    for (const { role, route } of ROLE_PAGES) {
      const phone = await world.role(role, { viewport: { width: 390, height: 844 } });
      try {
        await phone.go(route);
        if (route !== "/auditor") await phone.connect(); // the auditor's page offers no wallet
        await pageReady(phone.page, route);
        const { scrollWidth, clientWidth } = (await phone.page.evaluate("({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth })")) as {
          scrollWidth: number;
          clientWidth: number;
        };
        expect(scrollWidth, `${route} scrolls sideways`).to.be.at.most(clientWidth);
        await phone.shot(`${route.slice(1)}-390px`);
        expect(phone.errors, `${route}: page errors`).to.deep.equal([]);
      } finally {
        await phone.context.close();
      }
    }
  });

  it("labels every input, reaches every button by keyboard with a visible focus ring, and keeps text contrast at 4.5:1 or more", async function () {
    for (const { role, route: path } of ROLE_PAGES) {
      const r = roles[role];
      await r.go(path);
      await pageReady(r.page, path); // the page's first data load has rendered
      const { problems, checked } = await a11yProblems(r.page);
      expect(problems, `${path}: ${problems.join("; ")}`).to.deep.equal([]);
      expect(checked, `${path}: text elements checked for contrast`).to.be.greaterThan(10);
    }
    const page = roles.supervisor.page;
    await page.locator("body").click({ position: { x: 1, y: 1 } });
    await page.keyboard.press("Tab"); // skip link
    await page.keyboard.press("Tab"); // first control of the header
    const focused = await focusedOutline(page);
    expect(focused.outlineStyle, `focus ring on ${focused.tag} "${focused.text}"`).to.equal("solid");
    expect(parseFloat(focused.outlineWidth)).to.be.at.least(2);
  });
});
