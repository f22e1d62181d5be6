/**
 * The small SDK reads the CLI calls instead of the ledger: getMember (memberOf by field name),
 * getDatasetVersion (datasetVersion) and findApproverRole (as whom an account approves), on the
 * contract tests' world (an in-process Hardhat network).
 */
import { expect } from "chai";
import { network } from "hardhat";
import { deploySealshare, type World } from "../contracts/fixture.js";
import { getMember } from "../../sdk/actions/get-member.js";
import { getDatasetVersion } from "../../sdk/actions/get-dataset-version.js";
import { findApproverRole } from "../../sdk/actions/find-approver-role.js";
import type { SealshareContext } from "../../sdk/actions/context.js";
import { rejection } from "./helpers/rejects.js";
import { MemberStatus } from "../../sdk/vocabulary.js";

const { networkHelpers } = await network.create();
const load = () => networkHelpers.loadFixture(deploySealshare);

const ctxOf = (w: World, signer?: World["bank"]): SealshareContext => ({ ledger: w.ledger, ...(signer ? { signer } : {}) });

/** Unix time of the block that mined the first `event` log with these indexed arguments. */
async function timeOfEvent(w: World, filter: Parameters<World["ledger"]["queryFilter"]>[0]): Promise<number> {
  const [log] = await w.ledger.queryFilter(filter);
  return (await log!.getBlock()).timestamp;
}

describe("SDK ledger reads: getMember, getDatasetVersion, findApproverRole", function () {
  describe("getMember", function () {
    it("reads an active member's status, epoch and registration time by name", async function () {
      const w = await load();
      const registeredAt = await timeOfEvent(w, w.ledger.filters.MemberRegistered(w.bank.address));
      expect(await getMember(ctxOf(w), { member: w.bank.address.toLowerCase() })).to.deep.equal({
        member: w.bank.address,
        status: MemberStatus.Active,
        epoch: 0,
        registeredAt,
      });
    });

    it("reads a suspended member in its new epoch, registration time unchanged", async function () {
      const w = await load();
      const registeredAt = await timeOfEvent(w, w.ledger.filters.MemberRegistered(w.lender.address));
      await w.ledger.connect(w.sup1).suspendMember(w.lender.address, 1);
      expect(await getMember(ctxOf(w), { member: w.lender.address })).to.deep.equal({ member: w.lender.address, status: MemberStatus.Suspended, epoch: 1, registeredAt });
    });

    it("reads an account never registered as all zero", async function () {
      const w = await load();
      expect(await getMember(ctxOf(w), { member: w.ana.address })).to.deep.equal({ member: w.ana.address, status: MemberStatus.None, epoch: 0, registeredAt: 0 });
    });

    it("refuses something that is not an address before asking the ledger", async function () {
      const w = await load();
      const err = await rejection(getMember(ctxOf(w), { member: "0x1234" }));
      expect([err.code, err.message]).to.deep.equal(["INVALID_ADDRESS", 'member is not an address: "0x1234"']);
    });
  });

  describe("getDatasetVersion", function () {
    it("reads a published version's hashes, size and publication time", async function () {
      const w = await load();
      const publishedAt = await timeOfEvent(w, w.ledger.filters.DatasetVersionPublished(w.datasetId, 1));
      expect(await getDatasetVersion(ctxOf(w), { datasetId: w.datasetId, version: 1 })).to.deep.equal({
        datasetId: w.datasetId,
        version: 1,
        merkleRoot: w.v1.merkleRoot,
        keyCommitment: w.v1.keyCommitment,
        size: 3 * 1_048_576 + 17,
        publishedAt,
      });
    });

    it("names a version that was never published (DatasetsUnknownVersion with its dataset and number)", async function () {
      const w = await load();
      const err = await rejection(getDatasetVersion(ctxOf(w), { datasetId: w.datasetId, version: 9 }));
      expect([err.code, err.details?.args]).to.deep.equal(["DatasetsUnknownVersion", [w.datasetId.toString(), "9"]]);
    });
  });

  describe("findApproverRole", function () {
    it("finds the dataset's provider as provider, and a supervisor as supervisor", async function () {
      const w = await load();
      const { terms } = await w.consent();
      const requestId = await w.request(terms);
      expect(await findApproverRole(ctxOf(w, w.bank), { requestId })).to.deep.equal({ requestId, datasetId: w.datasetId, account: w.bank.address, role: "provider" });
      expect(await findApproverRole(ctxOf(w, w.sup1), { requestId })).to.deep.equal({ requestId, datasetId: w.datasetId, account: w.sup1.address, role: "supervisor" });
      expect((await findApproverRole(ctxOf(w), { requestId, account: w.sup2.address })).role).to.equal("supervisor");
    });

    it("prefers provider for a provider that also holds the supervisor role", async function () {
      const w = await load();
      const { terms } = await w.consent();
      const requestId = await w.request(terms);
      await w.ledger.connect(w.admin).grantRole(await w.ledger.SUPERVISOR_ROLE(), w.bank.address);
      expect((await findApproverRole(ctxOf(w, w.bank), { requestId })).role).to.equal("provider");
    });

    it("refuses an account that is neither, naming it and the dataset (NOT_APPROVER)", async function () {
      const w = await load();
      const { terms } = await w.consent();
      const requestId = await w.request(terms);
      const err = await rejection(findApproverRole(ctxOf(w, w.lender), { requestId }));
      expect([err.code, err.message]).to.deep.equal(["NOT_APPROVER", `${w.lender.address} is neither dataset #${w.datasetId}'s provider nor a supervisor`]);
    });

    it("names an unknown request (AccessUnknownRequest)", async function () {
      const w = await load();
      const err = await rejection(findApproverRole(ctxOf(w, w.bank), { requestId: 77n }));
      expect([err.code, err.details?.args]).to.deep.equal(["AccessUnknownRequest", ["77"]]);
    });
  });
});
