/**
 * The SDK's one-transaction share: signApproval (a typed, JSON-safe signed approval),
 * relayShare and relayShares (the requester relays consent + request + approvals), and the
 * checks they make before sending anything.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { TypedDataEncoder, verifyTypedData } from "ethers";
import { deploySealshare, type World } from "../contracts/fixture.js";
import { SHARE_APPROVAL_TYPES } from "../../sdk/eip712.js";
import { SealshareError } from "../../sdk/errors.js";
import { signApproval, signedApprovalFromJson, shareApprovalMessage, type SignApprovalParams } from "../../sdk/actions/sign-approval.js";
import { relayShare } from "../../sdk/actions/relay-share.js";
import { relayShares, type RelayShareParams } from "../../sdk/actions/relay-shares.js";
import type { SealshareContext } from "../../sdk/actions/context.js";
import { verifyLedger } from "../../sdk/audit/verify.js";
import { readTimeline } from "../../sdk/audit/timeline.js";

const { networkHelpers } = await network.create();
const load = () => networkHelpers.loadFixture(deploySealshare);

const ctxOf = (w: World, signer: World["ana"]): SealshareContext => ({ ledger: w.ledger, signer });

async function rejects(p: Promise<unknown>, code: string): Promise<SealshareError> {
  try {
    await p;
  } catch (err) {
    expect(err, String(err)).to.be.instanceOf(SealshareError);
    expect((err as SealshareError).code, String(err)).to.equal(code);
    return err as SealshareError;
  }
  expect.fail(`expected a SealshareError ${code}`);
}

/** Ana's signed consent for Insurer, and the share terms the approvers sign. */
async function prepared(w: World) {
  const terms = await w.consentTerms();
  const consentSignature = await w.signConsent(terms);
  const share: Omit<SignApprovalParams, "as"> = { consent: terms, requester: w.insurer.address, datasetId: w.datasetId, purpose: "underwriting", kind: "formal", duration: "7d" };
  const relay = (approvals: RelayShareParams["approvals"]): RelayShareParams => ({
    datasetId: w.datasetId,
    purpose: "underwriting",
    kind: "formal",
    duration: "7d",
    device: w.deviceOf(w.insurer),
    consent: terms,
    consentSignature,
    approvals,
  });
  return { terms, share, relay };
}

