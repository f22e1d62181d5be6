/**
 * A whole four-party share approved by signature, in a real browser (Debian's Chromium, driven
 * by playwright-core), each party on its own page with its own injected wallet: the person signs
 * a consent and sends the link; the requester makes the approval links; the provider and the
 * supervisor open them, sign their approvals in the wallet (EIP-712 `ShareApproval`, no
 * transaction) and send the links back; the requester relays the consent, its request and both
 * approvals in one transaction and sees the grant. The chain then says who did what: the
 * provider and the supervisor sent nothing, and the approvals' events name their signers.
 *
 * Members, the requester's device key and the dataset are set up through the SDK (lib/seed.ts);
 * story.test.ts does those steps in the browser. Screenshots go to test-results/screenshots/.
 */
import { expect } from "chai";
import { join } from "node:path";
import { getAddress, ZeroAddress } from "ethers";
import { connectLedger, type Sealshare } from "../../sdk/contracts.js";
import { signApproval, type SignedApproval } from "../../sdk/actions/sign-approval.js";
import { writeSampleRecords } from "../../devkit/sample-records.js";
import { toConsentFile, toJson } from "../../dapp/src/lib/consent-share.js";
import { approvalLink, parseApproval, parseShareAsk, shareAsk, shareAskLink, ShareLinkError } from "../../dapp/src/ui/relay-links.js";
import { a11yProblems, waitForText } from "./lib/page-checks.js";
import { actAs, consentFor, publishDataset, registerDeviceKey, registerMembers } from "./lib/seed.js";
import { startWorld, type Role, type World } from "./lib/world.js";

type Cast = "supervisor" | "bank" | "insurer" | "ana";
const PAGES: [Cast, string][] = [
  ["supervisor", "/supervisor"],
  ["bank", "/provider"],
  ["insurer", "/requester"],
  ["ana", "/subject"],
];

