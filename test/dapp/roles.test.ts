/**
 * Role-aware pages in a real browser (Debian's Chromium, playwright-core): every role's page as
 * a member, as a non-member and while loading, with a screenshot of each in
 * test-results/screenshots/roles-*.png.
 *
 *  - While loading: the test's wallet holds every ledger read (`holdReads`), so the loading state
 *    is on screen for as long as the test looks at it — no timer. It says "loading", never an
 *    empty list ("nobody received…"), and offers no action.
 *  - Roles come from the chain (the SDK's getRoles / getMember): a non-supervisor's supervisor
 *    page explains and has no button; a non-member's provider and requester pages say so before
 *    anything is encrypted or requested.
 *  - Requests: "Fetch and decrypt" only on live grants; an expired temporary grant leaves the
 *    approval queue; live temporary grants are listed with the live grants; Suspend only for an
 *    active member, Reinstate only for a suspended one.
 *  - The person's page: the dashboard above the consent form, data named by provider and
 *    category, the signed consent sent in one click as a link the requester's page opens, and
 *    the requester's device name remembered per wallet.
 *
 * What the pages show is set up through the SDK (lib/seed.ts).
 */
import { expect } from "chai";
import { join } from "node:path";
import { revokeGrant } from "../../sdk/actions/revoke-grant.js";
import { suspendMember } from "../../sdk/actions/suspend-member.js";
import { writeSampleRecords } from "../../devkit/sample-records.js";
import { pageReady, waitForText } from "./lib/page-checks.js";
import { actAs, publishDataset, registerDeviceKey, registerMembers, request } from "./lib/seed.js";
import { startWorld, type Role, type RoleName, type World } from "./lib/world.js";

/** A page's action buttons (the header's wallet controls aside). */
const actionButtons = (r: Role) => r.page.locator("#app main button, #app main a.button");

