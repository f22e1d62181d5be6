/**
 * The auditor's page (issue 15 item 10) in a real browser (Debian's Chromium, driven by
 * playwright-core) against the real chain, custodian and built dapp, opened in a browser context
 * with NO injected wallet: nothing to connect is offered, and everything is read through the
 * deployment's public JSON-RPC endpoint.
 *
 *  - a loading state while the ledger's events are read;
 *  - each event in words (the SDK's sentences, with names), its time in ISO 8601 UTC;
 *  - each filter (dataset, person, institution, kind of event, dates) narrows to exactly the rows
 *    the SDK's readAuditTimeline returns for the same filter, read here outside the browser;
 *  - paging, 20 events a page;
 *  - CSV and JSON downloads byte for byte what sdk/audit/export.ts makes of those rows;
 *  - "Verify everything" (verifyLedger) lists no violation on an honest ledger, and names the
 *    violation once the custodian records a key release after the grant was revoked.
 *
 * The ledger is seeded through the SDK (lib/seed.ts); the last request is made three days
 * (of chain time) after the others, for the date filter. The custodian is stopped once the keys
 * are deposited, so the ledger holds no key release but the one the last test records.
 */
import { expect } from "chai";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { id, Wallet } from "ethers";
import type { BrowserContext, Page } from "playwright-core";
import { readAuditTimeline } from "../../sdk/actions/read-audit-timeline.js";
import { revokeGrant } from "../../sdk/actions/revoke-grant.js";
import type { SealshareContext } from "../../sdk/actions/context.js";
import { eventLabel } from "../../sdk/audit/event-kinds.js";
import type { TimelineFilters } from "../../sdk/audit/filter.js";
import { timelineToCsv, timelineToJson } from "../../sdk/audit/export.js";
import type { TimelineEntry } from "../../sdk/audit/timeline.js";
import { verifyLedger } from "../../sdk/audit/verify.js";
import { connectLedger } from "../../sdk/contracts.js";
import { when } from "../../sdk/format.js";
import { writeSampleRecords } from "../../devkit/sample-records.js";
import { waitForText } from "./lib/page-checks.js";
import { actAs, publishDataset, registerDeviceKey, registerMembers, request } from "./lib/seed.js";
import { SCREENSHOTS, startWorld, type World } from "./lib/world.js";

/** Hardhat account #6: the custodian (lib/world.ts). */
const CUSTODIAN = 6;
const DAY = 86_400;

type Row = [time: string, kind: string, words: string];

