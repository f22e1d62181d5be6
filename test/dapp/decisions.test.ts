/**
 * The provider's and the supervisor's decisions in a real browser (Debian's Chromium, driven by
 * playwright-core), each from its own page and wallet, and what the requester and the person
 * then see on theirs: a provider's rejection, a supervisor's rejection with a reason (by
 * keyboard alone), a supervisor revoking a live grant, suspending and reinstating a member, and
 * a provider publishing a new version of a dataset from a file chosen in the browser.
 *
 * What each case is not about (members, device keys, the first dataset, consents, requests and
 * approvals) is set up through the SDK (lib/seed.ts); story.test.ts does those steps in the
 * browser. The cases share one world and run in order, each on requests of its own.
 */
import { expect } from "chai";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { connectLedger, type Sealshare } from "../../sdk/contracts.js";
import { formatIdOf } from "../../sdk/convert/records.js";
import { GrantInvalidReason, RequestStatus } from "../../sdk/vocabulary.js";
import { toConsentFile, toJson } from "../../dapp/src/lib/consent-share.js";
import { writeSampleRecords } from "../../devkit/sample-records.js";
import { a11yProblems, waitForText } from "./lib/page-checks.js";
import { requestAccess } from "../../sdk/actions/request-access.js";
import { actAs, consentFor, publishDataset, registerDeviceKey, registerMembers, request } from "./lib/seed.js";
import { startWorld, type Role, type World } from "./lib/world.js";
import { StreamRootHasher } from "../../sdk/stream/index.js";
import { nodeSha256 } from "../../sdk/blob/content-hash.js";

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

type Cast = "supervisor" | "bank" | "insurer" | "lender" | "ana";
const PAGES: [Cast, string][] = [
  ["supervisor", "/supervisor"],
  ["bank", "/provider"],
  ["insurer", "/requester"],
  ["lender", "/requester"],
  ["ana", "/subject"],
];

