/**
 * Every role's page in the states roles.test.ts does not reach, in a real browser (Debian's
 * Chromium, playwright-core), with a screenshot of each in test-results/screenshots/role-pages-*.png.
 * Together with roles.test.ts (member, non-member and loading for the subject's, requester's,
 * provider's and supervisor's pages) and auditor.test.ts (the auditor's page: loading, no wallet)
 * every role page is covered as a member, as a non-member, while loading — and here:
 *
 *  - before a wallet is connected: the page says what the wallet is for and offers only "Connect
 *    wallet" (nothing to sign, publish or decide, no list that would read as "nothing happened");
 *  - as a suspended member: the requester's and the provider's pages say "suspended" and offer
 *    nothing the ledger would refuse (no request, no file to encrypt); the supervisor's page for a
 *    suspended member explains it is not a supervisor's.
 *
 * What the pages show is set up through the SDK (lib/seed.ts).
 */
import { expect } from "chai";
import { suspendMember } from "../../sdk/actions/suspend-member.js";
import { waitForText } from "./lib/page-checks.js";
import { actAs, registerMembers } from "./lib/seed.js";
import { startWorld, type Role, type RoleName, type World } from "./lib/world.js";

/** A page's controls (the header's wallet controls aside). */
const mainButtons = (r: Role) => r.page.locator("#app main button, #app main a.button");

describe("dapp: every role page with no wallet and as a suspended member, in Chromium", function () {
  this.timeout(180_000);
  let world: World;
  const opened: Role[] = [];

  const open = async (name: RoleName, route: string, o: { connect?: boolean } = {}): Promise<Role> => {
    const r = await world.role(name);
    opened.push(r);
    await r.go(route);
    if (o.connect !== false) await r.connect();
    return r;
  };

  before(async function () {
    world = await startWorld();
    await registerMembers(world, ["bank", "insurer", "lender"]);
    await suspendMember(actAs(world, "supervisor"), { member: world.addresses.lender, reasonCode: 102 });
  });

  afterEach(async function () {
    if (this.currentTest?.state === "failed") for (const r of opened) await r.shot(`failed-role-pages-${r.name}`).catch(() => undefined);
    for (const r of opened.splice(0)) {
      expect(r.errors, `${r.name}'s page errors`).to.deep.equal([]);
      await r.context.close();
    }
  });

  after(async function () {
    await world?.stop();
  });

  for (const [name, route, purpose] of [
    ["ana", "/subject", /Connect your wallet to see and manage who may use your data\./],
    ["insurer", "/requester", /Connect your wallet to request data\./],
    ["bank", "/provider", /Connect your wallet to publish data and decide on requests\./],
    ["supervisor", "/supervisor", /Connect your wallet to supervise\./],
  ] as const) {
    it(`${route} before a wallet is connected says what it is for and offers only "Connect wallet"`, async function () {
      const r = await open(name, route, { connect: false });
      const main = await waitForText(r.page.locator("#app main"), purpose);
      expect(await mainButtons(r).allInnerTexts(), "controls before a wallet is connected").to.deep.equal(["Connect wallet"]);
      expect(await r.page.locator("#app main input[type=file]").count(), "no file to choose").to.equal(0);
      expect(await r.page.locator("[data-testid=loading]").count(), "nothing is loading for nobody").to.equal(0);
      expect(main, "an empty list before anyone is connected").not.to.match(/None yet|No requests yet|Nothing waits|not given any consent/i);
      await r.shot(`role-pages-no-wallet-${route.slice(1)}`);
    });
  }

  it("the requester's page for a suspended member says so and offers no request", async function () {
    const r = await open("lender", "/requester");
    const said = await waitForText(r.page.getByTestId("not-member"), /suspended/);
    expect(said).to.match(/^Lender \(0x.{4}….{4}\) is a suspended member/);
    expect(await r.page.getByRole("button", { name: "Request access" }).count()).to.equal(0);
    await r.shot("role-pages-suspended-requester");
  });

  it("the provider's page for a suspended member says so, with nothing to encrypt, publish or decide", async function () {
    const r = await open("lender", "/provider");
    const said = await waitForText(r.page.getByTestId("not-member"), /suspended/);
    expect(said).to.match(/^Lender \(0x.{4}….{4}\) is a suspended member: it cannot publish data or decide on requests until a supervisor reinstates it\./);
    expect(await r.page.locator("input[type=file]").count()).to.equal(0);
    expect(await mainButtons(r).count()).to.equal(0);
    await r.shot("role-pages-suspended-provider");
  });

  it("the supervisor's page for a suspended member explains it has nothing to decide", async function () {
    const r = await open("lender", "/supervisor");
    // Waits for the member's verified name: the config's (flagged unverified) shows until the chain's arrives.
    expect(await waitForText(r.page.getByTestId("not-supervisor"), /^Lender \(0x.{4}….{4}\) is not a supervisor of this ledger/)).to.match(/^Lender \(0x.{4}….{4}\) is not a supervisor of this ledger/);
    expect(await mainButtons(r).count()).to.equal(0);
    await r.shot("role-pages-suspended-supervisor");
  });
});