describe("SDK: signed approvals and the one-transaction share", function () {
  it("signApproval returns a JSON-safe approval that survives a file round trip and verifies as the approver's ShareApproval", async function () {
    const w = await load();
    const { terms, share } = await prepared(w);
    const a = await signApproval(ctxOf(w, w.bank), { ...share, as: "provider", validFor: "2h" });
    const now = await w.time.latest();
    expect(a).to.deep.include({
      type: "sealshare-share-approval",
      chainId: w.chainId.toString(),
      ledger: w.ledgerAddress,
      consentId: w.consentIdOf(terms),
      requester: w.insurer.address,
      datasetId: w.datasetId.toString(),
      purpose: 1,
      kind: 2,
      duration: 7 * 86_400,
      approver: w.bank.address,
      asSupervisor: false,
      deadline: now + 7_200,
    });
    expect(a.signature).to.match(/^0x[0-9a-f]{128}$/);
    const back = signedApprovalFromJson(JSON.parse(JSON.stringify(a)));
    expect(back).to.deep.equal(a);
    expect(verifyTypedData(w.domain, SHARE_APPROVAL_TYPES, shareApprovalMessage(back), back.signature)).to.equal(w.bank.address);
    // The type string the contract hashes (contracts/common/TypedData.sol) is the SDK's.
    expect(TypedDataEncoder.from(SHARE_APPROVAL_TYPES).encodeType("ShareApproval")).to.equal(
      "ShareApproval(bytes32 consentId,address requester,uint64 datasetId,uint32 purpose,uint8 kind,uint32 duration,address approver,bool asSupervisor,uint40 deadline)",
    );
  });

  it("signApproval refuses a role the signer does not hold: NOT_PROVIDER, NOT_SUPERVISOR", async function () {
    const w = await load();
    const { share } = await prepared(w);
    const e = await rejects(signApproval(ctxOf(w, w.lender), { ...share, as: "provider" }), "NOT_PROVIDER");
    expect(e.message).to.equal(`${w.lender.address} is not dataset #1's provider (${w.bank.address} is)`);
    await rejects(signApproval(ctxOf(w, w.bank), { ...share, as: "supervisor" }), "NOT_SUPERVISOR");
  });

  it("signedApprovalFromJson refuses what is not a signed approval: BAD_APPROVAL", async function () {
    const w = await load();
    const { share } = await prepared(w);
    const a = await signApproval(ctxOf(w, w.bank), { ...share, as: "provider" });
    for (const bad of [null, {}, { ...a, type: "sealshare-consent" }, { ...a, datasetId: 1 }, { ...a, approver: "bank" }, { ...a, signature: "0x1" }, { ...a, deadline: -1 }]) {
      expect(() => signedApprovalFromJson(bad)).to.throw(SealshareError).with.property("code", "BAD_APPROVAL");
    }
  });

  it("relayShare: one transaction records the consent, the request and both approvals, and grants Formal", async function () {
    const w = await load();
    const { share, relay } = await prepared(w);
    const approvals = [await signApproval(ctxOf(w, w.bank), { ...share, as: "provider" }), await signApproval(ctxOf(w, w.sup1), { ...share, as: "supervisor" })];
    const r = await relayShare(ctxOf(w, w.insurer), relay(approvals));
    expect(r.requestId).to.equal(1n);
    expect(r.approvals).to.deep.equal([
      { approver: w.bank.address, asSupervisor: false, supervisorApprovals: 0 },
      { approver: w.sup1.address, asSupervisor: true, supervisorApprovals: 1 },
    ]);
    expect(r.granted).to.deep.include({ kind: 2, version: 1 });
    await w.expectValid(1n);
    // The auditor sees every approval with its signer, and finds nothing wrong with the grant.
    const provider = w.ethers.provider;
    const timeline = await readTimeline({ provider, ledger: w.ledgerAddress, fromBlock: 0 });
    const approved = timeline.filter((e) => e.event === "AccessApproved").map((e) => [e.args.approver, e.args.asSupervisor]);
    expect(approved).to.deep.equal([[w.bank.address, false], [w.sup1.address, true]]);
    const report = await verifyLedger({ ledger: w.ledger, provider, fromBlock: 0, timeline });
    expect(report.violations).to.deep.equal([]);
    expect(report.checked.grants).to.equal(1);
  });

  it("relayShares: two shares in one transaction, both granted", async function () {
    const w = await load();
    const shares = [];
    for (let i = 0; i < 2; i++) {
      const { share, relay } = await prepared(w);
      shares.push(relay([await signApproval(ctxOf(w, w.bank), { ...share, as: "provider" }), await signApproval(ctxOf(w, w.sup2), { ...share, as: "supervisor" })]));
    }
    const r = await relayShares(ctxOf(w, w.insurer), { shares });
    expect(r.shares.map((s) => [s.requestId, s.granted?.kind])).to.deep.equal([[1n, 2], [2n, 2]]);
    const receipt = await w.ethers.provider.getTransactionReceipt(r.txHash);
    expect(receipt!.blockNumber).to.equal(r.blockNumber);
  });

  it("refuses before sending an approval for another share (APPROVAL_MISMATCH) or past its deadline (APPROVAL_EXPIRED)", async function () {
    const w = await load();
    const { share, relay } = await prepared(w);
    const otherDuration = await signApproval(ctxOf(w, w.bank), { ...share, duration: "1d", as: "provider" });
    const before = await w.ethers.provider.getBlockNumber();
    const e = await rejects(relayShare(ctxOf(w, w.insurer), relay([otherDuration])), "APPROVAL_MISMATCH");
    expect(e.message).to.equal(`the approval by ${w.bank.address} is for another duration (86400, not 604800)`);
    await rejects(relayShare(ctxOf(w, w.lender), relay([await signApproval(ctxOf(w, w.bank), { ...share, as: "provider" })])), "APPROVAL_MISMATCH");
    const stale = { ...(await signApproval(ctxOf(w, w.bank), { ...share, as: "provider" })), deadline: Math.floor(Date.now() / 1000) - 60 };
    await rejects(relayShare(ctxOf(w, w.insurer), relay([stale])), "APPROVAL_EXPIRED");
    expect(await w.ethers.provider.getBlockNumber()).to.equal(before);
  });

  it("a ledger refusal arrives as a named error: AccessConflictOfInterest", async function () {
    const w = await load();
    const { share, relay } = await prepared(w);
    await w.ledger.connect(w.admin).setSupervisorAffiliation(w.sup1.address, w.insurer.address);
    const approvals = [await signApproval(ctxOf(w, w.bank), { ...share, as: "provider" }), await signApproval(ctxOf(w, w.sup1), { ...share, as: "supervisor" })];
    await rejects(relayShare(ctxOf(w, w.insurer), relay(approvals)), "AccessConflictOfInterest");
  });
});
