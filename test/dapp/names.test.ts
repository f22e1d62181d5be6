/**
 * Names, not hex, in the dapp (Debian's Chromium, playwright-core), with screenshots in
 * test-results/screenshots/names-*.png:
 *  - the supervisor registers a member with a display name through the page; the name goes into
 *    the member's record on chain, and the page then lists the member by it, as verified;
 *  - a member's name on every page is the chain's, even where the deployment config says
 *    otherwise; a name only the config gives (a non-member's) is flagged "unverified";
 *  - the requester name inside a consent-ask link is the link sender's word: flagged, and the
 *    chain's name wins when there is one (the config's, also flagged, comes before the link's).
 */
import { expect } from "chai";
import { Wallet } from "ethers";
import { registerMember } from "../../sdk/actions/register-member.js";
import { connectLedger } from "../../sdk/contracts.js";
import { waitForText } from "./lib/page-checks.js";
import { actAs } from "./lib/seed.js";
import { startWorld, type Role, type RoleName, type World } from "./lib/world.js";
import { askLink } from "../../dapp/src/lib/consent-share.js";

const short = (a: string) => `${a.slice(0, 6)}…${a.slice(-4)}`;
const re = (text: string) => new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));

describe("dapp: member names from the chain, in Chromium", function () {
  this.timeout(180_000);
  let world: World;
  const opened: Role[] = [];

  const open = async (name: RoleName, route: string): Promise<Role> => {
    const r = await world.role(name);
    opened.push(r);
    await r.go(route);
    await r.connect();
    return r;
  };

  before(async function () {
    world = await startWorld();
    // The deployment config (lib/world.ts) calls this account "Insurer"; its record on chain says otherwise.
    await registerMember(actAs(world, "supervisor"), { member: world.addresses.insurer, kycRef: "KYC-insurer", name: "Insurer Mutual" });
  });

  afterEach(async function () {
    if (this.currentTest?.state === "failed") for (const r of opened) await r.shot(`failed-names-${r.name}`).catch(() => undefined);
    for (const r of opened.splice(0)) {
      expect(r.errors, `${r.name}'s page errors`).to.deep.equal([]);
      await r.context.close();
    }
  });

  after(async function () {
    await world?.stop();
  });

  it("the supervisor registers a member with a display name; the page lists it by that name, verified", async function () {
    const sup = await open("supervisor", "/supervisor");
    await sup.page.getByLabel("Institution's address").fill(world.addresses.bank);
    await sup.page.getByLabel("Display name").fill("Acme Bank");
    await sup.page.getByLabel("KYC reference").fill("KYC-ACME");
    await sup.page.getByRole("button", { name: "Register member" }).click();
    expect(await waitForText(sup.page.getByTestId("member-result"), /Registered/)).to.include(`Registered Acme Bank (${short(world.addresses.bank)}).`);

    const ledger = connectLedger(world.deployment.ledger, world.provider);
    const events = await ledger.queryFilter(ledger.filters.MemberRegistered(world.addresses.bank));
    expect(events.map((e) => e.args.metadataURI)).to.deep.equal(["data:application/json,%7B%22name%22%3A%22Acme%20Bank%22%7D"]);

    const bankRow = sup.page.locator(`[data-testid=members] li[data-member="${world.addresses.bank}"]`);
    expect(await waitForText(bankRow, re(`Acme Bank (${short(world.addresses.bank)})`))).to.not.include("unverified");
    const insurerRow = sup.page.locator(`[data-testid=members] li[data-member="${world.addresses.insurer}"]`);
    expect(await waitForText(insurerRow, re(`Insurer Mutual (${short(world.addresses.insurer)})`))).to.not.include("unverified");
    // The supervisor is no member: the config's name for it is all there is, flagged.
    expect((await sup.page.getByTestId("account").innerText()).trim()).to.equal(`Supervisor (${short(world.addresses.supervisor)}, unverified)`);
    await sup.shot("names-supervisor");
  });

  it("every page names a member by its record on chain, not by the config", async function () {
    const insurer = await open("insurer", "/requester");
    const header = insurer.page.getByTestId("account");
    expect(await waitForText(header, /Insurer Mutual/)).to.equal(`Insurer Mutual (${short(world.addresses.insurer)})`);
    await insurer.shot("names-requester");
  });

  it("a consent-ask link's requester name is flagged, and the chain's name wins", async function () {
    const ana = await open("ana", "/subject");
    const link = (requester: string, requesterName: string) =>
      askLink(world.server.url + "/", { requester, requesterName, datasetId: "0", category: 0, purpose: 1, maxKind: 2, days: 7 });
    const stranger = Wallet.createRandom().address; // neither a member nor in the config
    await ana.page.goto(link(stranger, "Lender Trust"));
    const asked = ana.page.getByTestId("ask-requester");
    expect(await waitForText(asked, /Lender Trust/)).to.equal(`Lender Trust (${stranger}, unverified)`);
    expect(await ana.page.getByTestId("consent-ask").innerText()).to.include("for 7 days");
    await ana.shot("names-ask-unverified");

    await ana.page.goto(link(world.addresses.insurer, "Totally Not Insurer Mutual"));
    await ana.page.reload();
    expect(await waitForText(ana.page.getByTestId("ask-requester"), /Insurer Mutual \(/)).to.equal(`Insurer Mutual (${world.addresses.insurer})`);
  });
});
