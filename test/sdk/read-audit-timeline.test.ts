/**
 * readAuditTimeline (sdk/actions/read-audit-timeline.ts): the ledger's history read from events
 * with block times and sentences in words, narrowed by dataset, subject, requester, kind of
 * event and date range — each filter alone and combined — on the contract tests' world (an
 * in-process Hardhat network): two datasets about Ana, a share with the Insurer, and ten days
 * later a share with the Lender.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { deploySealshare, type World } from "../contracts/fixture.js";
import { readAuditTimeline } from "../../sdk/actions/read-audit-timeline.js";
import { resolveMemberNames } from "../../sdk/actions/resolve-member-names.js";
import { shortAddress } from "../../sdk/format.js";
import type { SealshareContext } from "../../sdk/actions/context.js";
import { readTimeline, type TimelineEntry } from "../../sdk/audit/timeline.js";
import { DEVICE } from "../../devkit/contract-world.js";
import { rejects } from "./helpers/rejects.js";

const { networkHelpers } = await network.create();


describe("SDK readAuditTimeline: the ledger's history, narrowed", function () {
  let w: World;
  let ctx: SealshareContext;
  let names: Record<string, string>;
  let all: TimelineEntry[];
  let lenderDay: number;
  let insurerRequest: bigint;
  let lenderRequest: bigint;

  const events = (list: TimelineEntry[]) => list.map((e) => e.event);

  before(async function () {
    w = await networkHelpers.loadFixture(deploySealshare);
    ctx = { ledger: w.ledger, fromBlock: 0 };
    // What a config would say; the members' own names come from their records on chain.
    names = { [w.ana.address]: "Ana", [w.insurer.address]: "Config's Insurer", [w.lender.address]: "Lender", [w.bank.address]: "Bank" };
    insurerRequest = (await w.share()).requestId;
    await networkHelpers.time.increase(10 * 86_400);
    await (await w.publishKey(w.lender, DEVICE.lender)).wait();
    const { terms } = await w.consent({ requester: w.lender.address });
    lenderDay = await networkHelpers.time.latest(); // the time of the consent's block
    lenderRequest = await w.request(terms, { deviceId: DEVICE.lender }, w.lender);
    all = await readTimeline({ provider: w.ledger.runner!.provider!, ledger: w.ledgerAddress, fromBlock: 0, names: { ...names, ...(await resolveMemberNames(ctx)) }, withTimestamps: true });
  });

  it("without filters: every event, with block times and the timeline's sentences, members by their verified names", async function () {
    const t = await readAuditTimeline(ctx, { names });
    expect(t.all).to.deep.equal(all);
    expect(t.entries).to.deep.equal(all);
    expect(all.every((e) => typeof e.timestamp === "number")).to.equal(true);
    const asked = all.filter((e) => e.event === "AccessRequested").map((e) => e.summary);
    expect(asked).to.deep.equal([
      `Insurer (${shortAddress(w.insurer.address)}) requested dataset #1 for underwriting, formal, 7 days (request #${insurerRequest})`,
      `Lender (${shortAddress(w.lender.address)}) requested dataset #1 for underwriting, formal, 7 days (request #${lenderRequest})`,
    ]);
    const registered = all.find((e) => e.event === "DatasetRegistered")!.summary;
    expect(registered).to.equal(`provider Bank (${shortAddress(w.bank.address)}) registered dataset #1 (deposit) about Ana (${shortAddress(w.ana.address)}, unverified)`);
  });

  it("by dataset: the other dataset's registration and version only", async function () {
    const { entries } = await readAuditTimeline(ctx, { datasetId: 2n, timeline: all });
    expect(events(entries)).to.deep.equal(["DatasetRegistered", "DatasetVersionPublished"]);
    expect(entries.every((e) => e.args.datasetId === 2n)).to.equal(true);
  });

  it("by requester and kind of event: exactly that institution's events of that kind", async function () {
    const { entries } = await readAuditTimeline(ctx, { requester: w.lender.address.toLowerCase(), events: ["AccessRequested", "ConsentGiven"], timeline: all });
    expect(entries).to.deep.equal(all.filter((e) => ["AccessRequested", "ConsentGiven"].includes(e.event) && e.args.requester === w.lender.address));
    expect(events(entries)).to.deep.equal(["ConsentGiven", "AccessRequested"]);
  });

  it("by subject: every dataset about Ana and her consents; nothing about members", async function () {
    const { entries } = await readAuditTimeline(ctx, { subject: w.ana.address, timeline: all });
    expect(entries.some((e) => e.event === "MemberRegistered")).to.equal(false);
    expect(events(entries.filter((e) => e.event.startsWith("Dataset")))).to.deep.equal(["DatasetRegistered", "DatasetVersionPublished", "DatasetRegistered", "DatasetVersionPublished"]);
    expect(entries.filter((e) => e.event === "ConsentGiven")).to.have.length(2);
  });

  it("by date range: the events of those days only, both bounds included", async function () {
    const later = await readAuditTimeline(ctx, { from: lenderDay, timeline: all });
    expect(events(later.entries)).to.deep.equal(["ConsentGiven", "AccessRequested"]);
    const earlier = await readAuditTimeline(ctx, { to: lenderDay - 1, timeline: all });
    expect(earlier.entries).to.deep.equal(all.filter((e) => e.timestamp! < lenderDay));
    expect(events(earlier.entries).at(-1)).to.equal("EncryptionKeyPublished"); // the Lender's key, a second before
    expect(earlier.entries.length + later.entries.length).to.equal(all.length);
  });

  it("combined: subject AND requester AND dates", async function () {
    const { entries } = await readAuditTimeline(ctx, { subject: w.ana.address, requester: w.insurer.address, to: lenderDay - 1, timeline: all });
    expect(events(entries)).to.deep.equal(["ConsentGiven", "AccessRequested", "AccessApproved", "AccessGranted", "AccessApproved", "AccessGranted"]);
    expect(entries.every((e) => e.args.requestId === undefined || e.args.requestId === insurerRequest)).to.equal(true);
  });

  it("refuses a requester that is not an address, and a range that ends before it starts", async function () {
    const e = await rejects(readAuditTimeline(ctx, { requester: "0x1234", timeline: all }), "INVALID_ADDRESS");
    expect(e.message).to.equal('the requester is not an address: "0x1234"');
    await rejects(readAuditTimeline(ctx, { from: 200, to: 100, timeline: all }), "INVALID_OPTION");
  });
});