describe("dapp: a whole share approved by signature and relayed in one transaction, in Chromium", function () {
  this.timeout(180_000);
  let world: World;
  let ledger: Sealshare;
  const roles = {} as Record<Cast, Role>;
  let datasetId: bigint;

  const expectAccessible = async (r: Role) => {
    const { problems } = await a11yProblems(r.page);
    expect(problems, `${r.name}: ${problems.join("; ")}`).to.deep.equal([]);
  };
  const expectNoPageErrors = () => {
    for (const r of Object.values(roles)) expect(r.errors, `${r.name}'s page errors`).to.deep.equal([]);
  };
  /** Accounts' transaction counts on chain (nonces). */
  const nonces = async () => ({
    bank: await world.provider.getTransactionCount(world.addresses.bank),
    supervisor: await world.provider.getTransactionCount(world.addresses.supervisor),
  });

  before(async function () {
    world = await startWorld();
    ledger = connectLedger(world.deployment.ledger, world.provider);
    const file = join(world.workDir, "ana.ndjson");
    await writeSampleRecords(file, { subject: world.addresses.ana, bytes: 20_000 });
    await registerMembers(world, ["bank", "insurer"]);
    await registerDeviceKey(world, "insurer", "underwriting-laptop");
    // Policy: the provider's approval and one supervisor's for a formal grant (seed.ts POLICY).
    datasetId = await publishDataset(world, { provider: "bank", subject: "ana", file });
    await Promise.all(
      PAGES.map(async ([name, route]) => {
        const r = await world.role(name);
        await r.go(route);
        await r.connect();
        roles[name] = r;
      }),
    );
  });

  afterEach(async function () {
    if (this.currentTest?.state !== "failed") return;
    for (const r of Object.values(roles)) {
      if (r.page.url().startsWith("http")) await r.shot(`failed-relay-${r.name}`).catch(() => undefined);
    }
  });

  after(async function () {
    await world?.stop();
  });

  /** `r` signs the share its link asks for, on its own page; the link it sends back. */
  async function signFromLink(r: Role, link: string, as: "provider" | "supervisor", validFor?: { label: string; seconds: number }): Promise<string> {
    await r.page.goto(link);
    const card = r.page.getByTestId("share-ask");
    const text = await waitForText(card, /asks you to approve, by signature, deposit data from Bank/);
    expect(text).to.match(new RegExp(`Insurer \\(0x.{4}….{4}\\) asks you to approve, by signature, deposit data from Bank \\(dataset #${datasetId}\\) for underwriting — formal access for 7 days\\.`));
    expect(text).to.match(/The requester holds a consent of Ana \(0x.{4}….{4}, unverified\) for Insurer \(0x.{4}….{4}\), for underwriting, up to formal access/);
    await waitForText(card, /provider approval required; 1 supervisor approval\(s\) for formal access/); // the policy, read from the chain
    await expectAccessible(r);
    const before = r.wallet.typedData.length;
    if (validFor) await card.getByLabel("The requester may relay it within").selectOption({ label: validFor.label });
    const now = (await world.provider.getBlock("latest"))!.timestamp;
    await card.getByRole("button", { name: "Sign approval (no transaction)" }).click();
    await waitForText(card.getByTestId("share-ask-result"), /You approved by signature|refused|not/);
    expect(await card.getByTestId("share-ask-result").innerText()).to.match(new RegExp(`You approved by signature, as ${as}: formal access for 7 days\\. No transaction was sent\\.`));
    const signed = r.wallet.typedData.slice(before);
    expect(signed.map((t) => t.primaryType)).to.deep.equal(["ShareApproval"]);
    const m = signed[0]!.message;
    expect([getAddress(String(m.approver)), m.asSupervisor, getAddress(String(m.requester)), Number(m.duration), Number(m.kind), String(m.datasetId)]).to.deep.equal([
      r.address,
      as === "supervisor",
      world.addresses.insurer,
      7 * 86_400,
      2,
      datasetId.toString(),
    ]);
    expect(getAddress(String(signed[0]!.domain.verifyingContract))).to.equal(world.deployment.ledger);
    // The relay window (chain time): a day unless the approver chose otherwise.
    const window = Number(m.deadline) - now;
    expect(window).to.be.within(validFor?.seconds ?? 86_400, (validFor?.seconds ?? 86_400) + 5);
    await card.getByTestId("signed-approval").waitFor();
    await r.shot(`relay-${as}-signed`);
    return card.getByTestId("signed-approval").getByRole("textbox", { name: "The link you send" }).inputValue();
  }

  it("the person signs, the provider and the supervisor sign their approvals (no transaction), the requester relays the whole share in one transaction and sees the grant", async function () {
    const { ana, insurer, bank, supervisor: sup } = roles;

    // The person signs a consent for the insurer and copies the link.
    await ana.page.locator(`#c-dataset option[value="${datasetId}"]`).waitFor({ state: "attached" });
    await ana.page.getByLabel("Requester's address").fill(world.addresses.insurer);
    await ana.page.getByLabel("Which data").selectOption(datasetId.toString());
    await ana.page.getByRole("button", { name: "Sign consent (no gas)" }).click();
    await ana.page.getByTestId("signed-consent").waitFor();
    const consentLink = await ana.page.getByLabel("The link you send").inputValue();

    // The requester opens it: the share's consent is filled in; it asks for approvals by signature.
    await insurer.page.goto(consentLink);
    const relay = insurer.page.getByTestId("relay-share");
    await relay.getByRole("button", { name: "Ask for approvals by signature" }).click(); // loads the relay part
    expect(await relay.getByLabel(/^The person's signed consent/).inputValue()).to.equal(consentLink);
    await relay.getByRole("button", { name: "Ask for signed approvals" }).click();
    const links = insurer.page.getByTestId("share-ask-links");
    expect(await waitForText(links, /policy needs/)).to.match(/This dataset's policy needs the provider's approval and 1 supervisor approval for formal access\./);
    const forProvider = await links.getByRole("textbox", { name: "Link for the provider" }).inputValue();
    const forSupervisor = await links.getByRole("textbox", { name: "Link for a supervisor" }).inputValue();
    expect(forProvider).to.match(/#\/provider\?share=[A-Za-z0-9_-]+$/);
    expect(forSupervisor).to.match(/#\/supervisor\?share=[A-Za-z0-9_-]+$/);

    // The approvers sign on their own pages; nothing they do is a transaction.
    const sentBefore = await nonces();
    const fromBank = await signFromLink(bank, forProvider, "provider");
    const fromSupervisor = await signFromLink(sup, forSupervisor, "supervisor", { label: "1 hour", seconds: 3600 });
    expect(await nonces()).to.deep.equal(sentBefore);
    for (const r of [bank, sup]) expect(r.wallet.calls, `${r.name} sent no transaction`).not.to.include("eth_sendTransaction");

    // The requester opens both links: each adds its approval to the share — the bank's in the
    // tab that made the links, the supervisor's in a new tab (as from an e-mail), which hands it
    // to that tab.
    await insurer.page.goto(fromBank);
    await waitForText(relay.getByTestId("relay-add-result"), /Added the approval by Bank/);
    const newTab = await insurer.context.newPage();
    await newTab.goto(fromSupervisor);
    expect(await waitForText(newTab.getByTestId("relay-add-result"), /other tab/)).to.match(
      /^The approval by Supervisor \(0x.{4}….{4}, unverified\) was added to your share in your other tab, where you made its links: relay it there/,
    );
    expect(await newTab.getByTestId("share-approvals").count(), "the new tab keeps nothing to relay").to.equal(0);
    await newTab.close();
    await waitForText(relay.getByTestId("relay-add-result"), /Added the approval by Supervisor \(0x.{4}….{4}, unverified\) \(as supervisor\), opened in another tab/);
    const approvals = relay.getByTestId("share-approvals").locator("li");
    expect(await approvals.count()).to.equal(2);
    expect(await approvals.nth(0).innerText()).to.match(/Approved by Bank \(0x.{4}….{4}\) as provider: formal access for 7 days/);
    expect(await approvals.nth(1).innerText()).to.match(/Approved by Supervisor \(0x.{4}….{4}, unverified\) as supervisor: formal access for 7 days/);
    await expectAccessible(insurer);
    await insurer.shot("relay-requester-collected");

    await relay.getByLabel("Wrap the key to device").fill("underwriting-laptop");
    const insurerSent = await world.provider.getTransactionCount(world.addresses.insurer);
    await relay.getByRole("button", { name: "Relay share (one transaction)" }).click();
    const result = await waitForText(relay.getByTestId("relay-result"), /is on the ledger|refused|another|APPROVAL/, 60_000);
    expect(result).to.match(/Request #\d+ is on the ledger with the person's consent and 2 signed approvals \(Bank \(0x.{4}….{4}\) as provider, Supervisor \(0x.{4}….{4}, unverified\) as supervisor\), in one transaction\. Granted: formal access until /);
    const requestId = BigInt(/Request #(\d+)/.exec(result)![1]!);
    await waitForText(insurer.request(requestId), /formal access granted/);
    await insurer.shot("relay-requester-granted");

    // On chain: one transaction, sent by the requester, recorded the consent, the request, both
    // approvals under their signers' names, and the grant.
    // (The custodian then records its key release in a transaction of its own.)
    expect(await world.provider.getTransactionCount(world.addresses.insurer), "the requester sent one transaction").to.equal(insurerSent + 1);
    const grant = await ledger.isGrantValid(requestId);
    expect([grant.valid, Number(grant.kind), grant.requester, grant.datasetId]).to.deep.equal([true, 2, world.addresses.insurer, datasetId]);
    const approved = await ledger.queryFilter(ledger.filters.AccessApproved(requestId));
    expect(approved.map((e) => [e.args.approver, e.args.asSupervisor])).to.deep.equal([
      [world.addresses.bank, false],
      [world.addresses.supervisor, true],
    ]);
    const [granted] = await ledger.queryFilter(ledger.filters.AccessGranted(requestId));
    const [requested] = await ledger.queryFilter(ledger.filters.AccessRequested(requestId));
    const consentGiven = await ledger.queryFilter(ledger.filters.ConsentGiven(requested!.args.consentId));
    const txs = new Set([...approved, granted!, requested!, ...consentGiven].map((e) => e.transactionHash));
    expect(txs.size, "consent, request, approvals and grant in one transaction").to.equal(1);
    expect((await world.provider.getTransaction([...txs][0]!))!.from).to.equal(world.addresses.insurer);
    expect(await nonces()).to.deep.equal(sentBefore);

    // The share's approvals are spent: opening a link again adds nothing to relay.
    await insurer.page.goto(fromSupervisor);
    await waitForText(relay.getByTestId("relay-add-result"), /already relayed/);
    expect(await relay.getByTestId("share-approvals").count()).to.equal(0);
    expectNoPageErrors();
  });

  it("refuses, before sending, an approval signed for other terms than the share (APPROVAL_MISMATCH, naming the approver)", async function () {
    const { insurer } = roles;
    const consent = await consentFor(world, { subject: "ana", requester: "insurer", datasetId });
    const file = toConsentFile({ ...consent, chainId: world.deployment.chainId, ledger: world.deployment.ledger });
    // The bank signed for one day; the requester asks for seven.
    const oneDay = await signApproval(actAs(world, "bank"), { consent: consent.terms, requester: world.addresses.insurer, datasetId, purpose: "underwriting", duration: "1d", as: "provider" });

    const relay = insurer.page.getByTestId("relay-share");
    await relay.getByLabel(/^The person's signed consent/).fill(toJson(file));
    await relay.getByLabel("For how long").fill("7");
    await relay.getByRole("button", { name: "Ask for signed approvals" }).click();
    await insurer.page.getByTestId("share-ask-links").waitFor();
    // Pasted as the JSON `sealshare access sign-approval` writes (a link works the same way).
    await relay.getByLabel(/^Add a signed approval/).fill(JSON.stringify(oneDay, null, 2));
    await relay.getByRole("button", { name: "Add approval" }).click();
    await waitForText(relay.getByTestId("share-approvals"), /Approved by Bank .* formal access for 1 day/);

    const insurerSent = await world.provider.getTransactionCount(world.addresses.insurer);
    await relay.getByRole("button", { name: "Relay share (one transaction)" }).click();
    const refused = await waitForText(relay.getByTestId("relay-result"), /another|on the ledger/);
    expect(refused).to.match(new RegExp(`^the approval by ${world.addresses.bank} is for another duration \\(86400, not 604800\\)`));
    expect(await relay.getByTestId("relay-result").locator("[data-code]").getAttribute("data-code")).to.equal("APPROVAL_MISMATCH");
    expect(await world.provider.getTransactionCount(world.addresses.insurer), "nothing was sent").to.equal(insurerSent);
    expect((await ledger.consentOf(consent.consentId)).subject, "the consent is not recorded").to.equal(ZeroAddress);
    expectNoPageErrors();
  });

  it("the provider's link opened by another member: the page says who the provider is and offers no signature; a cut link says it carries no share", async function () {
    const { insurer } = roles;
    const consent = await consentFor(world, { subject: "ana", requester: "insurer", datasetId });
    const ask = shareAsk({ ...consent, chainId: world.deployment.chainId, ledger: world.deployment.ledger, requester: world.addresses.insurer, datasetId, kind: 2, duration: 7 * 86_400 });
    const signaturesBefore = insurer.wallet.typedData.length;

    await insurer.page.goto(shareAskLink(insurer.page.url(), "provider", ask));
    const card = insurer.page.getByTestId("share-ask");
    // Waits for the member's verified name: the config's (flagged unverified) shows until the chain's arrives.
    expect(await waitForText(card.getByTestId("share-ask-problem"), /^You are not this dataset's provider \(Bank \(0x.{4}….{4}\) is\): only its provider approves as provider\.$/)).to.match(/^You are not this dataset's provider \(Bank \(0x.{4}….{4}\) is\): only its provider approves as provider\.$/);
    expect(await card.getByRole("button", { name: "Sign approval (no transaction)" }).isDisabled()).to.equal(true);
    await expectAccessible(insurer);
    await insurer.shot("relay-not-the-provider");

    await insurer.page.goto(`${insurer.page.url().split("#")[0]}#/provider?share=bm90IGEgc2hhcmU`);
    expect(await waitForText(card, /link/)).to.match(/This link does not carry a share to approve \(it is cut or altered\)\./);
    expect(await card.getByRole("button").count()).to.equal(0);
    expect(insurer.wallet.typedData.length, "nothing was signed").to.equal(signaturesBefore);
    expectNoPageErrors();
  });
});

describe("dapp: the share-ask and approval links (dapp/src/ui/relay-links.ts)", function () {
  const terms = {
    subject: getAddress("0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc"),
    requester: getAddress("0x90f79bf6eb2c4f870365e785982e1f101e93b906"),
    datasetId: 1n,
    category: 1,
    purpose: 1,
    maxKind: 2,
    expiresAt: 1_900_000_000n,
    receiptHash: `0x${"00".repeat(32)}`,
    nonce: `0x${"ab".repeat(32)}`,
    deadline: 1_800_000_000n,
  };
  const ledger = getAddress("0x5fbdb2315678afecb367f032d93f642f64180aa3");
  const consentId = `0x${"cd".repeat(32)}`;
  const ask = shareAsk({ terms, chainId: "31337", ledger, consentId, requester: terms.requester, datasetId: 1n, kind: 2, duration: 604_800 });
  const encodedOf = (link: string) => /[?&]share=([A-Za-z0-9_-]+)$/.exec(link)![1]!;
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const approval: SignedApproval = {
    type: "sealshare-share-approval",
    chainId: "31337",
    ledger,
    consentId,
    requester: terms.requester,
    datasetId: "1",
    purpose: 1,
    kind: 2,
    duration: 604_800,
    approver: getAddress("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc"),
    asSupervisor: false,
    deadline: 1_800_000_000,
    signature: `0x${"12".repeat(64)}`,
  };

  it("a share ask goes to the approver's page and back whole, without the person's signature", function () {
    const link = shareAskLink("http://127.0.0.1:5173/#/requester?consent=x", "supervisor", ask);
    expect(link.startsWith("http://127.0.0.1:5173/#/supervisor?share=")).to.equal(true);
    const back = parseShareAsk(encodedOf(link));
    expect(back.terms).to.deep.equal(terms);
    expect([back.requester, back.datasetId, back.purpose, back.kind, back.duration, back.consent.consentId]).to.deep.equal([terms.requester, "1", 1, 2, 604_800, consentId]);
    expect(back.consent).to.not.have.property("signature");
  });

  it("refuses a share ask with a field out of range, naming the field", function () {
    for (const [field, value] of [["kind", 3], ["duration", 0], ["datasetId", "0"], ["purpose", -1], ["type", "sealshare-consent"]] as const) {
      expect(() => parseShareAsk(encode({ ...ask, [field]: value })), field).to.throw(ShareLinkError, `This link's share is malformed (${field}).`);
    }
    expect(() => parseShareAsk(encode({ ...ask, consent: { ...ask.consent, terms: { ...ask.consent.terms, subject: "0x12" } } }))).to.throw(ShareLinkError, /malformed: the consent file's terms are malformed/);
  });

  it("reads a signed approval from its link, its link's parameter, or the CLI's JSON; refuses a tampered one", function () {
    const link = approvalLink("http://127.0.0.1:5173/#/provider?share=x", approval);
    expect(link.startsWith("http://127.0.0.1:5173/#/requester?approval=")).to.equal(true);
    const param = /approval=([A-Za-z0-9_-]+)$/.exec(link)![1]!;
    for (const text of [link, param, JSON.stringify(approval, null, 2)]) expect(parseApproval(text)).to.deep.equal(approval);
    expect(() => parseApproval(JSON.stringify({ ...approval, approver: "0xnot" }))).to.throw(ShareLinkError, "This is not a usable signed approval: not a Sealshare signed approval: an address field.");
    expect(() => parseApproval("hello there")).to.throw(ShareLinkError, /^This is not a signed approval/);
  });
});
