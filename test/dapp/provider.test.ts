/**
 * The provider's page in a real browser (Debian's Chromium, playwright-core), with a screenshot
 * of each state in test-results/screenshots/provider-*.png:
 *
 *  - after publishing, the form is empty (file, person, target): a second click publishes nothing;
 *  - a reason is a required choice wherever a decision records one (the provider's reject, the
 *    supervisor's suspend): nothing preset, and nothing sent until one is chosen;
 *  - transfer hands a dataset to another member (the ledger refuses a non-member, and the page
 *    says so); retire ends one, only after a second click that says what it does.
 *
 * What each case is not about (members, datasets, requests) is set up through the SDK (lib/seed.ts).
 */
import { expect } from "chai";
import { join } from "node:path";
import { connectLedger, type Sealshare } from "../../sdk/contracts.js";
import { MemberStatus, RequestStatus } from "../../sdk/vocabulary.js";
import { writeSampleRecords } from "../../devkit/sample-records.js";
import { REASON_REQUIRED } from "../../dapp/src/ui/reason-picker.js";
import { a11yProblems, pageReady, waitForText } from "./lib/page-checks.js";
import { publishDataset, registerDeviceKey, registerMembers, request } from "./lib/seed.js";
import { startWorld, type Role, type World } from "./lib/world.js";