describe("dapp: the auditor's page, with no wallet, in Chromium", function () {
  this.timeout(240_000);
  let world: World;
  let context: BrowserContext;
  let page: Page;
  const errors: string[] = [];
  let reads: SealshareContext;
  let all: TimelineEntry[];
  let datasetA: bigint;
  let datasetB: bigint;
  let granted: bigint;
  let laterDay: string;

  /** What the SDK keeps for `f`, read outside the browser. */
  const expected = async (f: TimelineFilters = {}) => (await readAuditTimeline(reads, { ...f, names: world.config.names as Record<string, string>, timeline: all })).entries;
  const rowsOf = (entries: TimelineEntry[]): Row[] => entries.map((e) => [when(e.timestamp!), eventLabel(e.event), e.summary]);

  /** Every row the page shows, page after page (then back to the first page). */
  async function shownRows(): Promise<Row[]> {
    const rows: Row[] = [];
    for (;;) {
      rows.push(
        ...(await page.locator("[data-testid=timeline] tbody tr").evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll("td")).slice(0, 3).map((td) => (td as HTMLElement).innerText.trim()) as Row))),
      );
      const next = page.getByRole("button", { name: "Next page" });
      if ((await next.count()) === 0 || (await next.isDisabled())) break;
      const status = await page.getByTestId("page-status").innerText();
      await next.click();
      await page.waitForFunction((before) => document.querySelector("[data-testid=page-status]")?.textContent?.trim() !== before, status.trim());
    }
    return rows;
  }

  /** Sets the filter form to `choice` (label → option value or date), applies it, and waits for `count` rows. */
  async function filter(choice: Record<string, string>, count: number): Promise<void> {
    await page.getByRole("button", { name: "Clear filters" }).click();
    for (const [label, value] of Object.entries(choice)) {
      const field = page.getByLabel(label, { exact: label === "Dataset" });
      if ((await field.getAttribute("type")) === "date") await field.fill(value);
      else await field.selectOption(value);
    }
    await page.getByRole("button", { name: "Apply filters" }).click();
    await waitForText(page.locator("[data-testid=page-status], [data-testid=no-events]"), count ? new RegExp(`of ${count} · page 1 of`) : /No events match/);
  }

  before(async function () {
    world = await startWorld();
    reads = { ledger: connectLedger(world.deployment.ledger, world.provider), fromBlock: world.deployment.deployBlock };
    const file = join(world.workDir, "records.ndjson");
    await writeSampleRecords(file, { subject: world.addresses.ana, bytes: 20_000 });
    await registerMembers(world, ["bank", "insurer", "lender"]);
    await registerDeviceKey(world, "insurer", "insurer-laptop");
    await registerDeviceKey(world, "lender", "lender-server");
    datasetA = await publishDataset(world, { provider: "bank", subject: "ana", file });
    datasetB = await publishDataset(world, { provider: "bank", subject: "auditor", file });
    // The keys are deposited; the custodian stops here, so it delivers no key on its own (its
    // KeyReleased receipts would land at times of its choosing, racing the clock jump below).
    // The last test records a release with the custodian's account itself.
    await world.custodian.stop();
    granted = await request(world, { requester: "insurer", subject: "ana", datasetId: datasetA, device: "insurer-laptop", approvals: ["provider", "supervisor"] });
    await request(world, { requester: "lender", subject: "ana", datasetId: datasetA, device: "lender-server", approvals: ["provider"] });
    await world.provider.send("evm_increaseTime", [3 * DAY]);
    await world.provider.send("evm_mine", []);
    await request(world, { requester: "insurer", subject: "auditor", datasetId: datasetB, device: "insurer-laptop" });
    all = (await readAuditTimeline(reads, { names: world.config.names as Record<string, string> })).all;
    laterDay = when(all.at(-1)!.timestamp!).slice(0, 10);

    context = await world.browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error" && !/Failed to load resource/.test(m.text())) errors.push(`console: ${m.text()}`);
    });
  });

  after(async function () {
    await context?.close();
    await world?.stop();
  });

  it("shows a loading state while it reads the ledger, with no wallet and none offered", async function () {
    // Hold the JSON-RPC answers until the loading state has been seen.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const rpc = String(world.config.rpcUrl);
    await page.route((url) => url.href.startsWith(rpc), async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(`${world.server.url}/#/auditor`);
    await page.getByRole("heading", { level: 2, name: "Audit" }).waitFor();
    expect(await page.getByTestId("timeline-loading").innerText()).to.equal("Reading the ledger's events…");
    expect(await page.getByTestId("timeline").count()).to.equal(0);
    await page.screenshot({ path: join(SCREENSHOTS, "auditor-loading.png"), fullPage: true });
    release();
    await page.getByTestId("timeline").waitFor();
    await page.unroute((url) => url.href.startsWith(rpc));

    expect(await page.evaluate(() => "ethereum" in window)).to.equal(false);
    expect(await page.getByTestId("connect").count()).to.equal(0);
    expect(await page.getByRole("button", { name: /connect|wallet/i }).count()).to.equal(0);
    expect(await page.locator("header").innerText()).to.include("Read-only: no wallet needed");
  });

  it("says each event in words, its time in UTC, page by page", async function () {
    expect(all.length).to.be.greaterThan(20).and.at.most(40);
    expect(await page.getByTestId("page-status").innerText()).to.equal(`Events 1–20 of ${all.length} · page 1 of 2`);
    expect(await page.locator("[data-testid=timeline] tbody tr").count()).to.equal(20);
    const rows = await shownRows();
    expect(rows).to.deep.equal(rowsOf(all));
    expect(await page.getByTestId("page-status").innerText()).to.equal(`Events 21–${all.length} of ${all.length} · page 2 of 2`);
    // Names, not hex: the Insurer's granted request, in the SDK's words.
    const asked = rows.find((r) => r[1] === "Access requested");
    expect(asked).to.deep.equal([when(all.find((e) => e.event === "AccessRequested")!.timestamp!), "Access requested", `Insurer (${world.addresses.insurer.slice(0, 6)}…${world.addresses.insurer.slice(-4)}) requested dataset #${datasetA} for underwriting, formal, 7 days (request #${granted})`]);
    expect(rows.every((r) => /^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/.test(r[0]))).to.equal(true);
    await page.getByRole("button", { name: "Previous page" }).click();
    await waitForText(page.getByTestId("page-status"), /^Events 1–20 of/);
    await page.screenshot({ path: join(SCREENSHOTS, "auditor.png"), fullPage: true });
  });

  it("narrows to exactly the SDK's rows for each filter: dataset, person, institution, kind of event, dates", async function () {
    const cases: { choice: Record<string, string>; filters: TimelineFilters; }[] = [
      { choice: { Dataset: String(datasetB) }, filters: { datasetId: datasetB } },
      { choice: { "Person (subject)": world.addresses.auditor }, filters: { subject: world.addresses.auditor } },
      { choice: { "Institution (requester)": world.addresses.lender }, filters: { requester: world.addresses.lender } },
      { choice: { "Kind of event": "AccessApproved" }, filters: { events: ["AccessApproved"] } },
      { choice: { "From (UTC day)": laterDay, "To (UTC day, included)": laterDay }, filters: { from: Date.parse(`${laterDay}T00:00:00Z`) / 1000, to: Date.parse(`${laterDay}T23:59:59Z`) / 1000 } },
      { choice: { Dataset: String(datasetA), "Institution (requester)": world.addresses.insurer, "Kind of event": "AccessGranted" }, filters: { datasetId: datasetA, requester: world.addresses.insurer, events: ["AccessGranted"] } },
    ];
    for (const c of cases) {
      const want = await expected(c.filters);
      expect(want.length, JSON.stringify(c.choice)).to.be.greaterThan(0).and.lessThan(all.length);
      await filter(c.choice, want.length);
      expect(await shownRows(), JSON.stringify(c.choice)).to.deep.equal(rowsOf(want));
    }
    // The rows the date filter keeps are exactly the last request's, three days later.
    expect((await expected({ from: Date.parse(`${laterDay}T00:00:00Z`) / 1000 })).map((e) => e.event)).to.deep.equal(["ConsentGiven", "AccessRequested"]);
    // Exactly the Lender's: its membership, its key, its consent, its request, the provider's approval and the temporary grant it gave.
    expect((await expected({ requester: world.addresses.lender })).map((e) => e.event)).to.deep.equal(["MemberRegistered", "EncryptionKeyPublished", "ConsentGiven", "AccessRequested", "AccessApproved", "AccessGranted"]);
  });

  it("downloads the filtered rows as CSV and as JSON, exactly as sdk/audit/export.ts writes them", async function () {
    const want = await expected({ datasetId: datasetA });
    await filter({ Dataset: String(datasetA) }, want.length);
    const [csv] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-csv").click()]);
    expect(csv.suggestedFilename()).to.equal("sealshare-timeline.csv");
    expect(await readFile(await csv.path(), "utf8")).to.equal(timelineToCsv(want));
    const [json] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-json").click()]);
    expect(json.suggestedFilename()).to.equal("sealshare-timeline.json");
    const text = await readFile(await json.path(), "utf8");
    expect(text).to.equal(JSON.stringify(timelineToJson(want), null, 2) + "\n");
    expect((JSON.parse(text) as { event: string }[]).map((e) => e.event)).to.deep.equal(want.map((e) => e.event));
  });

  it("verifies everything: no violation on an honest ledger", async function () {
    const report = await verifyLedger({ ledger: reads.ledger, provider: world.provider, fromBlock: world.deployment.deployBlock });
    expect([report.violations, report.checked.grants]).to.deep.equal([[], all.filter((e) => e.event === "AccessGranted").length]);
    await page.getByTestId("verify").click();
    expect(await waitForText(page.getByTestId("verify-verdict"), /found/)).to.equal("No violations found.");
    expect(await page.getByTestId("violations").count()).to.equal(0);
    expect(await page.getByTestId("verify-report").innerText()).to.include(`Grants: ${report.checked.grants} grant(s) and 0 key release(s) replayed against the rules.`);
  });

  it("verifies everything: a key released after the grant was revoked is listed by name, with its transaction", async function () {
    await revokeGrant(actAs(world, "bank"), { requestId: granted, reasonCode: 1 });
    const custodian = connectLedger(world.deployment.ledger, new Wallet(world.chain.accounts[CUSTODIAN]!, world.provider));
    const tx = await (await custodian.recordRelease(granted, 2, id("late envelope"))).wait();
    const report = await verifyLedger({ ledger: reads.ledger, provider: world.provider, fromBlock: world.deployment.deployBlock });
    expect(report.violations.map((v) => [v.code, v.txHash])).to.deep.equal([["RELEASE_AFTER_INVALIDATION", tx!.hash]]);

    await page.getByTestId("verify").click();
    expect(await waitForText(page.getByTestId("verify-verdict"), /found/)).to.equal("1 violation found.");
    const items = page.locator("[data-testid=violations] li");
    expect(await items.count()).to.equal(1);
    expect(await items.first().getAttribute("data-violation")).to.equal("RELEASE_AFTER_INVALIDATION");
    const text = (await items.first().innerText()).replace(/\s+/g, " ");
    expect(text).to.equal(`RELEASE_AFTER_INVALIDATION (grant check): ${report.violations[0]!.message} · transaction ${tx!.hash.slice(0, 10)}…`);
    expect(await items.first().locator("a").getAttribute("href")).to.equal(`https://explorer.example/tx/${tx!.hash}`);
    await page.screenshot({ path: join(SCREENSHOTS, "auditor-violation.png"), fullPage: true });
    expect(errors).to.deep.equal([]);
  });
});