describe("dapp: role-aware pages, in Chromium", function () {
  this.timeout(180_000);
  let world: World;
  let datasetId: bigint;
  const ids = {} as Record<"formal" | "temporary" | "expired" | "revoked", bigint>;
  const opened: Role[] = [];

  const open = async (name: RoleName, route: string, o: { hold?: boolean } = {}): Promise<{ r: Role; release?: () => void }> => {
    const r = await world.role(name);
    opened.push(r);
    await r.go(route);
    const release = o.hold ? r.wallet.holdReads() : undefined;
    await r.connect();
    return { r, release };
  };

  before(async function () {
    world = await startWorld();
    const file = join(world.workDir, "ana.ndjson");
    await writeSampleRecords(file, { subject: world.addresses.ana, bytes: 8_000 });
    await registerMembers(world, ["bank", "insurer", "lender"]);
    await registerDeviceKey(world, "insurer", "underwriting-laptop");
    datasetId = await publishDataset(world, { provider: "bank", subject: "ana", file });
    const ask = (kind: "temporary" | "formal", approvals: ("provider" | "supervisor")[]) =>
      request(world, { requester: "insurer", subject: "ana", datasetId, device: "underwriting-laptop", kind, approvals });
    // A temporary grant that runs out (2 h later), then the live ones.
    ids.expired = await ask("temporary", ["provider"]);
    await world.provider.send("evm_increaseTime", [2 * 3600]);
    await world.provider.send("evm_mine", []);
    ids.formal = await ask("formal", ["provider", "supervisor"]);
    ids.revoked = await ask("formal", ["provider", "supervisor"]);
    await revokeGrant(actAs(world, "supervisor"), { requestId: ids.revoked, reasonCode: 1 });
    ids.temporary = await ask("temporary", ["provider"]);
    // The lender was a member, and is suspended: its row offers Reinstate, not Suspend.
    await suspendMember(actAs(world, "supervisor"), { member: world.addresses.lender, reasonCode: 1 });
  });

  afterEach(async function () {
    if (this.currentTest?.state === "failed") for (const r of opened) await r.shot(`failed-roles-${r.name}`).catch(() => undefined);
    for (const r of opened.splice(0)) {
      expect(r.errors, `${r.name}'s page errors`).to.deep.equal([]);
      await r.context.close();
    }
  });

  after(async function () {
    await world?.stop();
  });

  for (const [name, route, empty] of [
    ["ana", "/subject", /nobody|not given any consent|No key to your data/i],
    ["insurer", "/requester", /No requests yet|not a member/i],
    ["bank", "/provider", /None yet|not a member|No requests yet/i],
    ["supervisor", "/supervisor", /Nothing waits|not a supervisor|No live grants|No members/i],
  ] as const) {
    it(`${route} while loading says "loading", offers no action and no empty list; then shows the data`, async function () {
      const { r, release } = await open(name, route, { hold: true });
      const loading = await waitForText(r.page.locator("[data-testid=loading]"), /Loading .* from the ledger/);
      expect(loading).to.match(/^Loading .* from the ledger…$/);
      const text = await r.page.locator("#app main").innerText();
      expect(text, "an empty list while loading").not.to.match(empty);
      if (route !== "/requester" && route !== "/subject") expect(await actionButtons(r).count(), "buttons while loading").to.equal(0);
      await r.shot(`roles-loading-${route.slice(1)}`);
      release!();
      await pageReady(r.page, route);
      expect(await r.page.locator("[data-testid=loading]").count()).to.equal(0);
    });
  }

  it("the supervisor page: the queue without the expired request, live grants with the temporary one, Suspend and Reinstate where they apply", async function () {
    const { r } = await open("supervisor", "/supervisor");
    await pageReady(r.page, "/supervisor");
    const queue = r.page.getByTestId("approval-queue");
    await waitForText(queue, new RegExp(`Request #${ids.temporary}\\b`));
    expect(await queue.locator("li[data-request]").evaluateAll((els) => els.map((e) => e.getAttribute("data-request")))).to.deep.equal([String(ids.temporary)]);
    const live = r.page.getByTestId("live-grants");
    expect((await live.locator("li[data-request]").evaluateAll((els) => els.map((e) => e.getAttribute("data-request")))).sort()).to.deep.equal(
      [String(ids.formal), String(ids.temporary)].sort(),
    );
    const member = (name: "bank" | "insurer" | "lender") => r.page.locator(`li[data-member="${world.addresses[name]}"]`);
    for (const active of ["bank", "insurer"] as const) {
      expect(await member(active).getByRole("button").allInnerTexts(), active).to.deep.equal(["Suspend"]);
    }
    expect(await member("lender").getByRole("button").allInnerTexts(), "a suspended member").to.deep.equal(["Reinstate"]);
    await r.shot("roles-member-supervisor");
  });

  it("the supervisor page for a non-supervisor explains and has no button", async function () {
    const { r } = await open("bank", "/supervisor");
    // The member's name from the chain arrives just after the first render (the config's, flagged
    // unverified, fills in until then): wait for the verified one.
    const said = await waitForText(r.page.getByTestId("not-supervisor"), /^Bank \(0x.{4}….{4}\) is not a supervisor/);
    expect(said).to.match(/^Bank \(0x.{4}….{4}\) is not a supervisor of this ledger, so there is nothing for you to decide here\./);
    expect(await actionButtons(r).count()).to.equal(0);
    expect(await r.page.getByTestId("approval-queue").count()).to.equal(0);
    await r.shot("roles-nonmember-supervisor");
  });

  it("the requester page: Fetch and decrypt only on live grants, none on the revoked or expired ones", async function () {
    const { r } = await open("insurer", "/requester");
    await pageReady(r.page, "/requester");
    await waitForText(r.request(ids.revoked), /revoked by Supervisor/);
    const fetchButtons = async (id: bigint) => r.request(id).getByRole("button", { name: `Fetch and decrypt request ${id}` }).count();
    expect(await fetchButtons(ids.formal), "formal").to.equal(1);
    expect(await fetchButtons(ids.temporary), "temporary").to.equal(1);
    expect(await fetchButtons(ids.revoked), "revoked").to.equal(0);
    expect(await fetchButtons(ids.expired), "expired").to.equal(0);
    expect(await r.request(ids.expired).getByTestId("request-status").innerText()).to.equal("expired");
    expect(await r.page.getByRole("button", { name: "Request access" }).count(), "a member may request").to.equal(1);
    await r.shot("roles-member-requester");
  });

  it("the requester and provider pages for a non-member say so, with nothing to request, encrypt or publish", async function () {
    const requester = (await open("auditor", "/requester")).r;
    expect(await waitForText(requester.page.getByTestId("not-member"), /not a member/)).to.match(/^Auditor \(0x.{4}….{4}, unverified\) is not a member institution of this ledger, so it cannot request data/);
    expect(await requester.page.getByRole("button", { name: "Request access" }).count()).to.equal(0);
    await requester.shot("roles-nonmember-requester");

    const provider = (await open("auditor", "/provider")).r;
    expect(await waitForText(provider.page.getByTestId("not-member"), /not a member/)).to.match(/Nothing has been encrypted or uploaded\.$/);
    expect(await provider.page.locator("input[type=file]").count(), "no file to choose").to.equal(0);
    expect(await actionButtons(provider).count()).to.equal(0);
    await provider.shot("roles-nonmember-provider");

    const suspended = (await open("lender", "/provider")).r;
    // Waits for the member's verified name: the config's (flagged unverified) shows until the chain's arrives.
    expect(await waitForText(suspended.page.getByTestId("not-member"), /^Lender \(0x.{4}….{4}\) is a suspended member: it cannot publish data/)).to.match(/^Lender \(0x.{4}….{4}\) is a suspended member: it cannot publish data/);
    expect(await actionButtons(suspended).count()).to.equal(0);
  });

  it("the provider page for a member: the publish form and its requests", async function () {
    const { r } = await open("bank", "/provider");
    await pageReady(r.page, "/provider");
    expect(await r.page.getByRole("button", { name: "Encrypt, upload and register" }).count()).to.equal(1);
    expect(await r.page.getByTestId("not-member").count()).to.equal(0);
    await r.shot("roles-member-provider");
  });

  it("the person's page: the dashboard above the form, data named by provider and category, a consent sent in one click that the requester's page opens", async function () {
    const { r: ana } = await open("ana", "/subject");
    await pageReady(ana.page, "/subject");
    const top = async (id: string) => (await ana.page.locator(`#${id}`).boundingBox())!.y;
    expect(await top("consents-title")).to.be.below(await top("give-title"));
    expect(await top("releases-title")).to.be.below(await top("give-title"));
    const main = await ana.page.locator("#app main").innerText();
    expect(main).not.to.match(/Dataset #\d/);
    expect(await ana.request(ids.formal).locator("div").first().innerText()).to.equal(
      `Insurer (${world.addresses.insurer.slice(0, 6)}…${world.addresses.insurer.slice(-4)}) asked for deposit data from Bank (dataset #${datasetId}) for underwriting — formal access for 7 days.`,
    );
    expect(await ana.page.locator("#c-dataset option").first().innerText()).to.equal(`your deposit data from Bank (dataset #${datasetId})`);
    await ana.shot("roles-member-subject");

    await ana.page.getByLabel("Requester's address").fill(world.addresses.insurer);
    await ana.page.getByRole("button", { name: "Sign consent (no gas)" }).click();
    const send = ana.page.getByTestId("send-consent");
    await send.waitFor();
    expect(await send.innerText()).to.match(/^Send to Insurer \(0x.{4}….{4}\) by e-mail$/);
    const mail = new URL((await send.getAttribute("href"))!);
    expect(mail.protocol).to.equal("mailto:");
    const link = /https?:\/\/\S+#\/requester\?consent=[A-Za-z0-9_-]+/.exec(decodeURIComponent(mail.searchParams.get("body")!))?.[0];
    expect(link, "the mail carries the link").to.be.a("string");
    expect(link).to.equal(await ana.page.getByLabel("The link you send").inputValue());
    await ana.shot("roles-subject-signed");

    // The requester, in another browser, opens the link: the signed consent is in the form.
    const { r: insurer } = await open("insurer", "/requester");
    await insurer.page.goto(link!);
    await insurer.page.getByRole("button", { name: "Request access" }).waitFor();
    expect(await insurer.page.locator("#r-consent").inputValue()).to.equal(link);
  });

  it("the person's page for someone with no data says so once loaded", async function () {
    const { r } = await open("auditor", "/subject");
    await waitForText(r.page.locator("#app main"), /not given any consent/);
    expect(await r.page.locator("[data-testid=loading]").count()).to.equal(0);
    expect(await r.page.locator("#app main").innerText()).to.match(/No key to your data has been released to anyone\./);
    await r.shot("roles-nonmember-subject");
  });

  it("remembers the requester's device name per wallet (chain, ledger and address), and no other wallet gets it", async function () {
    const { r } = await open("insurer", "/requester");
    await r.page.getByLabel("Device name").fill("underwriting-laptop");
    await r.page.getByLabel("Device name").press("Tab");
    await r.page.reload();
    await r.page.getByTestId("account").waitFor(); // the wallet stays connected across the reload
    await waitForText(r.page.getByTestId("key-status"), /registered as key|key #\d+ is registered/);
    expect(await r.page.getByLabel("Device name").inputValue()).to.equal("underwriting-laptop");
    const stored = (await r.page.evaluate("JSON.stringify(localStorage)")) as string;
    const key = `sealshare:device-name:${world.deployment.chainId}:${world.deployment.ledger.toLowerCase()}:${world.addresses.insurer.toLowerCase()}`;
    expect(JSON.parse(stored)).to.deep.include({ [key]: "underwriting-laptop" });

    const other = (await open("lender", "/requester")).r;
    expect(await other.page.getByLabel("Device name").inputValue()).to.equal("browser");
  });
});