describe("dapp: the provider's page — a clean form, required reasons, transfer and retire, in Chromium", function () {
  this.timeout(180_000);
  let world: World;
  let ledger: Sealshare;
  let bank: Role;
  let file: string;
  const ids = {} as Record<"decided" | "transferred" | "retired", bigint>;
  const opened: Role[] = [];

  const expectAccessible = async (r: Role) => {
    const { problems } = await a11yProblems(r.page);
    expect(problems, `${r.name}: ${problems.join("; ")}`).to.deep.equal([]);
  };

  before(async function () {
    world = await startWorld();
    ledger = connectLedger(world.deployment.ledger, world.provider);
    file = join(world.workDir, "ana.ndjson");
    await writeSampleRecords(file, { subject: world.addresses.ana, bytes: 8_000 });
    await registerMembers(world, ["bank", "insurer", "lender"]);
    await registerDeviceKey(world, "insurer", "underwriting-laptop");
    ids.decided = await publishDataset(world, { provider: "bank", subject: "ana", file });
    ids.transferred = await publishDataset(world, { provider: "bank", subject: "ana", file });
    ids.retired = await publishDataset(world, { provider: "bank", subject: "ana", file });
    bank = await world.role("bank");
    opened.push(bank);
    await bank.go("/provider");
    await bank.connect();
    await pageReady(bank.page, "/provider");
  });

  afterEach(async function () {
    if (this.currentTest?.state === "failed") for (const r of opened) await r.shot(`failed-provider-${r.name}`).catch(() => undefined);
    for (const r of opened) expect(r.errors, `${r.name}'s page errors`).to.deep.equal([]);
  });

  after(async function () {
    await world?.stop();
  });

  it("publishes a new dataset, then empties the form: a second click publishes nothing", async function () {
    const page = bank.page;
    await page.getByLabel("File").setInputFiles(file);
    await page.getByLabel("The person it is about").fill(world.addresses.ana);
    await page.getByRole("button", { name: "Encrypt, upload and register" }).click();
    const said = await waitForText(page.getByTestId("publish-result"), /is registered|refused|failed|error/i, 60_000);
    const published = BigInt(/Dataset #(\d+) version 1 is registered/.exec(said)?.[1] ?? "0");
    expect(published, said).to.equal(ids.retired + 1n);

    // Emptied: no file, no person, a new dataset again.
    expect(await page.getByLabel("File").inputValue()).to.equal("");
    expect(await page.getByLabel("The person it is about").inputValue()).to.equal("");
    expect(await page.getByLabel("Publish as").inputValue()).to.equal("new");
    await waitForText(page.getByTestId("my-datasets"), new RegExp(`Dataset #${published}:`));
    await bank.shot("provider-published-form-cleared");

    // A second click: the browser refuses the empty form, so nothing is encrypted or sent.
    const next = await ledger.nextDatasetId();
    await page.getByRole("button", { name: "Encrypt, upload and register" }).click();
    expect(await page.locator("#p-file").evaluate((el) => (el as HTMLInputElement).validity.valueMissing)).to.equal(true);
    expect(await page.locator("form").first().evaluate((el) => (el as HTMLFormElement).checkValidity())).to.equal(false);
    expect(await page.getByTestId("publish-result").innerText()).to.match(new RegExp(`Dataset #${published} version 1 is registered`));
    expect(await ledger.nextDatasetId()).to.equal(next);
  });

  it("rejects only with a reason the provider chose: nothing is preset, and nothing is sent before", async function () {
    const id = await request(world, { requester: "insurer", subject: "ana", datasetId: ids.decided, device: "underwriting-laptop" });
    const row = bank.request(id);
    await waitForText(row, /waiting for the provider's approval/);
    const reason = row.getByLabel(`Reason for request ${id}`, { exact: true });
    expect(await reason.inputValue(), "no reason preset").to.equal("");
    await expectAccessible(bank);

    await row.getByRole("button", { name: `Reject request ${id}` }).click();
    await waitForText(row, new RegExp(REASON_REQUIRED.slice(0, 30)));
    expect(await reason.getAttribute("aria-invalid")).to.equal("true");
    expect(await reason.evaluate((el) => el === document.activeElement), "the focus moves to the list").to.equal(true);
    await bank.shot("provider-reason-required");
    expect(Number((await ledger.requestOf(id)).status)).to.equal(RequestStatus.Pending);
    expect(await ledger.queryFilter(ledger.filters.AccessRejected(id))).to.deep.equal([]);

    await reason.selectOption({ label: "purpose not justified" });
    expect(await reason.getAttribute("aria-invalid"), "a choice clears the complaint").to.equal(null);
    await row.getByRole("button", { name: `Reject request ${id}` }).click();
    await waitForText(bank.page.getByTestId("decision-result"), new RegExp(`You rejected request #${id}`));
    const [event] = await ledger.queryFilter(ledger.filters.AccessRejected(id));
    expect([event!.args.by, Number(event!.args.reasonCode)]).to.deep.equal([world.addresses.bank, 1]);
  });

  it("the supervisor's Suspend asks for a reason too, and suspends nobody without one", async function () {
    const sup = await world.role("supervisor");
    opened.push(sup);
    await sup.go("/supervisor");
    await sup.connect();
    await pageReady(sup.page, "/supervisor");
    const member = sup.page.locator(`li[data-member="${world.addresses.insurer}"]`);
    expect(await member.getByLabel("Suspension reason").inputValue(), "no reason preset").to.equal("");
    await member.getByRole("button", { name: /^Suspend Insurer/ }).click();
    await waitForText(member, new RegExp(REASON_REQUIRED.slice(0, 30)));
    await sup.shot("provider-supervisor-suspension-reason-required");
    expect(Number((await ledger.memberOf(world.addresses.insurer)).status)).to.equal(MemberStatus.Active);
  });

  it("transfers a dataset to another member; a non-member is refused by the ledger, and the page says so", async function () {
    const id = ids.transferred;
    const row = bank.page.locator(`li[data-dataset="${id}"]`);
    const to = row.getByLabel(`New provider for dataset #${id}`);
    await to.fill(world.addresses.auditor); // not a member
    await row.getByRole("button", { name: `Transfer dataset #${id}`, exact: true }).click();
    const refused = await waitForText(bank.page.getByTestId("stewardship-result"), /refused|not|error/i, 30_000);
    expect(refused).to.match(/MembersNotActive|not an active member|not a member/i);
    expect((await ledger.dataset(id)).provider).to.equal(world.addresses.bank);

    await to.fill(world.addresses.lender);
    await row.getByRole("button", { name: `Transfer dataset #${id}`, exact: true }).click();
    expect(await waitForText(bank.page.getByTestId("stewardship-result"), /is now/, 30_000)).to.match(new RegExp(`Dataset #${id} is now Lender \\(0x.{4}….{4}\\)'s`));
    expect((await ledger.dataset(id)).provider).to.equal(world.addresses.lender);
    await row.waitFor({ state: "detached" }); // no longer the bank's to steward
    expect(await bank.page.locator(`#p-target option[value="${id}"]`).count(), "no new version of a dataset it gave away").to.equal(0);
    await bank.shot("provider-transferred");
  });

  it("retires a dataset only after a second click that says what retiring does", async function () {
    const id = ids.retired;
    const row = bank.page.locator(`li[data-dataset="${id}"]`);
    await row.getByRole("button", { name: `Retire dataset #${id}`, exact: true }).click();
    expect(await waitForText(row.getByTestId("confirm-retire"), /cannot be undone/)).to.match(/no new requests or versions, and every live grant on it stops at once/);
    await bank.shot("provider-confirm-retire");
    expect((await ledger.dataset(id)).retired, "the first click sends nothing").to.equal(false);
    await row.getByRole("button", { name: `Keep dataset #${id}` }).click();
    expect(await row.getByTestId("confirm-retire").count()).to.equal(0);
    expect((await ledger.dataset(id)).retired).to.equal(false);

    await row.getByRole("button", { name: `Retire dataset #${id}`, exact: true }).click();
    await row.getByRole("button", { name: `Yes, retire dataset #${id}` }).click();
    await waitForText(bank.page.getByTestId("stewardship-result"), new RegExp(`Dataset #${id} is retired`), 30_000);
    expect((await ledger.dataset(id)).retired).to.equal(true);
    await row.getByTestId("dataset-retired").waitFor();
    expect(await row.getByRole("button").count(), "nothing left to do with a retired dataset").to.equal(0);
    expect(await bank.page.locator(`#p-target option[value="${id}"]`).count(), "no new version of a retired dataset").to.equal(0);
    await bank.shot("provider-retired");
  });
});