describe("dapp: the provider's and the supervisor's decisions, in Chromium", function () {
  this.timeout(180_000);
  let world: World;
  let ledger: Sealshare;
  const roles = {} as Record<Cast, Role>;
  let datasetId: bigint;
  let records: Buffer;

  /** Every input labelled, every control named and reachable, text at 4.5:1 — in the state the page is in now. */
  const expectAccessible = async (r: Role) => {
    const { problems } = await a11yProblems(r.page);
    expect(problems, `${r.name}: ${problems.join("; ")}`).to.deep.equal([]);
  };
  const expectNoPageErrors = () => {
    for (const r of Object.values(roles)) expect(r.errors, `${r.name}'s page errors`).to.deep.equal([]);
  };
  /** Fetches request `id` "as stored" on the requester's page; the downloaded file's name and bytes. */
  const download = async (r: Role, id: bigint) => {
    const row = r.request(id);
    await row.getByLabel("Format").selectOption("original");
    const [file] = await Promise.all([r.page.waitForEvent("download", { timeout: 60_000 }), row.getByRole("button", { name: `Fetch and decrypt request ${id}` }).click()]);
    await waitForText(row.getByTestId("fetch-result"), /Decrypted/);
    return { name: file.suggestedFilename(), bytes: await readFile((await file.path())!) };
  };

  before(async function () {
    this.timeout(180_000);
    world = await startWorld();
    ledger = connectLedger(world.deployment.ledger, world.provider);
    const file = join(world.workDir, "ana.ndjson");
    await writeSampleRecords(file, { subject: world.addresses.ana, bytes: 64_000 });
    records = await readFile(file);
    await registerMembers(world, ["bank", "insurer", "lender"]);
    await registerDeviceKey(world, "insurer", "underwriting-laptop");
    await registerDeviceKey(world, "lender", "credit-desk");
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
      if (r.page.url().startsWith("http")) await r.shot(`failed-decisions-${r.name}`).catch(() => undefined);
    }
  });

  after(async function () {
    await world?.stop();
  });

  it("the provider rejects a request with a reason: the requester and the person see it rejected, by whom and why", async function () {
    const { bank, insurer, ana } = roles;
    const id = await request(world, { requester: "insurer", subject: "ana", datasetId, device: "underwriting-laptop" });

    const row = bank.request(id);
    await waitForText(row, /waiting for the provider's approval/);
    await expectAccessible(bank); // with the Approve / Reason / Reject controls on screen
    await row.getByLabel("Reason").selectOption({ label: "more data than needed" });
    await row.getByRole("button", { name: `Reject request ${id}` }).click();
    await waitForText(bank.page.getByTestId("decision-result"), new RegExp(`You rejected request #${id}`));
    await waitForText(row, /rejected by Bank/);
    expect(await row.getByRole("button").count(), "nothing left to decide").to.equal(0);

    // The row says "rejected" as soon as the status is read, and who and why once the event is:
    // wait for the whole sentence, not the first word of it.
    await waitForText(insurer.request(id), /rejected by Bank \(0x.{4}….{4}\) reason: more data than needed/);
    expect(await insurer.request(id).getByRole("button", { name: /Fetch and decrypt/ }).count(), "no key to fetch for a rejected request").to.equal(0);
    await waitForText(ana.request(id), /rejected by Bank .* reason: more data than needed/);

    expect((await ledger.requestOf(id)).status).to.equal(BigInt(RequestStatus.Rejected));
    const [event] = await ledger.queryFilter(ledger.filters.AccessRejected(id));
    expect([event!.args.by, Number(event!.args.reasonCode)]).to.deep.equal([world.addresses.bank, 3]);
    expectNoPageErrors();
  });

  it("the supervisor rejects with a reason, by keyboard alone: the requester and the person read the reason", async function () {
    const { supervisor: sup, lender, ana } = roles;
    const id = await request(world, { requester: "lender", subject: "ana", datasetId, device: "credit-desk" });

    const row = sup.request(id);
    expect(await waitForText(row, /Dataset policy/)).to.match(/Ana .* allowed Lender .* underwriting/);
    await expectAccessible(sup);
    // Keyboard only: focus the reason list (on "choose a reason…": nothing is preset), pick the 4th reason with the arrow keys, Tab to Reject, Enter.
    const reason = row.getByLabel(`Reason for request ${id}`, { exact: true }); // each row's list says which request it is for
    await reason.focus();
    for (let i = 0; i < 4; i++) await sup.page.keyboard.press("ArrowDown");
    expect(await reason.inputValue(), "the arrow keys moved the choice").to.equal("4");
    await sup.page.keyboard.press("Tab");
    expect(await sup.page.evaluate("document.activeElement.getAttribute('aria-label')")).to.equal(`Reject request ${id}`);
    await sup.page.keyboard.press("Enter");
    await waitForText(sup.page.getByTestId("decision-result"), new RegExp(`You rejected request #${id}`));
    await row.waitFor({ state: "detached" }); // out of the queue

    await waitForText(lender.request(id), /rejected by Supervisor \(0x.{4}….{4}, unverified\) reason: requester under review/);
    await waitForText(ana.request(id), /rejected by Supervisor .* reason: requester under review/);
    const [event] = await ledger.queryFilter(ledger.filters.AccessRejected(id));
    expect([event!.args.by, Number(event!.args.reasonCode)]).to.deep.equal([world.addresses.supervisor, 4]);
    expectNoPageErrors();
  });

  it("the supervisor revokes a live grant: the requester's page says revoked, by whom and why, and offers no fetch", async function () {
    const { supervisor: sup, insurer, ana } = roles;
    const id = await request(world, { requester: "insurer", subject: "ana", datasetId, device: "underwriting-laptop", approvals: ["provider", "supervisor"] });

    // While the grant stands, the requester decrypts (so what stops it below is the revocation).
    await waitForText(insurer.request(id), /formal access granted/);
    const got = await download(insurer, id);
    expect(sha256(got.bytes)).to.equal(sha256(records));

    const row = sup.page.getByTestId("live-grants").locator(`li[data-request="${id}"]`);
    await waitForText(row, /formal access granted/);
    await expectAccessible(sup);
    await row.getByLabel("Reason").selectOption({ label: "policy breach" });
    await row.getByRole("button", { name: `Revoke the grant of request ${id}` }).click();
    await waitForText(sup.page.getByTestId("decision-result"), new RegExp(`You revoked the grant of request #${id}`));

    const mine = insurer.request(id);
    expect(await waitForText(mine, /revoked by/)).to.match(/revoked by Supervisor \(0x.{4}….{4}, unverified\) reason: policy breach/);
    // A revoked grant has no key to fetch: the row shows why, and no Fetch button.
    expect(await mine.getByRole("button", { name: `Fetch and decrypt request ${id}` }).count()).to.equal(0);
    expect(await waitForText(ana.request(id), /revoked by/)).to.match(/revoked by Supervisor .* reason: policy breach/);
    expect(GrantInvalidReason[Number((await ledger.isGrantValid(id)).reason)]).to.equal("Revoked");
    expectNoPageErrors();
  });

  it("the supervisor suspends a member and reinstates it: its grant stops at once and stays void, its page offers no request while suspended (the ledger would refuse one), and can again after", async function () {
    const { supervisor: sup, lender } = roles;
    const id = await request(world, { requester: "lender", subject: "ana", datasetId, device: "credit-desk", approvals: ["provider", "supervisor"] });
    await waitForText(lender.request(id), /formal access granted/);

    const member = sup.page.locator(`li[data-member="${world.addresses.lender}"]`);
    await member.getByLabel("Suspension reason").selectOption({ label: "misuse of data" });
    await member.getByRole("button", { name: /^Suspend Lender/ }).click();
    await waitForText(sup.page.getByTestId("member-result"), /Suspended Lender/);
    await waitForText(member.getByTestId("member-status"), /suspended/);
    expect(await member.innerText()).to.match(/reason: misuse of data/);
    await expectAccessible(sup); // with a Reinstate button on screen
    await sup.shot("supervisor-members");
    await waitForText(lender.request(id), /revoked: the requester was suspended/);

    // While suspended: the page offers no request (it says why), and the ledger would refuse one.
    const consent = await consentFor(world, { subject: "ana", requester: "lender", datasetId });
    // Waits for the member's verified name: the config's (flagged unverified) shows until the chain's arrives.
    expect(await waitForText(lender.page.getByTestId("not-member"), /^Lender \(0x.{4}….{4}\) is a suspended member, so it cannot request data/)).to.match(/^Lender \(0x.{4}….{4}\) is a suspended member, so it cannot request data/);
    expect(await lender.page.getByRole("button", { name: "Request access" }).count()).to.equal(0);
    const asSuspended = { datasetId, purpose: "underwriting", kind: "formal", duration: "7d", device: "credit-desk", consent: consent.terms, signature: consent.signature } as const;
    const refused = await requestAccess(actAs(world, "lender"), asSuspended).then(
      () => undefined,
      (e: { code?: string }) => e.code,
    );
    expect(refused).to.equal("MembersNotActive");

    // Reinstated: the form is back, a new request goes through; the grant from before the suspension stays void.
    await member.getByRole("button", { name: /^Reinstate Lender/ }).click();
    await waitForText(sup.page.getByTestId("member-result"), /Reinstated Lender/);
    await waitForText(member.getByTestId("member-status"), /active/);
    await lender.page.getByRole("textbox", { name: /^Signed consent paste/ }).fill(toJson(toConsentFile({ ...consent, chainId: world.deployment.chainId, ledger: world.deployment.ledger })));
    await lender.page.getByLabel("For device").fill("credit-desk");
    await lender.page.getByRole("button", { name: "Request access" }).click();
    expect(await waitForText(lender.page.getByTestId("request-result"), /is on the ledger|refused/)).to.match(/Request #\d+ is on the ledger/);
    expect(await lender.request(id).innerText()).to.match(/revoked: the requester was suspended/);
    expect(GrantInvalidReason[Number((await ledger.isGrantValid(id)).reason)]).to.equal("RequesterSuspended");
    expect(Number((await ledger.memberOf(world.addresses.lender)).status)).to.equal(1);
    expectNoPageErrors();
  });

  it("the provider publishes a new version from a file chosen in the browser: a request for the latest version gets the new file", async function () {
    const { bank, insurer } = roles;
    const rows = Array.from({ length: 2000 }, (_, i) => `${world.addresses.ana},${i},deposit,${(i * 7.25).toFixed(2)},"note, ${i}"`);
    const csv = Buffer.from(`subject,seq,kind,amount,note\n${rows.join("\n")}\n`);

    await bank.page.locator(`#p-target option[value="${datasetId}"]`).waitFor({ state: "attached" });
    await bank.page.getByLabel("File").setInputFiles({ name: "ana-2026.csv", mimeType: "text/csv", buffer: csv });
    await bank.page.getByLabel("Publish as").selectOption(datasetId.toString());
    // A version keeps the dataset's person, category and policy: the form stops asking for them.
    await bank.page.getByTestId("version-note").waitFor();
    expect(await bank.page.getByLabel("The person it is about").count()).to.equal(0);
    await bank.page.getByRole("button", { name: "Encrypt, upload and register" }).click();
    const published = await waitForText(bank.page.getByTestId("publish-result"), /is registered|refused|failed|error/i, 60_000);
    expect(published).to.match(new RegExp(`Dataset #${datasetId} version 2 is registered`));
    await waitForText(bank.page.getByTestId("my-datasets"), /2 versions/);
    await bank.shot("provider-new-version");

    expect(Number((await ledger.dataset(datasetId)).latestVersion)).to.equal(2);
    const v2 = await ledger.datasetVersion(datasetId, 2);
    const [v2Event] = await ledger.queryFilter(ledger.filters.DatasetVersionPublished(datasetId, 2));
    expect(v2Event!.args.formatId).to.equal(formatIdOf("csv"), "the format comes from the file name");
    const stored = await readFile(world.server.blobs.path(`blob://merkle/${v2.merkleRoot.slice(2)}`));
    expect(new StreamRootHasher(nodeSha256).update(stored).digest()).to.equal(v2.merkleRoot);
    expect(stored.includes(csv.subarray(0, 40))).to.equal(false, "no plaintext reached the blob store");
    expect(v2.keyCommitment).not.to.equal((await ledger.datasetVersion(datasetId, 1)).keyCommitment, "a new data key");

    // "Latest" is resolved when the request is made: version 2, whose key the browser deposited.
    const id = await request(world, { requester: "insurer", subject: "ana", datasetId, device: "underwriting-laptop", approvals: ["provider", "supervisor"] });
    expect((await ledger.requestOf(id)).version).to.equal(2n);
    await waitForText(insurer.request(id), /formal access granted/);
    const got = await download(insurer, id);
    expect(got.name).to.equal(`dataset-${datasetId}-v2.csv`);
    expect(sha256(got.bytes)).to.equal(sha256(csv), "the requester decrypts exactly the file the provider chose");
    expectNoPageErrors();
  });
});
